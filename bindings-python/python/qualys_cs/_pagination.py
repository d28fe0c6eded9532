"""Lazy, auto-paginating iterators over the native page stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, TypeVar

from ._native import NativePage, NativePages

T = TypeVar("T")

__all__ = ["Page", "SyncPager", "AsyncPager"]


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


class SyncPager(Generic[T]):
    """Items of a list across pages, fetched lazily (the next pages are prefetched, bounded).

    Iterate it for items, call :meth:`pages` for whole pages (both share one position), read
    :attr:`total` once the first page arrived, or :meth:`to_list` for everything in memory.
    """

    def __init__(self, native: NativePages) -> None:
        self._native = native
        self._items: Iterator[T] = iter(())
        self.total: int | None = None

    @property
    def page_size(self) -> int:
        return self._native.page_size

    def _next_page(self) -> Page[T] | None:
        native = self._native.next_page()
        if native is None:
            return None
        page: Page[T] = Page._from_native(native)
        if page.total is not None:
            self.total = page.total
        return page

    def __iter__(self) -> SyncPager[T]:
        return self

    def __next__(self) -> T:
        while True:
            for item in self._items:
                return item
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._items = iter(page.items)

    def pages(self) -> Iterator[Page[T]]:
        """Whole pages, from the next one not yet read."""
        while (page := self._next_page()) is not None:
            yield page

    def to_list(self) -> list[T]:
        """Every remaining item, in memory."""
        return list(self)

    def close(self) -> None:
        """Stop early: abort the pages being prefetched; no further request is sent. Safe from
        another thread while a page is being fetched: that call then ends the iteration."""
        self._items = iter(())
        self._native.close()

    def __enter__(self) -> SyncPager[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPager(Generic[T]):
    """The async twin of :class:`SyncPager`: ``async for``, ``pages()``, ``await to_list()``."""

    def __init__(self, native: NativePages) -> None:
        self._native = native
        self._items: Iterator[T] = iter(())
        self.total: int | None = None

    @property
    def page_size(self) -> int:
        return self._native.page_size

    async def _next_page(self) -> Page[T] | None:
        native = await self._native.next_page_async()
        if native is None:
            return None
        page: Page[T] = Page._from_native(native)
        if page.total is not None:
            self.total = page.total
        return page

    def __aiter__(self) -> AsyncPager[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                return item
            page = await self._next_page()
            if page is None:
                raise StopAsyncIteration
            self._items = iter(page.items)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Whole pages, from the next one not yet read."""
        while (page := await self._next_page()) is not None:
            yield page

    async def to_list(self) -> list[T]:
        """Every remaining item, in memory."""
        return [item async for item in self]

    async def aclose(self) -> None:
        """Stop early: abort the pages being prefetched; no further request is sent. A page being
        awaited elsewhere then ends the iteration."""
        self._items = iter(())
        self._native.close()

    async def __aenter__(self) -> AsyncPager[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
