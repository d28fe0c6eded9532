"""`Client` and `AsyncClient`: configuration, the generic call paths, raw responses, logging.

The resource namespaces (``client.images``, ``client.registries.schedules``...) are generated from the
endpoint table into ``_resources.py``; every method there ends in :meth:`_BaseClient._call` or
:meth:`_BaseClient._list` with the endpoint's id.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ._native import NativeClient, NativePages, set_log_level
from ._pagination import AsyncPager, OnPage, Page, SyncPager
from ._resources import ENDPOINTS, AsyncRawResources, AsyncResources, RawResources, SyncResources
from ._response import RawResponse

if TYPE_CHECKING:
    # Type checkers only (PEP 692 keywords); no run-time dependency on typing_extensions.
    from typing_extensions import Unpack

    from ._options import ClientOptions

__all__ = ["Client", "AsyncClient", "RawClient", "AsyncRawClient", "RawResponse"]

logger = logging.getLogger("qualys_cs")

_Self = TypeVar("_Self", bound="_BaseClient")

#: Name/value pairs of ``extra_query``: a mapping (a list value repeats the name) or ``(name, value)``
#: pairs; values are str, int or bool, sent as text.
_Pairs = Mapping[str, Any] | Sequence[tuple[str, Any]]
#: ``extra_headers``, as ``_Pairs`` with text values (a header's value is text; a number is refused).
_Headers = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]


def _options(opts: Mapping[str, Any]) -> dict[str, Any] | None:
    return {k: v for k, v in opts.items() if v is not None} or None


#: The level last told to the native logging bridge; the bridge forwards the client's events at
#: or above it (each attempt at DEBUG, retries and rate-limit waits at INFO, giving up at WARNING).
_synced_level: int | None = None


def _sync_log_level() -> None:
    """Tell the native bridge the ``qualys_cs`` logger's effective level, so events below it never
    reach Python (they cost no GIL). Checked at each call: a level set later applies to the next."""
    global _synced_level
    level = logger.getEffectiveLevel() if not logger.disabled else logging.CRITICAL + 1
    if level != _synced_level:
        _synced_level = level
        set_log_level(level)


class _BaseClient:
    _native: NativeClient
    #: Raw-response clients return RawResponse objects instead of the data.
    _raw: bool = False
    #: What the client was built from, for pickling: the explicit arguments, whether the
    #: environment was read, and the ``with_options`` defaults.
    _config: dict[str, Any]
    _from_env: bool
    #: One dict per ``with_options`` call, oldest first (re-applied in order on unpickling).
    _call_options: tuple[dict[str, Any], ...]

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        """Build a client. Every option is declared once (``qualys_cs.ClientOptions``, generated from
        spec/options.json; the table in docs/options.md): ``platform`` ("US1".."KSA1") or
        ``base_url``; ``username`` and ``password`` (``auth="jwt"``, the default, or ``"basic"``), or
        ``token`` / ``token_provider``; durations in seconds; ``max_retries``; ``proxy``;
        ``max_concurrency``; ``prefetch``; ``max_response_bytes``; ``allow_insecure_http``.
        Nothing is sent until the first call.

        How long a call may take, side by side (seconds; the per-call keywords of every method
        override the first three for that call):

        ==================  =======  =====================================================
        option              default  what it bounds
        ==================  =======  =====================================================
        ``timeout``         120      each HTTP attempt (connect, headers, whole body);
                                     a retry gets it again
        ``deadline``        none     the whole call: every attempt, backoff, 429 waits, the
                                     queue, a token request; a list: each page fetch.
                                     Raises ``DeadlineExceededError``. 0: none
        ``max_retries``     3        retries after connection errors, 5xx and timeouts
                                     (429s do not use them up)
        ``max_retry_wait``  120      the total a call waits out 429s; a server wait that
                                     does not fit (or passes the deadline) raises
                                     ``RateLimitError`` at once
        ``backoff``         0.5, 8   the first and the longest wait between retries
                                     (doubling, with jitter)
        ==================  =======  =====================================================

        No ``deadline`` by default: it also counts a call's time queued behind
        ``max_concurrency`` and the rate limiter. In a Lambda or a CI step, set it a little under
        the time the job has.

        The ``QUALYS_*`` environment variables (``QUALYS_USERNAME``, ``QUALYS_TIMEOUT``, ...) fill
        in what the arguments leave out; the credentials come as a group from one place, so a
        ``username`` given here never meets the environment's password. A misspelt keyword is an
        error that names the closest option."""
        config: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        self._setup(NativeClient(config), config, True, ())

    @classmethod
    def from_env(cls: type[_Self], **overrides: Unpack[ClientOptions]) -> _Self:
        """A client from the ``QUALYS_*`` environment variables (``QUALYS_USERNAME``,
        ``QUALYS_PASSWORD`` or ``QUALYS_TOKEN``, ``QUALYS_PLATFORM`` or ``QUALYS_BASE_URL``, and one
        per option: docs/options.md); keyword arguments override the environment. The same as
        ``Client(**overrides)``, named for scripts that mean to read the environment."""
        config: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return cls._wrap(NativeClient(config), config, True, ())

    @classmethod
    def _wrap(
        cls: type[_Self],
        native: NativeClient,
        config: dict[str, Any],
        from_env: bool,
        options: tuple[dict[str, Any], ...],
    ) -> _Self:
        self = cls.__new__(cls)
        self._setup(native, config, from_env, options)
        return self

    def _setup(
        self, native: NativeClient, config: dict[str, Any], from_env: bool, options: tuple[dict[str, Any], ...]
    ) -> None:
        self._native = native
        self._config = config
        self._from_env = from_env
        self._call_options = options
        self._init_resources()

    def _derive(self, cls: type[_Self], native: NativeClient, options: dict[str, Any] | None = None) -> _Self:
        chain = self._call_options if options is None else (*self._call_options, options)
        return cls._wrap(native, self._config, self._from_env, chain)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle to the configuration, not the state: the other side builds its own client (its own
        connections, token and rate limiter). Explicit credentials travel in the pickle; a client that
        read the environment reads it again where it is unpickled. A ``token_provider`` must pickle."""
        provider = self._config.get("token_provider")
        if provider is not None and not _picklable(provider):
            raise TypeError(
                f"cannot pickle {type(self).__name__}: its token_provider {provider!r} does not pickle; "
                "pass a module-level function or a picklable callable object"
            )
        return (_rebuild, (type(self), self._config, self._from_env, self._call_options))

    def _init_resources(self) -> None:  # provided by the generated resources mixin
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def username(self) -> str | None:
        return self._native.username

    def with_options(
        self: _Self,
        *,
        timeout: float | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        extra_headers: _Headers | None = None,
        extra_query: _Pairs | None = None,
    ) -> _Self:
        """A client sharing this one's connections, token and rate limiter whose calls default to
        these options (per-call options still win). The per-call options are the core's, as in
        every method and in the Node client (``timeout`` in seconds, the limit of each HTTP attempt;
        ``deadline`` in seconds, the total time of a call, 0 for none; ``max_retries``;
        ``extra_headers`` and ``extra_query`` as a mapping or ``(name, value)`` pairs, a list value
        repeating the name)."""
        opts = {
            "timeout": timeout,
            "deadline": deadline,
            "max_retries": max_retries,
            "extra_headers": extra_headers,
            "extra_query": extra_query,
        }
        given = _options(opts) or {}
        return self._derive(type(self), self._native.with_options(given), given)

    def close(self) -> None:
        """Nothing to release explicitly (connections are pooled and closed when unused); here so
        the client works as a context manager."""

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}{user})"


