"""qualys_cs: a client for the Qualys Container Security API (csapi), on a Rust core.

    from qualys_cs import Client
    client = Client(platform="US2", username="...", password="...")   # or Client.from_env()
    for image in client.images.list(filter="vulnerabilities.severity:5"):
        print(image["sha"])

Importing the package does no I/O and starts no thread: the runtime starts on the first call.
"""

import atexit as _atexit
import os as _os

from . import _native, bodies, errors, types
from ._client import AsyncClient, AsyncRawClient, Client, RawClient, RawResponse
from ._native import __version__
from ._options import ClientOptions
from ._pagination import AsyncPager, Page, PageInfo, SyncPager
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    DeadlineExceededError,
    DecodeError,
    ForkError,
    NotFoundError,
    PermissionDeniedError,
    QualysError,
    RateLimitError,
    RecordCapError,
    ServerError,
    ValidationError,
)

# Before the interpreter finalizes, let the runtime's threads finish handing async results to asyncio
# (taking the GIL during finalization aborts the process).
_atexit.register(_native.drain, 2.0)
# A forked child waits for none of the parent's awaitables at exit (they never finish there). The
# runtime and each client's connections are rebuilt in the child on its first call, by the native side.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_native.after_fork_in_child)

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "RawClient",
    "AsyncRawClient",
    "RawResponse",
    "ClientOptions",
    "Page",
    "PageInfo",
    "SyncPager",
    "AsyncPager",
    "errors",
    "types",
    "bodies",
    "QualysError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "APITimeoutError",
    "DeadlineExceededError",
    "DecodeError",
    "ValidationError",
    "RecordCapError",
    "ConfigError",
    "ForkError",
]
