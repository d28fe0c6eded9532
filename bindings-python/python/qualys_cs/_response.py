"""`RawResponse`: a result with the response it came in, what the ``with_raw_response`` clients
return. A module of its own: both the clients (``_client``) and the generated resource namespaces
(``_resources``, in their annotations) name it, and neither may import the other back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

__all__ = ["RawResponse"]

T = TypeVar("T")


class RawResponse(Generic[T]):
    """A result with its response: ``data`` (what the method returns normally), ``status``,
    ``headers`` (lower-case names), ``rate_limit`` (the ``X-RateLimit-*`` state), ``attempts``."""

    __slots__ = ("attempts", "data", "headers", "method", "path", "rate_limit", "status")

    def __init__(self, data: T, meta: Mapping[str, Any]) -> None:
        self.data = data
        self.status: int = meta["status"]
        self.headers: dict[str, str] = meta["headers"]
        self.rate_limit: dict[str, int | None] | None = meta["rate_limit"]
        self.attempts: int = meta["attempts"]
        self.method: str = meta["method"]
        self.path: str = meta["path"]

    def __repr__(self) -> str:
        return f"RawResponse(status={self.status}, method={self.method!r}, path={self.path!r})"
