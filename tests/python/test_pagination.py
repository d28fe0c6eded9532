"""Auto-pagination across page boundaries: page-numbered and cursor, sync and async."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import qualys_cs
from qualys_cs import AsyncClient, Client
from qualys_cs.testing import Simulator


def test_page_numbered_across_boundaries(client: Client, sim: Simulator) -> None:
    pager = client.images.list(page_size=100, sort="created:desc")
    assert pager.total is None  # nothing sent yet
    assert sim.requests(endpoint="S17") == []
    pages = list(pager.pages())
    assert [len(p) for p in pages] == [100, 100, 50]
    assert [p.number for p in pages] == [1, 2, 3]
    assert pager.total == 250 and all(p.total == 250 for p in pages)
    shas = [i["sha"] for p in pages for i in p.items]
    assert len(set(shas)) == 250
    log = sim.requests(endpoint="S17")
    assert sorted(dict(r["query_pairs"])["pageNumber"] for r in log) == ["1", "2", "3"]
    for r in log:
        q = dict(r["query_pairs"])
        assert q["pageSize"] == "100" and q["sort"] == "created:desc"


def test_items_and_to_list(client: Client) -> None:
    items = client.images.list(page_size=64).to_list()
    assert len(items) == 250
    first = next(iter(client.images.list(page_size=64)))
    assert first == items[0]


def test_page_to_dict_is_the_api_page(client: Client) -> None:
    page = next(iter(client.registries.list().pages()))
    d = page.to_dict()
    assert d["data"] == page.items and d["count"] == page.total
    assert page.status == 200 and "content-type" in page.headers


def test_cursor_pagination(client: Client, sim: Simulator) -> None:
    pager = client.images.bulk_list(limit=60)
    pages = list(pager.pages())
    assert sum(len(p) for p in pages) == 250
    assert pages[0].cursor is None and all(p.cursor for p in pages[1:] if p.items)
    log = sim.requests(endpoint="P05")
    assert len(log) >= 5
    assert "paginationQuery" not in dict(log[0]["query_pairs"])
    assert all("paginationQuery" in dict(r["query_pairs"]) for r in log[1:])
    assert all(dict(r["query_pairs"])["limit"] == "60" for r in log)


def test_early_break_stops_fetching(client: Client, sim: Simulator) -> None:
    pager = client.images.list(page_size=10, prefetch=2)
    for i, _ in enumerate(pager):
        if i == 3:
            break
    pager.close()
    assert len(sim.requests(endpoint="S17")) < 25


async def test_async_iteration(aclient: AsyncClient) -> None:
    pager = aclient.containers.list(page_size=50)
    items = [c async for c in pager]
    assert len(items) == 120 and pager.total == 120
    pages = [p async for p in aclient.containers.bulk_list(limit=50).pages()]
    assert sum(len(p) for p in pages) == 120
    assert len(await aclient.images.list(page_size=100).to_list()) == 250


def test_record_cap() -> None:
    with Simulator(images=10_050) as big:
        pager = big.client().images.list(page_size=1000)
        with pytest.raises(qualys_cs.RecordCapError) as info:
            for _ in pager:
                pass
        assert info.value.cap == 10_000 and info.value.total == 10_050
        assert "bulk_list" in str(info.value.alternative)


def test_data_as_one_object_is_one_item(client: Client, sim: Simulator) -> None:
    # The bulk lists may answer one object where the list belongs (P-qualysdk copes with it).
    one = '{"limit": 50, "data": {"sha": "x", "data": [1, "]"]}}'
    sim.inject_fault(status=200, body=one, path_contains="/csapi/v1.3/images/list")
    pages = list(client.images.bulk_list(limit=50).pages())
    assert [p.items for p in pages] == [[{"sha": "x", "data": [1, "]"]}]]
    assert pages[0].to_dict() == {"data": [{"sha": "x", "data": [1, "]"]}], "limit": 50}
    # The same rule on a page-numbered list.
    sim.inject_fault(status=200, body='{"data": {"sha": "y"}, "count": 1}', path_contains="/csapi/v1.3/images")
    assert client.images.list(page_size=50).to_list() == [{"sha": "y"}]


def test_native_pages_are_named(client: Client) -> None:
    pages = client._native.paginate("S21", {}, None, None)
    page = pages.next_page()
    pages.close()
    assert isinstance(page, qualys_cs._native.NativePage)
    assert page.number == 1 and page.cursor is None and page.total == len(page.items) > 0
    assert page.meta["status"] == 200 and page.meta["path"] == "/csapi/v1.3/sensors"
    assert "count" in page.extra and "data" not in page.extra
    assert pages.next_page() is None  # closed


def test_close_during_a_page_stops_prefetching() -> None:
    # A cursor list fetches ahead on a task of its own; close() while a page is in flight (from
    # another thread) ends the iteration and stops that task: no further request goes out.
    with Simulator(images=250, latency=0.2) as slow:
        pager = slow.client(max_retries=0).images.bulk_list(limit=10, prefetch=8)
        got: list[Any] = []
        reader = threading.Thread(target=lambda: got.extend(pager.pages()))
        reader.start()
        time.sleep(0.1)  # the first request is waiting on the server
        pager.close()
        reader.join(timeout=5)
        assert not reader.is_alive() and got == []
        time.sleep(1.0)  # five latencies: a producer still running would have sent ~5 more
        assert len(slow.requests(endpoint="P05")) <= 1


async def test_aclose_during_a_page_stops_prefetching() -> None:
    with Simulator(images=250, latency=0.2) as slow:
        pager = slow.async_client(max_retries=0).images.list(page_size=10, prefetch=4)
        task = asyncio.ensure_future(pager.to_list())
        await asyncio.sleep(0.1)
        await pager.aclose()
        assert await asyncio.wait_for(task, 5) == []
        await asyncio.sleep(1.0)
        assert len(slow.requests(endpoint="S17")) <= 1
