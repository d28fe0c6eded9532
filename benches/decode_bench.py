#!/usr/bin/env python3
"""Decode + convert one page of API JSON into Python objects: `json.loads`, `orjson.loads` and
qualys_cs's native converter (`qualys_cs._native.loads`, the one every response and list item goes
through) on the same bytes, in interleaved rounds; the median per page and the ratio to orjson.

    decode_bench.py                 pages of every kind from the embedded simulator, as a table
    decode_bench.py --json          the same, as JSON
    decode_bench.py FILE...         those files, as JSON (benches/run.py; a file's name is its label,
                                    `images-50.json` -> "images 50")
    decode_bench.py --rounds N      rounds per page (default 15; the median needs at least 7)

Each round is timed on two clocks at once: wall time and the process' CPU time. The decoders are
single-threaded and CPU-bound, so on a quiet machine the two agree; on a shared one, CPU time leaves
out the time the process waited for a core (which moved wall-clock ratios by ±30% between runs on
a loaded 2-core machine), so the ratios and benches/run.py's verdicts use CPU time.

orjson is a benchmark-only dependency (benches/requirements.txt); without it the ratio is left out.
"""

from __future__ import annotations

import argparse
import base64
import json
import pathlib
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

NATIVE_CANDIDATES = [
    ("qualys_cs._native", "loads"),
    ("qualys_cs._native", "json_loads"),
    ("qualys_cs._native", "decode"),
    ("qualys_cs", "loads"),
    ("qualys_cs._bench", "loads"),
]

# The simulator's real pages: page-numbered lists at 50 and 1,000 items, and the bulk (cursor)
# lists, whose items carry their vulnerabilities nested, at their 250 maximum.
SIM_PAGES = [
    ("images 50", "/csapi/v1.3/images?pageNumber=1&pageSize=50"),
    ("images 1000", "/csapi/v1.3/images?pageNumber=1&pageSize=1000"),
    ("containers 50", "/csapi/v1.3/containers?pageNumber=1&pageSize=50"),
    ("containers 1000", "/csapi/v1.3/containers?pageNumber=1&pageSize=1000"),
    ("bulk images 50", "/csapi/v1.3/images/list?limit=50"),
    ("bulk images 250", "/csapi/v1.3/images/list?limit=250"),
    ("bulk containers 250", "/csapi/v1.3/containers/list?limit=250"),
]


def native_loads() -> tuple[str | None, Callable[[bytes], Any] | None]:
    import importlib

    for mod, name in NATIVE_CANDIDATES:
        try:
            f = getattr(importlib.import_module(mod), name, None)
        except ImportError:
            continue
        if callable(f):
            return f"{mod}.{name}", f
    return None, None


def bench_all(
    fns: list[Callable[[bytes], Any]], data: bytes, budget_s: float = 0.6, rounds: int = 15
) -> list[tuple[float, float]]:
    """Interleaved rounds (a, b, c, a, b, c, ...) so the machine's noise hits every decoder alike.
    The median seconds per call of each decoder, as (wall, CPU)."""
    ks = []
    for f in fns:
        f(data)  # warm
        t0 = time.perf_counter()
        f(data)
        one = max(time.perf_counter() - t0, 1e-6)
        ks.append(max(1, int(budget_s / len(fns) / rounds / one)))
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for j, f in enumerate(fns):
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(ks[j]):
                f(data)
            t1, c1 = time.perf_counter(), time.process_time()
            wall[j].append((t1 - t0) / ks[j])
            cpu[j].append((c1 - c0) / ks[j])
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu, strict=True)]


def decoders() -> tuple[str | None, list[tuple[str, Callable[[bytes], Any]]]]:
    found: list[tuple[str, Callable[[bytes], Any]]] = [("json.loads", json.loads)]
    try:
        import orjson

        found.append(("orjson.loads", orjson.loads))
    except ImportError:
        pass
    name, f = native_loads()
    if f:
        found.append((f"qualys_cs ({name})", f))
    return name, found


def simulator_pages() -> list[tuple[str, bytes]]:
    from qualys_cs.testing import Simulator

    pages = []
    with Simulator(images=2000, containers=2000) as sim:
        auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
        for label, path in SIM_PAGES:
            req = urllib.request.Request(
                sim.url + path, headers={"Authorization": "Basic " + auth, "Accept": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                pages.append((label, r.read()))
    return pages


def run(pages: list[tuple[str, bytes]], rounds: int) -> dict[str, Any]:
    name, decs = decoders()
    out: dict[str, Any] = {"native": name, "rounds": rounds, "clock": "cpu", "pages": []}
    for label, data in pages:
        expected = json.loads(data)
        items = len(expected["data"])
        row: dict[str, Any] = {"page": label, "bytes": len(data), "items": items, "us": {}, "wall_us": {}}
        for dname, fn in decs:
            assert len(fn(data)["data"]) == items, dname
        if name:
            # Timed only once it is known to give what json.loads gives.
            assert decs[-1][1](data) == expected, f"{name} differs from json.loads on {label}"
        times = bench_all([fn for _, fn in decs], data, rounds=rounds)
        for (dname, _), (wall, cpu) in zip(decs, times, strict=True):
            row["us"][dname] = cpu * 1e6
            row["wall_us"][dname] = wall * 1e6
        out["pages"].append(row)
    return out


def fmt(v: float | None) -> str:
    return f"{v:10.0f}" if v is not None else f"{'-':>10}"


def ratio(v: float | None, base: float | None) -> str:
    return f"{v / base:12.2f}x" if v is not None and base else f"{'-':>13}"


def table(out: dict[str, Any]) -> str:
    lines = [f"median of {out['rounds']} interleaved rounds, CPU µs per page (ratio = time / orjson's)"]
    ours = next((k for k in (out["pages"][0]["us"] if out["pages"] else {}) if k.startswith("qualys_cs")), None)
    lines.append(
        f"{'page':<22}{'bytes':>10}{'orjson':>10}{'ours':>10}{'json':>10}{'ours/orjson':>13}{'json/orjson':>13}"
    )
    for p in out["pages"]:
        us = p["us"]
        o = us.get("orjson.loads")
        n = us.get(ours) if ours else None
        j = us["json.loads"]

        lines.append(f"{p['page']:<22}{p['bytes']:>10}{fmt(o)}{fmt(n)}{fmt(j)}{ratio(n, o)}{ratio(j, o)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--json", action="store_true", help="print JSON (always, with FILEs)")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    if args.rounds < 7:
        sys.exit("--rounds: at least 7 (a median of fewer is noise on a shared machine)")
    if args.files:
        pages = []
        for path in args.files:
            with open(path, "rb") as f:
                pages.append((pathlib.Path(path).stem.replace("-", " "), f.read()))
        print(json.dumps(run(pages, args.rounds)))
        return
    out = run(simulator_pages(), args.rounds)
    print(json.dumps(out) if args.json else table(out))


if __name__ == "__main__":
    main()