def _picklable(obj: object) -> bool:
    """Whether `obj` pickles, with pickle or (as Dask and Ray ship work) cloudpickle."""
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        pass
    try:
        import cloudpickle  # type: ignore[import-not-found,import-untyped,unused-ignore]

        cloudpickle.dumps(obj)
        return True
    except Exception:
        return False


def _rerun(
    native: NativeClient, endpoint: str, args: dict[str, Any], opts: Mapping[str, Any], prefetch: int | None
) -> tuple[Callable[[], NativePages], str, str | None]:
    """How a pager runs its query again, and how it names it in its ``repr``: the method and
    the arguments given (option values are left out: headers may carry secrets)."""
    options = _options(opts)
    name = ENDPOINTS[endpoint][0]
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None)
    return (lambda: native.paginate(endpoint, args, options, prefetch)), f"{name}({shown})", None


def _rebuild(
    cls: type[_BaseClient], config: dict[str, Any], from_env: bool, options: tuple[dict[str, Any], ...]
) -> _BaseClient:
    """Unpickle a client: build it again from its configuration (see ``_BaseClient.__reduce__``)."""
    native = NativeClient(config)
    for given in options:
        native = native.with_options(given)
    return cls._wrap(native, config, from_env, options)


def _page_dict(native: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    page: Page[Any] = Page._from_native(native)
    return page.to_dict(), native.meta


class _SyncCalls(_BaseClient):
    def _call(self, endpoint: str, args: dict[str, Any], opts: Mapping[str, Any]) -> Any:
        _sync_log_level()
        out = self._native.call(endpoint, args, _options(opts), self._raw)
        return RawResponse(*out) if self._raw else out

    def _list(
        self,
        endpoint: str,
        args: dict[str, Any],
        opts: Mapping[str, Any],
        prefetch: int | None,
        progress: bool | None = None,
        on_page: OnPage | None = None,
    ) -> Any:
        _sync_log_level()
        pages = self._native.paginate(endpoint, args, _options(opts), 1 if self._raw else prefetch)
        if self._raw:
            first = pages.next_page()
            pages.close()
            data, meta = _page_dict(first)
            return RawResponse(data, meta)
        return SyncPager(pages, *_rerun(self._native, endpoint, args, opts, prefetch), on_page, bool(progress))

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        timeout: float | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        extra_headers: _Headers | None = None,
        extra_query: _Pairs | None = None,
    ) -> Any:
        """Any method and path under the base URL (e.g. ``"/csapi/v1.3/images"``), with the same
        auth, retries, rate limits and errors as the typed methods. List values in ``query`` are sent
        as repeated parameters. Returns JSON as dicts/lists, text as ``str``, empty as ``None``."""
        _sync_log_level()
        opts = _options(
            {
                "timeout": timeout,
                "deadline": deadline,
                "max_retries": max_retries,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
            }
        )
        out = self._native.request(method, path, query, body, opts, self._raw)
        return RawResponse(*out) if self._raw else out


