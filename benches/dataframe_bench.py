"""One measurement of `bulk_list` pages into a pandas DataFrame, in a fresh process (its peak RSS is
its own): `python3 benches/dataframe_bench.py MODE --base-url URL [--limit 250]`.

MODE:
  ours        ``client.images.bulk_list(limit=...).to_pandas()`` (columns built in Rust)
  normalize   the same pages fetched as bytes, ``json.loads`` each, ``pandas.json_normalize`` of all
  dicts       ``pd.DataFrame(list(client.images.bulk_list(...)))`` (our dicts, then pandas)

Prints one JSON object: wall seconds, rows, the final DataFrame's memory (deep), peak RSS and the
RSS before the measurement (the interpreter with pandas loaded).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import resource
import sys
import time
import urllib.request
from typing import Any


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pages_as_bytes(url: str, limit: int) -> Any:
    """The bulk list's pages as the server sends them, following the `link` header."""
    auth = "Basic " + base64.b64encode(b"qualys:qualys").decode()
    nxt: str | None = f"{url}/csapi/v1.3/images/list?limit={limit}"
    while nxt:
        req = urllib.request.Request(nxt, headers={"Authorization": auth, "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read()
            link = r.headers.get("link") or ""
        yield body
        m = re.search(r"<([^<>]*)[<>]", link)  # the API closes the URL with "<" at times
        nxt = None
        if m:
            target = m.group(1)
            # The cursor is sent to our own base URL, as the client does.
            nxt = url + target[target.index("/csapi/") :] if "/csapi/" in target else None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["ours", "normalize", "dicts"])
    p.add_argument("--base-url", required=True)
    p.add_argument("--limit", type=int, default=250)
    a = p.parse_args()

    import pandas as pd
    import pyarrow  # noqa: F401  (imported before the clock like pandas: a library load, not the work)

    import qualys_cs

    client = qualys_cs.Client(base_url=a.base_url, username="qualys", password="qualys", auth="basic")
    before = rss_mb()
    t0 = time.perf_counter()
    if a.mode == "ours":
        df = client.images.bulk_list(limit=a.limit).to_pandas()
    elif a.mode == "dicts":
        df = pd.DataFrame(list(client.images.bulk_list(limit=a.limit)))
    else:
        records: list[Any] = []
        for body in pages_as_bytes(a.base_url, a.limit):
            data = json.loads(body).get("data") or []
            records.extend(data if isinstance(data, list) else [data])
        df = pd.json_normalize(records)
        del records
    wall = time.perf_counter() - t0
    out = {
        "mode": a.mode,
        "wall_s": wall,
        "items": len(df),
        "columns": len(df.columns),
        "df_mb": float(df.memory_usage(deep=True).sum()) / 2**20,
        "rss_before_mb": before,
        "peak_rss_mb": peak_mb(),
    }
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
