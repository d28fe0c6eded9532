"""Lazy, auto-paginating iterators over the native page stream, and what they turn a list into
(Arrow, pandas, polars, files)."""

from __future__ import annotations

import html
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from ._native import NativePage, NativePages

if TYPE_CHECKING:
    from ._progress import Progress

T = TypeVar("T")

__all__ = ["Page", "PageInfo", "SyncPager", "AsyncPager"]


class PageInfo:
    """What ``on_page=`` callbacks get for every page fetched: ``number`` (page-numbered lists),
    ``total`` (the API's ``count`` when known), ``count`` (records on this page), ``cursor``,
    and the running ``pages`` and ``records`` of this run of the query."""

    __slots__ = ("count", "cursor", "number", "pages", "records", "total")

    def __init__(
        self, number: int | None, total: int | None, count: int, cursor: str | None, pages: int, records: int
    ) -> None:
        self.number = number
        self.total = total
        self.count = count
        self.cursor = cursor
        self.pages = pages
        self.records = records

    def __repr__(self) -> str:
        return (
            f"PageInfo(number={self.number}, count={self.count}, total={self.total}, "
            f"pages={self.pages}, records={self.records})"
        )


#: Called with every page a pager fetches (``on_page=``): progress, logging, a running count.
OnPage = Callable[[PageInfo], object]


class Page(Generic[T]):
    """One page of a list: ``items``, ``number`` (1-based; page-numbered lists), ``total`` (the
    API's ``count``), ``cursor`` (cursor lists), ``extra`` (the page object's other keys, as sent)
    and the response's ``status``, ``headers`` and ``rate_limit``."""

    __slots__ = ("cursor", "extra", "headers", "items", "number", "rate_limit", "status", "total")

    def __init__(
        self,
        items: list[T],
        number: int | None,
        total: int | None,
        cursor: str | None,
        extra: dict[str, Any],
        meta: dict[str, Any],
    ) -> None:
        self.items = items
        self.number = number
        self.total = total
        self.cursor = cursor
        self.extra = extra
        self.status: int = meta["status"]
        self.headers: dict[str, str] = meta["headers"]
        self.rate_limit: dict[str, int | None] | None = meta["rate_limit"]

    @classmethod
    def _from_native(cls, page: NativePage) -> Page[T]:
        return cls(page.items, page.number, page.total, page.cursor, page.extra, page.meta)

    def to_dict(self) -> dict[str, Any]:
        """The page as the API sent it: ``{"data": [...], "count": ..., ...}``."""
        return {"data": self.items, **self.extra}

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Page(number={self.number}, items={len(self.items)}, total={self.total})"

    def _repr_html_(self) -> str:
        """Jupyter: the page's first rows as a table (top-level fields; nested ones abbreviated)."""
        rows = [i for i in self.items[:20] if isinstance(i, dict)]
        keys: list[str] = []
        for r in rows:
            keys += [k for k in r if k not in keys]
        keys = keys[:12]

        def cell(v: Any) -> str:
            text = "" if v is None else str(v)
            return html.escape(text if len(text) <= 60 else text[:57] + "...")

        head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        body = "".join("<tr>" + "".join(f"<td>{cell(r.get(k))}</td>" for k in keys) + "</tr>" for r in rows)
        caption = html.escape(repr(self)) + (f", first {len(rows)} shown" if len(self.items) > len(rows) else "")
        return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _PagerBase:
    """What both pagers share: the query they run, their counters, and ``repr``."""

    def __init__(
        self,
        native: NativePages,
        rerun: Callable[[], NativePages] | None = None,
        query: str = "list",
        model: str | None = None,
        on_page: OnPage | None = None,
        progress: bool = False,
    ) -> None:
        self._native = native
        self._rerun = rerun
        self._query = query
        self._model = model
        self._on_page = on_page
        self._progress_default = progress
        self._bar: Progress | None = None
        self._want_bar = progress
        self._items: list[Any] = []
        self._pos = 0
        self._peeked: Page[Any] | None = None
        self._started = False
        self._done = False
        self._closed = False
        self._pages_fetched = 0
        self._items_fetched = 0
        #: Total matching records (the API's ``count``), once the first page arrived (page-numbered lists).
        self.total: int | None = None

    @property
    def page_size(self) -> int:
        return self._native.page_size

    @property
    def pages_fetched(self) -> int:
        """Pages received so far by this run of the query."""
        return self._pages_fetched

    def __repr__(self) -> str:
        if self._closed:
            state = "closed"
        elif not self._started:
            state = "not started"
        else:
            n, s = self._pages_fetched, "" if self._pages_fetched == 1 else "s"
            state = f"{n} page{s}, {self._items_fetched} records fetched" + (", done" if self._done else "")
        total = f", total={self.total}" if self.total is not None else ""
        return f"<{type(self).__name__} {self._query}: {state}{total}>"

    def _seen(self, native: NativePage | None) -> Page[Any] | None:
        """Count a fetched page, call the page hooks, end the run at the end."""
        self._started = True
        if native is None:
            self._done = True
            self._finish_bar()
            return None
        page: Page[Any] = Page._from_native(native)
        self._page_fetched(page.number, page.total, len(page.items), page.cursor)
        return page

    def _page_fetched(self, number: int | None, total: int | None, n: int, cursor: str | None) -> None:
        self._pages_fetched += 1
        self._items_fetched += n
        if total is not None:
            self.total = total
        if self._want_bar and self._bar is None:
            from ._progress import Progress

            self._bar = Progress(self._query, self.total)
        if self._bar is not None:
            self._bar.update(n, self.total)
        if self._on_page is not None:
            self._on_page(PageInfo(number, total, n, cursor, self._pages_fetched, self._items_fetched))

    def _finish_bar(self) -> None:
        self._want_bar = self._progress_default
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _restart_if_done(self) -> None:
        """A loop over a pager read to the end runs the query again (fresh data), rather than
        silently yielding nothing; a loop over one read partly goes on where it stopped."""
        if self._closed:
            raise RuntimeError(f"{self._query} was closed; call the list method again for a new pager")
        if not self._done:
            return
        if self._rerun is None:
            raise RuntimeError(f"{self._query} was read to the end; call the list method again")
        self._native = self._rerun()
        self._items, self._pos, self._peeked = [], 0, None
        self._started = self._done = False
        self._pages_fetched = self._items_fetched = 0

    def _start_progress(self, progress: bool | None) -> None:
        """A bar for this call (``progress=``), else the list call's ``progress=``; it appears with
        the first page, when the total may be known."""
        self._want_bar = progress if progress is not None else self._progress_default

    def _close_state(self) -> None:
        self._items, self._pos, self._peeked = [], 0, None
        self._closed = True
        self._finish_bar()
        self._native.close()


