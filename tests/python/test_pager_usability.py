"""Pagers as a notebook or REPL user meets them: repr, truth, a second loop, progress, help()."""

from __future__ import annotations

import asyncio
import pydoc
import sys

import pytest

from qualys_cs import AsyncClient, Client, PageInfo
from qualys_cs.testing import Simulator


def test_repr_names_the_query_and_the_progress(client: Client) -> None:
    pager = client.images.list(page_size=100)
    assert repr(pager) == "<SyncPager images.list(page_size=100): not started>"
    next(iter(pager))
    assert repr(pager) == "<SyncPager images.list(page_size=100): 1 page, 100 records fetched, total=250>"
    pager.to_list()
    assert "3 pages, 250 records fetched, done, total=250" in repr(pager)
    pager.close()
    assert repr(pager) == "<SyncPager images.list(page_size=100): closed, total=250>"


def test_repr_leaves_options_out(client: Client) -> None:
    # Headers may carry secrets: only the list's own arguments are shown.
    pager = client.images.list(filter="repo.tag:1.0", extra_headers={"x-secret": "hunter2"})
    assert "hunter2" not in repr(pager) and "filter='repo.tag:1.0'" in repr(pager)


def test_resource_repr_lists_its_methods(client: Client) -> None:
    r = repr(client.registries)
    assert r.startswith("<Registries of Client(base_url=") and " list, get," in r and "schedules.*" in r


def test_empty_list_is_falsy_and_truth_keeps_the_items(client: Client, sim: Simulator) -> None:
    assert not client.images.list(filter="sha:nope")
    pager = client.images.list(page_size=100)
    assert pager  # fetches the first page...
    assert len(sim.requests(endpoint="S17")) >= 1
    items = pager.to_list()  # ...which is not lost
    assert len(items) == 250 and len({i["sha"] for i in items}) == 250


def test_truth_after_the_end_runs_the_query_again(client: Client) -> None:
    pager = client.images.list(page_size=100)
    assert len(pager.to_list()) == 250
    assert pager  # read to the end: the truth of a new run, not a silent "empty"
    assert len(pager.to_list()) == 250


def test_second_loop_runs_the_query_again(client: Client, sim: Simulator) -> None:
    pager = client.images.list(page_size=100, prefetch=1)
    first = [i["sha"] for i in pager]
    n = len(sim.requests(endpoint="S17"))
    second = [i["sha"] for i in pager]
    assert first == second and len(first) == 250
    assert len(sim.requests(endpoint="S17")) == 2 * n
    # pages() too
    assert sum(len(p) for p in pager.pages()) == 250


def test_partial_loop_goes_on_where_it_stopped(client: Client) -> None:
    pager = client.images.list(page_size=100)
    head = []
    for i, item in enumerate(pager):
        head.append(item["sha"])
        if i == 149:
            break
    rest = [i["sha"] for i in pager]
    assert len(head) == 150 and len(rest) == 100 and not set(head) & set(rest)


def test_closed_pager_raises_instead_of_yielding_nothing(client: Client) -> None:
    pager = client.images.list(page_size=10)
    next(iter(pager))
    pager.close()
    with pytest.raises(RuntimeError, match="closed"):
        list(pager)


def test_on_page_is_called_for_every_page(client: Client) -> None:
    seen: list[PageInfo] = []
    items = client.images.list(page_size=100, on_page=seen.append).to_list()
    assert len(items) == 250
    assert [(p.number, p.count, p.records, p.pages, p.total) for p in seen] == [
        (1, 100, 100, 1, 250),
        (2, 100, 200, 2, 250),
        (3, 50, 250, 3, 250),
    ]


def test_on_page_on_a_cursor_list(client: Client) -> None:
    seen: list[PageInfo] = []
    n = len(client.images.bulk_list(limit=100, on_page=seen.append).to_list())
    assert n == 250 and sum(p.count for p in seen) == 250 and seen[-1].records == 250
    assert seen[0].cursor is None and all(p.total is None for p in seen)


def test_progress_without_tqdm_writes_one_line(
    client: Client, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.std", None)  # as if tqdm were not installed
    client.images.list(page_size=100).to_list(progress=True)
    err = capsys.readouterr().err
    assert "images.list(page_size=100): 250/250 records" in err


def test_progress_with_tqdm(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    client.images.list(page_size=100, progress=True).to_list()
    err = capsys.readouterr().err
    assert "250/250" in err and "images.list" in err


async def test_async_pager_truth_raises_and_reruns(aclient: AsyncClient) -> None:
    pager = aclient.images.list(page_size=100)
    with pytest.raises(TypeError, match="no truth value"):
        bool(pager)
    first = [i["sha"] async for i in pager]
    second = await asyncio.wait_for(pager.to_list(), 30)
    assert len(first) == 250 and [i["sha"] for i in second] == first
    assert "3 pages, 250 records fetched, done" in repr(pager)


def test_help_reads_as_user_documentation(client: Client) -> None:
    text = pydoc.plain(pydoc.render_doc(client.images.list))
    for part in (
        "List images, every page",
        "Parameters:",
        "page_size: records per request (``pageSize``, 1..1000",
        "at most 10,000 records; use ``images.bulk_list`` beyond",
        "Example::",
        "to_pandas",
    ):
        assert part in text, part
    assert "S002" not in text and "open question" not in text
    bulk = pydoc.plain(pydoc.render_doc(client.images.bulk_list))
    assert "By cursor (``paginationQuery``" in bulk and "limit: records per request (``limit``, 1..250" in bulk
