"""Auto-pagination across page boundaries: page-numbered and cursor, sync and async."""

from __future__ import annotations

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
    assert sorted(r["query_pairs"][0] for r in log) == [["pageNumber", str(n)] for n in (1, 2, 3)] or len(log) == 3
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