class SyncPager(_PagerBase, Generic[T]):
    """Items of a list across pages, fetched lazily (the next pages are prefetched, bounded).

    Iterate it for items, call :meth:`pages` for whole pages (both share one position), read
    :attr:`total` once the first page arrived, or :meth:`to_list` for everything in memory.
    :meth:`to_arrow`, :meth:`to_pandas` and :meth:`to_polars` give one column per field (built in
    Rust from the page bytes); :meth:`to_jsonl`, :meth:`to_csv` and :meth:`to_parquet` write a file
    page by page.

    Truth and loops: ``bool(pager)`` fetches the first page if needed and says whether an item is
    left to read (an empty list is falsy). A loop over a pager read partly goes on where it
    stopped; a loop (or ``to_list()``, ``to_pandas()``...) over a pager read to the end runs the
    query again, so a notebook cell can be run twice. A closed pager raises ``RuntimeError``.
    """

    def _next_page(self) -> Page[T] | None:
        if self._peeked is not None:
            page, self._peeked = self._peeked, None
            return page
        if self._done or self._closed:
            return None
        return self._seen(self._native.next_page())

    def __bool__(self) -> bool:
        if self._pos < len(self._items):
            return True
        if self._peeked is None and not self._closed:
            self._restart_if_done()
            while (page := self._next_page()) is not None and not page.items:
                pass
            self._peeked = page
        return self._peeked is not None and bool(self._peeked.items)

    def __iter__(self) -> SyncPager[T]:
        self._restart_if_done()
        return self

    def __next__(self) -> T:
        while self._pos >= len(self._items):
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._items, self._pos = page.items, 0
        item: T = self._items[self._pos]
        self._pos += 1
        return item

    def pages(self) -> Iterator[Page[T]]:
        """Whole pages, from the next one not yet read."""
        self._restart_if_done()
        self._items, self._pos = [], 0
        while (page := self._next_page()) is not None:
            yield page

    def to_list(self, *, progress: bool | None = None) -> list[T]:
        """Every remaining item, in memory. ``progress=True`` shows a bar."""
        self._restart_if_done()
        self._start_progress(progress)
        try:
            return list(self)
        finally:
            self._finish_bar()

    def to_arrow(self, *, progress: bool | None = None) -> Any:
        """The remaining items as a ``pyarrow.Table`` with the resource's documented schema (needs
        ``pip install "qualys-cs[arrow]"``). Built in Rust from the page bytes: timestamps as
        ``timestamp[ms, UTC]``, severity counts and host fields as columns, fields the schema does
        not name in the ``extra`` JSON column. A value that does not fit raises
        :class:`~qualys_cs.DecodeError` naming the field."""
        from ._data import arrow_table

        return arrow_table(self._arrow_batches(progress))

    def to_pandas(self, *, progress: bool | None = None, nested: Literal["arrow", "python"] = "arrow") -> Any:
        """:meth:`to_arrow` as a pandas DataFrame (``pip install "qualys-cs[pandas]"``). List and
        struct columns (``repo``, ``layers``, ``vulnerabilities``...) stay Arrow-backed
        (``pd.ArrowDtype``: ``explode``, ``.list`` and ``.struct`` work on them); ``nested="python"``
        makes them object columns of lists and dicts."""
        from ._data import pandas_frame

        return pandas_frame(self._arrow_batches(progress), nested)

    def to_polars(self, *, progress: bool | None = None) -> Any:
        """:meth:`to_arrow` as a polars DataFrame (``pip install "qualys-cs[polars]"``)."""
        from ._data import polars_frame

        return polars_frame(self._arrow_batches(progress))

    def to_jsonl(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """Write the remaining items to ``path``, one JSON object a line, as the API sent them;
        page by page (memory stays flat). Returns the number of records written."""
        return self._export("jsonl", path, progress)

    def to_csv(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """Write the remaining items to ``path`` as CSV with the columns of :meth:`to_arrow`
        (timestamps in ISO 8601, nested values as JSON); page by page. Returns the record count."""
        return self._export("csv", path, progress)

    def to_parquet(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """Write the remaining items to ``path`` as Parquet (Snappy) with the schema of
        :meth:`to_arrow`, page by page (pyarrow's writer on the batches built in Rust: needs
        ``pip install "qualys-cs[arrow]"``). Returns the record count."""
        return self._export("parquet", path, progress)

    def _arrow_batches(self, progress: bool | None) -> Any:
        from ._data import NativeArrowSink

        sink = NativeArrowSink(self._native.schema_name)
        self._drain(sink.push, progress)
        return sink.finish()

    def _export(self, kind: str, path: str | os.PathLike[str], progress: bool | None) -> int:
        from ._data import open_export

        out = open_export(kind, os.fspath(path), self._native.schema_name)
        try:
            self._drain(out.push, progress)
        except BaseException:
            out.abort()
            raise
        return out.finish()

    def _drain(self, push: Callable[[Any], Any], progress: bool | None) -> None:
        """Every remaining page straight into ``push`` (Rust), no dicts built on the way."""
        self._restart_if_done()
        if self._peeked is not None and not self._items and self._rerun is not None:
            # Only `bool(pager)` looked at the first page (as dicts): start over for the columns.
            self._native.close()
            self._native = self._rerun()
            self._peeked = None
            self._pages_fetched = self._items_fetched = 0
        if self._pos < len(self._items) or self._peeked is not None:
            raise RuntimeError("this pager was read partly as dicts; call the list method again for the columns")
        self._start_progress(progress)
        try:
            while True:
                raw = self._native.next_raw()
                self._started = True
                if raw is None:
                    self._done = True
                    break
                push(raw)
                self._page_fetched(raw.number, raw.total, raw.count, raw.cursor)
        finally:
            self._finish_bar()

    def close(self) -> None:
        """Stop early: abort the pages being prefetched; no further request is sent. Safe from
        another thread while a page is being fetched: that call then ends the iteration."""
        self._close_state()

    def __enter__(self) -> SyncPager[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPager(_PagerBase, Generic[T]):
    """The async twin of :class:`SyncPager`: ``async for``, ``pages()``, ``await to_list()``,
    ``await to_arrow()`` ... A loop over a pager read to the end runs the query again. It has no
    truth value (that would need a request): ``bool(pager)`` raises ``TypeError``."""

    async def _next_page(self) -> Page[T] | None:
        if self._done or self._closed:
            return None
        return self._seen(await self._native.next_page_async())

    def __bool__(self) -> bool:
        raise TypeError(
            "an AsyncPager has no truth value (it would have to fetch a page); "
            "use `await pager.to_list()` or `async for`"
        )

    def __aiter__(self) -> AsyncPager[T]:
        self._restart_if_done()
        return self

    async def __anext__(self) -> T:
        while self._pos >= len(self._items):
            page = await self._next_page()
            if page is None:
                raise StopAsyncIteration
            self._items, self._pos = page.items, 0
        item: T = self._items[self._pos]
        self._pos += 1
        return item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Whole pages, from the next one not yet read."""
        self._restart_if_done()
        self._items, self._pos = [], 0
        while (page := await self._next_page()) is not None:
            yield page

    async def to_list(self, *, progress: bool | None = None) -> list[T]:
        """Every remaining item, in memory."""
        self._restart_if_done()
        self._start_progress(progress)
        try:
            return [item async for item in self]
        finally:
            self._finish_bar()

    async def to_arrow(self, *, progress: bool | None = None) -> Any:
        """The async :meth:`SyncPager.to_arrow`."""
        from ._data import arrow_table

        return arrow_table(await self._arrow_batches(progress))

    async def to_pandas(self, *, progress: bool | None = None, nested: Literal["arrow", "python"] = "arrow") -> Any:
        """The async :meth:`SyncPager.to_pandas`."""
        from ._data import pandas_frame

        return pandas_frame(await self._arrow_batches(progress), nested)

    async def to_polars(self, *, progress: bool | None = None) -> Any:
        """The async :meth:`SyncPager.to_polars`."""
        from ._data import polars_frame

        return polars_frame(await self._arrow_batches(progress))

    async def to_jsonl(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """The async :meth:`SyncPager.to_jsonl`."""
        return await self._export("jsonl", path, progress)

    async def to_csv(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """The async :meth:`SyncPager.to_csv`."""
        return await self._export("csv", path, progress)

    async def to_parquet(self, path: str | os.PathLike[str], *, progress: bool | None = None) -> int:
        """The async :meth:`SyncPager.to_parquet`."""
        return await self._export("parquet", path, progress)

    async def _arrow_batches(self, progress: bool | None) -> Any:
        from ._data import NativeArrowSink

        sink = NativeArrowSink(self._native.schema_name)
        await self._drain(sink.push, progress)
        return sink.finish()

    async def _export(self, kind: str, path: str | os.PathLike[str], progress: bool | None) -> int:
        from ._data import open_export

        out = open_export(kind, os.fspath(path), self._native.schema_name)
        try:
            await self._drain(out.push, progress)
        except BaseException:
            out.abort()
            raise
        return out.finish()

    async def _drain(self, push: Callable[[Any], Any], progress: bool | None) -> None:
        self._restart_if_done()
        if self._pos < len(self._items):
            raise RuntimeError("this pager was read partly as dicts; call the list method again for the columns")
        self._start_progress(progress)
        try:
            while True:
                raw = await self._native.next_raw_async()
                self._started = True
                if raw is None:
                    self._done = True
                    break
                push(raw)
                self._page_fetched(raw.number, raw.total, raw.count, raw.cursor)
        finally:
            self._finish_bar()

    async def aclose(self) -> None:
        """Stop early: abort the pages being prefetched; no further request is sent. A page being
        awaited elsewhere then ends the iteration."""
        self._close_state()

    async def __aenter__(self) -> AsyncPager[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
