"""The fault matrix for the Python client, sync and async: every fault of tests/faults/matrix.json x
every shape, against the fault server (tests/faults, spawned as a process). The Rust and Node suites
run the same table."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import pathlib
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from qualys_cs import AsyncClient, Client
from qualys_cs.errors import QualysError

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE: dict[str, Any] = json.loads((ROOT / "tests" / "faults" / "matrix.json").read_text())
# The fault server's data set (tests/faults/src/lib.rs: ITEMS, PAGE_SIZE, FAULT_PAGE).
ITEMS, PAGE_SIZE, FAULT_PAGE = 23, 5, 3
FANOUT: int = TABLE["fanout"]
#: No cell may take longer, whatever the fault (the slowest needs about two 1 s timeouts).
CELL_BOUND = 60.0

CELLS = [
    pytest.param(fault, shape, id=f"{fault['fault']}-{shape}")
    for fault in TABLE["faults"]
    for shape in TABLE["shapes"]
    if shape not in fault.get("skip", {})
]


def sha(i: int) -> str:
    return f"sha-{i:02d}"


class FaultServer:
    def __init__(self, port: int) -> None:
        self.port = port

    def base_url(self, key: str, scenario: str) -> str:
        return f"http://127.0.0.1:{self.port}/f/{key}/{scenario}"

    def stats(self, key: str) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats/{key}", timeout=10) as r:
            stats: dict[str, int] = json.load(r)
            return stats


def server_binary() -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "debug" / "qualys-cs-faults"
    # Cheap when fresh; builds it on a checkout where only the extension was built.
    subprocess.run(["cargo", "build", "-q", "-p", "qualys-cs-faults"], cwd=ROOT, check=True, timeout=600)
    return binary


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    proc = subprocess.Popen([server_binary()], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    port = int(proc.stdout.readline())
    try:
        yield FaultServer(port)
    finally:
        proc.stdin.close()  # the server exits when its stdin closes
        proc.wait(timeout=10)


def expectation(fault: dict[str, Any], shape: str) -> dict[str, Any]:
    return {**fault["expect"], **fault.get("shapes", {}).get(shape, {})}


def client_kwargs(server: FaultServer, key: str, fault: dict[str, Any]) -> dict[str, Any]:
    conf = {**TABLE["client"], **fault.get("client", {})}
    base, cap = conf["backoff_ms"]
    extra: dict[str, Any] = {}
    if "max_retry_wait_ms" in conf:
        extra["max_retry_wait"] = conf["max_retry_wait_ms"] / 1000
    if "max_response_bytes" in conf:
        extra["max_response_bytes"] = conf["max_response_bytes"]
    return {
        **extra,
        "base_url": server.base_url(key, fault["fault"]),
        "username": "faults",
        "password": "faults",
        "max_retries": conf["max_retries"],
        "timeout": conf["timeout_ms"] / 1000,
        "backoff": (base / 1000, cap / 1000),
    }


class Outcome:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.error: str | None = None
        #: Each fan-out call's sha, or its error code as ("error", code).
        self.each: list[Any] = []


def code(e: BaseException) -> str:
    return e.code if isinstance(e, QualysError) else f"<not a QualysError: {e!r}>"


def run_sync(c: Client, shape: str) -> Outcome:
    out = Outcome()
    try:
        if shape == "single":
            out.items.append(c.images.get(sha(7))["sha"])
        elif shape == "fanout":
            with concurrent.futures.ThreadPoolExecutor(FANOUT) as pool:
                futures = [pool.submit(c.images.get, sha(i)) for i in range(FANOUT)]
                for f in futures:
                    e = f.exception()
                    out.each.append(("error", code(e)) if e else f.result()["sha"])
        else:
            pager = c.images.list(page_size=PAGE_SIZE) if shape == "list" else c.images.bulk_list(limit=PAGE_SIZE)
            for item in pager:
                out.items.append(item["sha"])
    except QualysError as e:
        out.error = e.code
    return out


async def run_async(c: AsyncClient, shape: str) -> Outcome:
    out = Outcome()
    try:
        if shape == "single":
            out.items.append((await c.images.get(sha(7)))["sha"])
        elif shape == "fanout":
            results = await asyncio.gather(*(c.images.get(sha(i)) for i in range(FANOUT)), return_exceptions=True)
            for r in results:
                out.each.append(("error", code(r)) if isinstance(r, BaseException) else r["sha"])
        else:
            pager = c.images.list(page_size=PAGE_SIZE) if shape == "list" else c.images.bulk_list(limit=PAGE_SIZE)
            async for item in pager:
                out.items.append(item["sha"])
    except QualysError as e:
        out.error = e.code
    return out


def check(shape: str, expect: dict[str, Any], out: Outcome, stats: dict[str, int]) -> None:
    want_error = expect.get("error")
    # An exact count, or a lower bound (a storm waited out until a time budget is spent).
    at_least = "attempts_at_least" in expect
    attempts: int = expect["attempts_at_least"] if at_least else expect["attempts"]

    def tries(n: int) -> bool:
        return n >= attempts if at_least else n == attempts

    if shape == "single":
        assert out.error == want_error
        if want_error is None:
            assert out.items == [sha(7)]
        assert tries(stats.get(f"get:{sha(7)}", 0)), stats
    elif shape in ("list", "cursor"):
        assert out.error == want_error
        # None lost, none repeated: everything, or exactly the pages before the fault.
        leading = expect.get("items", ITEMS if want_error is None else (FAULT_PAGE - 1) * PAGE_SIZE)
        want = [sha(i) for i in range(leading)]
        assert out.items == want
        prefix = "page" if shape == "list" else "cursor"
        for p in range(1, -(-ITEMS // PAGE_SIZE) + 1):
            n = stats.get(f"{prefix}:{p}", 0)
            if p == FAULT_PAGE:
                assert tries(n), stats
            elif p < FAULT_PAGE or want_error is None:
                assert n == 1, stats
            else:
                # Prefetch may or may not have reached a later page when the list failed.
                assert n <= 1, stats
    else:
        want_each = [("error", want_error) if want_error else sha(i) for i in range(FANOUT)]
        assert out.each == want_each
        # The requests of the whole fan-out, where calls behind the first may fail unsent.
        total = expect.get("fanout_requests")
        for i in range(FANOUT):
            n = stats.get(f"get:{sha(i)}", 0)
            assert n <= attempts if total is not None else tries(n), stats
        if total is not None:
            assert sum(stats.get(f"get:{sha(i)}", 0) for i in range(FANOUT)) == total, stats
    if shape != "fanout" and "auth" in expect:
        assert stats.get("auth", 0) == expect["auth"], stats


@pytest.mark.parametrize(("fault", "shape"), CELLS)
def test_sync(server: FaultServer, fault: dict[str, Any], shape: str) -> None:
    key = f"py-sync-{fault['fault']}-{shape}"
    c = Client(**client_kwargs(server, key, fault))
    # A thread, so that a hang fails the cell instead of stalling the suite.
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        out = pool.submit(run_sync, c, shape).result(timeout=CELL_BOUND)
    except concurrent.futures.TimeoutError:
        pytest.fail(f"no outcome within {CELL_BOUND} s")
    finally:
        pool.shutdown(wait=False)
    check(shape, expectation(fault, shape), out, server.stats(key))


@pytest.mark.parametrize(("fault", "shape"), CELLS)
async def test_async(server: FaultServer, fault: dict[str, Any], shape: str) -> None:
    key = f"py-async-{fault['fault']}-{shape}"
    async with AsyncClient(**client_kwargs(server, key, fault)) as c:
        out = await asyncio.wait_for(run_async(c, shape), CELL_BOUND)
    check(shape, expectation(fault, shape), out, server.stats(key))


def outcome(expect: dict[str, Any]) -> str:
    """A row's outcome as tests/README.md words it."""
    n: int = expect["attempts_at_least"] if "attempts_at_least" in expect else expect["attempts"]
    tries = f"{'at least ' if 'attempts_at_least' in expect else ''}{n} attempt{'s' if n != 1 else ''}"
    if "error" in expect:
        text = f"`{expect['error']}` after {tries}"
        if "items" in expect:
            text += f", after the first {expect['items']} items"
    else:
        text = f"the answer, after {tries}" if n > 1 else "the answer"
    if "fanout_requests" in expect:
        text += f", {expect['fanout_requests']} request in all (the calls behind it fail at once, unsent)"
    if expect.get("auth", 1) != 1:
        text += f" ({expect['auth']} POST /auth)"
    return text


