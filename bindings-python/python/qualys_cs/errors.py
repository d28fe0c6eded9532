"""Exceptions raised by qualys_cs.

Every exception derives from :class:`QualysError` and carries ``code``, the core's stable error code
(``"E_NOT_FOUND"``, ``"E_RATE_LIMITED"``...). Errors the server answered with are :class:`APIError`
subclasses chosen by HTTP status. What an error came from is its ``__cause__``: the OS error
(e.g. ``ConnectionRefusedError``) or transport error under an :class:`APIConnectionError`, the
JSON parser's ``ValueError`` under a :class:`DecodeError`. All of them pickle (they cross process
pools unchanged, with their direct cause).
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
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
    "RequestInfo",
]


class RequestInfo(NamedTuple):
    """The request an error belongs to (no query string, no headers: nothing secret)."""

    method: str
    path: str


class QualysError(Exception):
    """Base class of every error raised by qualys_cs."""

    code: str = "E_QUALYS"
    #: The most specific message: the server's ``message`` for API errors, else the full text.
    message: str
    method: str | None = None
    path: str | None = None

    def __init__(self, message: str = "", **attrs: Any) -> None:
        super().__init__(message)
        self._attrs = dict(attrs)
        self.message = attrs.pop("api_message", None) or message
        for name, value in attrs.items():
            setattr(self, name, value)

    @property
    def request(self) -> RequestInfo | None:
        """``(method, path)`` of the failed request, when there was one."""
        if self.method is None or self.path is None:
            return None
        return RequestInfo(self.method, self.path)

    def __reduce__(self) -> tuple[Any, ...]:
        # The default pickling calls cls(*args) and loses the keyword attributes and the cause.
        state = None if self.__cause__ is None else {"__cause__": self.__cause__}
        return (_rebuild, (type(self), str(self), self._attrs), state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, code={self.code!r})"


def _rebuild(cls: type[QualysError], message: str, attrs: dict[str, Any]) -> QualysError:
    return cls(message, **attrs)


class APIError(QualysError):
    """The server answered with an error status."""

    code = "E_API"
    status: int | None = None
    #: Qualys' ``errorCode`` (e.g. ``"CMS-1504"``, ``"403 FORBIDDEN"``).
    error_code: str | None = None
    #: Qualys' ``timestamp`` (epoch milliseconds).
    timestamp: int | None = None
    #: The ``X-RateLimit-*`` state of the response, when it carried those headers.
    rate_limit: dict[str, int | None] | None = None
    retry_after: float | None = None


class BadRequestError(APIError):
    """400 (or 422): the server refused the arguments."""

    code = "E_BAD_REQUEST"


class AuthenticationError(APIError):
    """401, or credentials could not be obtained (then ``status`` is None)."""

    code = "E_AUTHENTICATION"


class PermissionDeniedError(APIError):
    """403: the user lacks a permission (e.g. ``CS.IMAGE.VIEW``, or API access)."""

    code = "E_PERMISSION_DENIED"


class NotFoundError(APIError):
    """404."""

    code = "E_NOT_FOUND"


class ConflictError(APIError):
    """409 (e.g. reports on a Free subscription)."""

    code = "E_CONFLICT"


class RateLimitError(APIError):
    """429 after the retries; ``retry_after`` is the wait the server asked for, in seconds."""

    code = "E_RATE_LIMITED"


class ServerError(APIError):
    """5xx after the retries."""

    code = "E_SERVER"


class APIConnectionError(QualysError):
    """The connection failed or broke before a full response arrived."""

    code = "E_CONNECTION"


class APITimeoutError(APIConnectionError, TimeoutError):
    """The request did not finish within its timeout (also a builtin ``TimeoutError``): ``timeout``
    is the limit of each attempt in seconds, ``attempts`` the requests the call sent, ``elapsed``
    the seconds from the start of the call to the error."""

    code = "E_TIMEOUT"
    timeout: float | None = None
    attempts: int | None = None
    elapsed: float | None = None


class DeadlineExceededError(APITimeoutError):
    """The call's ``deadline`` (seconds: every attempt, the waits between them, a token request)
    passed before it had an answer. An :class:`APITimeoutError`, so a builtin ``TimeoutError`` too;
    the message says how many attempts it made in how long, e.g. "gave up after 4 attempts in 10.7 s
    (deadline 10 s; timeout 2 s each)"."""

    code = "E_DEADLINE_EXCEEDED"
    deadline: float | None = None
    #: Token requests (``POST /auth...``) the call made (not counted in ``attempts``).
    token_requests: int | None = None


class DecodeError(QualysError):
    """The response could not be used as it came: a body that does not decode (``E_DECODE``), one
    larger than ``max_response_bytes`` (``E_RESPONSE_TOO_LARGE``, not retried), or a list whose
    pages do not converge (``E_PAGINATION``: a cursor that comes back, a page that repeats)."""

    code = "E_DECODE"


class ValidationError(QualysError, ValueError):
    """An argument breaks a documented rule; nothing was sent. ``field`` names it."""

    code = "E_VALIDATION"
    field: str | None = None
    rule: str | None = None


class RecordCapError(QualysError):
    """A list stops at a server-side record cap (10,000 on images/containers lists)."""

    code = "E_RECORD_CAP"
    cap: int | None = None
    total: int | None = None
    alternative: str | None = None


class ConfigError(QualysError, ValueError):
    """The client is configured wrongly (no credentials, no platform...)."""

    code = "E_CONFIG"


class ForkError(QualysError, RuntimeError):
    """Something that belongs to one process was used in a child after ``fork()``: a list being paged
    (its prefetch ran on the parent's threads). Clients themselves work in the child; start the list
    again there."""

    code = "E_FORK"


def _from_native(class_name: str, message: str, attrs: dict[str, Any]) -> QualysError:
    """Called by the native module: the one place a core error becomes an exception."""
    cls = globals().get(class_name)
    if not (isinstance(cls, type) and issubclass(cls, QualysError)):
        cls = QualysError
    return cls(message, **attrs)
