#!/usr/bin/env python3
"""Decode + convert one page of API JSON into Python objects: `decode_bench.py FILE...`.

Same bytes for every decoder: `json.loads`, `orjson.loads`, and qualys_cs's native converter when
the binding exposes one (first found of NATIVE_CANDIDATES). Median time per page over several rounds.
"""

import json
import sys
import time

NATIVE_CANDIDATES = [
    ("qualys_cs._native", "loads"),
    ("qualys_cs._native", "json_loads"),
    ("qualys_cs._native", "decode"),
    ("qualys_cs", "loads"),
    ("qualys_cs._bench", "loads"),
]


def native_loads():
    import importlib

    for mod, name in NATIVE_CANDIDATES:
        try:
            f = getattr(importlib.import_module(mod), name, None)
        except ImportError:
            continue
        if callable(f):
            return f"{mod}.{name}", f
    return None, None


def bench_all(fns, data, budget_s=0.6, rounds=15):
    """Interleaved rounds (a, b, c, a, b, c, ...) so the machine's noise hits every decoder alike."""
    ks = []
    for f in fns:
        f(data)  # warm
        t0 = time.perf_counter()
        f(data)
        one = max(time.perf_counter() - t0, 1e-6)
        ks.append(max(1, int(budget_s / len(fns) / rounds / one)))
    per = [[] for _ in fns]
    for _ in range(rounds):
        for j, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(ks[j]):
                f(data)
            per[j].append((time.perf_counter() - t0) / ks[j])
    return [sorted(p)[len(p) // 2] for p in per]


def main():
    decoders = [("json.loads", json.loads)]
    try:
        import orjson

        decoders.append(("orjson.loads", orjson.loads))
    except ImportError:
        pass
    name, f = native_loads()
    if f:
        decoders.append((f"qualys_cs ({name})", f))
    out = {"native": name, "pages": []}
    for path in sys.argv[1:]:
        data = open(path, "rb").read()
        items = len(json.loads(data)["data"])
        row = {"file": path, "bytes": len(data), "items": items, "us": {}}
        for dname, fn in decoders:
            assert len(fn(data)["data"]) == items, dname
        for (dname, _), t in zip(decoders, bench_all([fn for _, fn in decoders], data), strict=True):
            row["us"][dname] = t * 1e6
        out["pages"].append(row)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