def readme_rows() -> list[str]:
    rows = []
    for f in TABLE["faults"]:
        shapes = [s for s in TABLE["shapes"] if s not in f.get("skip", {})]
        per = {s: outcome(expectation(f, s)) for s in shapes}
        if not shapes:
            text = "not run: " + next(iter(f["skip"].values()))
        elif len(set(per.values())) == 1:
            text = next(iter(per.values()))
        else:
            text = "; ".join(f"{s}: {o}" for s, o in per.items())
        opts = ", ".join(f"`{k}` {v}" for k, v in f.get("client", {}).items())
        rows.append(f"| `{f['fault']}` | {f['what']} | {', '.join(shapes)} | {opts} | {text} |")
    return rows


def test_the_readme_table_is_the_matrix() -> None:
    """tests/README.md shows matrix.json as it is (regenerate: the rows this test prints)."""
    readme = (ROOT / "tests" / "README.md").read_text()
    start = readme.index("<!-- fault-matrix -->\n") + len("<!-- fault-matrix -->\n")
    end = readme.index("<!-- /fault-matrix -->")
    header = "| Fault | Server behaviour | Shapes | Client options | Outcome |\n|---|---|---|---|---|\n"
    want = header + "\n".join(readme_rows()) + "\n"
    assert readme[start:end] == want, "tests/README.md's fault table is stale; the rows:\n" + want