class _AsyncCalls(_BaseClient):
    async def _call(self, endpoint: str, args: dict[str, Any], opts: Mapping[str, Any]) -> Any:
        _sync_log_level()
        out = await self._native.call_async(endpoint, args, _options(opts), self._raw)
        return RawResponse(*out) if self._raw else out

    def _list(
        self,
        endpoint: str,
        args: dict[str, Any],
        opts: Mapping[str, Any],
        prefetch: int | None,
        progress: bool | None = None,
        on_page: OnPage | None = None,
    ) -> Any:
        _sync_log_level()
        pages = self._native.paginate(endpoint, args, _options(opts), 1 if self._raw else prefetch)
        if self._raw:
            return self._first_page(pages)
        return AsyncPager(pages, *_rerun(self._native, endpoint, args, opts, prefetch), on_page, bool(progress))

    @staticmethod
    async def _first_page(pages: Any) -> RawResponse[dict[str, Any]]:
        first = await pages.next_page_async()
        pages.close()
        data, meta = _page_dict(first)
        return RawResponse(data, meta)

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        timeout: float | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        extra_headers: _Headers | None = None,
        extra_query: _Pairs | None = None,
    ) -> Any:
        """The async :meth:`Client.request`."""
        _sync_log_level()
        opts = _options(
            {
                "timeout": timeout,
                "deadline": deadline,
                "max_retries": max_retries,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
            }
        )
        fut: Awaitable[Any] = self._native.request_async(method, path, query, body, opts, self._raw)
        out = await fut
        return RawResponse(*out) if self._raw else out


class Client(SyncResources, _SyncCalls):
    """A synchronous csapi client. Thread-safe: share one across threads. Calls release the GIL
    while they wait and answer Ctrl-C (the request is cancelled).

    Do not call it from inside a running asyncio loop (it blocks the loop); use :class:`AsyncClient`.
    """

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def with_raw_response(self) -> RawClient:
        """The same client whose methods return :class:`RawResponse` (``.data``, ``.status``,
        ``.headers``, ``.rate_limit``). On ``list`` methods: the first page, ``data`` being the page
        object as the API sent it (``{"data": [...], "count": ...}``)."""
        return self._derive(RawClient, self._native)


class RawClient(RawResources, _SyncCalls):
    """:attr:`Client.with_raw_response`: methods return :class:`RawResponse`."""

    _raw = True


class AsyncClient(AsyncResources, _AsyncCalls):
    """The asyncio twin of :class:`Client`: same resources and methods, ``await`` each call,
    ``async for`` over ``list()``. Cancelling the task cancels the request."""

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    @property
    def with_raw_response(self) -> AsyncRawClient:
        """The same client whose methods return :class:`RawResponse` (``.data``, ``.status``,
        ``.headers``, ``.rate_limit``). On ``list`` methods: the first page, ``data`` being the page
        object as the API sent it (``{"data": [...], "count": ...}``)."""
        return self._derive(AsyncRawClient, self._native)


class AsyncRawClient(AsyncRawResources, _AsyncCalls):
    """:attr:`AsyncClient.with_raw_response`: methods return :class:`RawResponse`."""

    _raw = True
