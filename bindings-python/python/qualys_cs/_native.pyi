# The compiled module (bindings-python/src). Small and generic on purpose: the public API is the
# pure-Python layer (_client.py, _resources.py), which hands endpoint ids and argument dicts here.
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, final

__version__: str

@final
class NativeClient:
    def __new__(cls, options: Mapping[str, Any] | None = None) -> NativeClient: ...
    @property
    def base_url(self) -> str: ...
    @property
    def username(self) -> str | None: ...
    def with_options(self, options: Mapping[str, Any]) -> NativeClient: ...
    def call(
        self, endpoint: str, args: dict[str, Any], options: dict[str, Any] | None = None, raw: bool = False
    ) -> Any: ...
    def call_async(
        self, endpoint: str, args: dict[str, Any], options: dict[str, Any] | None = None, raw: bool = False
    ) -> Awaitable[Any]: ...
    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        options: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any: ...
    def request_async(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        options: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Awaitable[Any]: ...
    def paginate(
        self, endpoint: str, args: dict[str, Any], options: dict[str, Any] | None = None, prefetch: int | None = None
    ) -> NativePages: ...

@final
class NativePage:
    @property
    def items(self) -> list[Any]: ...
    @property
    def number(self) -> int | None: ...
    @property
    def total(self) -> int | None: ...
    @property
    def cursor(self) -> str | None: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    @property
    def meta(self) -> dict[str, Any]:
        """status, method, path, headers, rate_limit, attempts."""

@final
class NativePages:
    @property
    def page_size(self) -> int: ...
    def next_page(self) -> NativePage | None: ...
    def next_page_async(self) -> Awaitable[NativePage | None]: ...
    @property
    def schema_name(self) -> str:
        """The list's item model (``"Image"``...): which columnar schema its pages get."""
    def next_raw(self) -> NativeRawPage | None:
        """The next page undecoded (for the columnar sinks), or ``None`` at the end."""
    def next_raw_async(self) -> Awaitable[NativeRawPage | None]: ...
    def close(self) -> None:
        """Stops prefetching at once; a ``next_page`` in flight then gives ``None``."""

@final
class NativeRawPage:
    """A page as received: its records go to a sink (Arrow, a file) in Rust, never as dicts."""
    @property
    def number(self) -> int | None: ...
    @property
    def total(self) -> int | None: ...
    @property
    def cursor(self) -> str | None: ...
    @property
    def count(self) -> int: ...

@final
class NativeTable:
    """Record batches of one schema; an Arrow stream through the PyCapsule interface."""
    @property
    def num_rows(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...

@final
class NativeArrowSink:
    def __new__(cls, schema: str) -> NativeArrowSink: ...
    def push(self, page: NativeRawPage) -> None:
        """Start decoding the page's records into one record batch (in the background, a few pages
        at a time); ``DecodeError`` naming the field that does not fit, from this page or an
        earlier one."""
    def finish(self) -> NativeTable:
        """The batches of every page pushed, in order, once all are decoded (or the first error)."""

@final
class NativeExport:
    def __new__(cls, kind: str, path: str, schema: str) -> NativeExport: ...
    def push(self, page: NativeRawPage) -> None: ...
    def finish(self) -> int:
        """Flush and close the file; the number of records written."""
    def abort(self) -> None:
        """Close the file without finishing it (a failed export)."""

def schema_json(schema: str) -> str:
    """The columns of a model's Arrow schema, as JSON (for the docs and tests)."""

@final
class NativeSimulator:
    # The simulator's options (`qualys_cs.testing.Simulator`'s keywords), read by the simulator
    # crate's one reader: an unknown name or a bad value raises ValueError naming it.
    def __new__(cls, **options: Any) -> NativeSimulator: ...
    @staticmethod
    def option_names() -> list[str]: ...
    @property
    def url(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    def requests(self) -> list[dict[str, Any]]: ...
    def clear_requests(self) -> None: ...
    def inject(self, fault: Mapping[str, Any]) -> None: ...
    def add(self, resource: str, records: list[Any]) -> int: ...
    def set_latency(self, seconds: float) -> None: ...
    def shutdown(self) -> None: ...

def drain(timeout: float) -> None:
    """Wait (GIL released, at most ``timeout`` s) until no async call is finishing on the runtime."""

def after_fork_in_child() -> None:
    """Forget the parent's awaitables in a forked child (``os.register_at_fork`` calls it)."""

def cli_main(argv: list[str]) -> int:
    """Run the ``qualys-cs`` command line (program name first); returns the exit code (130 when
    Ctrl-C stopped it)."""

def set_log_level(level: int) -> None:
    """The ``qualys_cs`` logger's effective level: the client's events below it are not forwarded."""

def loads(data: bytes) -> Any:
    """The JSON decoder every response goes through (jiter into native objects); exposed so the
    benchmarks can time it alone. Raises ``ValueError`` on malformed JSON."""
