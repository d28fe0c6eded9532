#!/usr/bin/env python3
"""One Python measurement per process: `py_clients.py CLIENT SCENARIO --base-url URL ...`.

Prints one JSON object: wall_s, items, calls, failures and scenario extras. Timing starts after the
imports and covers client creation (and its auth flow) through the last item.

Clients
  ours-sync       qualys_cs.Client            (fan-out: a thread pool of --concurrency threads)
  ours-async      qualys_cs.AsyncClient       (fan-out: asyncio.gather, bounded by the client)
  requests-seq    a sequential `requests.Session` loop (the usual hand-written script)
  httpx-async     an `httpx.AsyncClient` asyncio loop at --concurrency requests in flight
  qualysdk-style  qualysdk's strategy, reproduced (qualysdk's CS functions need Python >= 3.12):
                  JWT from POST /auth (form username/password/token/permissions, 201, text body),
                  `requests.request` per call (no Session, so a new connection each call), sequential,
                  cursor loop following the `link` header via parse_qs, its X-RateLimit handling
                  (< 10 remaining: warn; 0 or 429: call again, sleep X-RateLimit-ToWait-Sec + 3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

IMAGES = "/csapi/v1.3/images"
BULK = "/csapi/v1.3/images/list"
CONTAINERS = "/csapi/v1.3/containers"
BULK_CONTAINERS = "/csapi/v1.3/containers/list"
# Scenarios that walk a bulk (cursor) list: every image, or every container (`containers-cursor`,
# the listing that is sequential by nature: each page's cursor comes with the page before it).
CURSOR = ("cursor", "containers-cursor", "scale", "mem")


def bulk_path(sc):
    return BULK_CONTAINERS if sc == "containers-cursor" else BULK


def resource(c, sc):
    """The images or containers resource of one of our clients, by scenario."""
    return c.containers if sc.startswith("containers") else c.images


def rss_kb(field="VmRSS"):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def next_query(link: str | None):
    """paginationQuery from a `link` header, or None on the last page (absent or `null`)."""
    if not link or link.strip().lower() == "null":
        return None
    url = link.split(";")[0].strip().strip("<>")
    q = parse_qs(urlsplit(url).query)
    return q.get("paginationQuery", [None])[0]


def retry_wait(headers, default=1.0):
    for h in ("Retry-After", "X-RateLimit-ToWait-Sec"):
        v = headers.get(h)
        if v:
            try:
                return float(v)
            except ValueError:
                pass
    return default


def fetch_shas(a, n):
    """The SHAs for the fan-out, fetched before timing starts."""
    import requests

    s = requests.Session()
    s.auth = (a.user, a.password)
    shas, page = [], 1
    while len(shas) < n:
        r = s.get(a.base_url + IMAGES, params={"pageNumber": page, "pageSize": 1000})
        r.raise_for_status()
        data = r.json()["data"]
        shas += [d["sha"] for d in data]
        if len(data) < 1000:
            break
        page += 1
    return shas[:n]


# ----------------------------------------------------------------------------------------------------
# qualys_cs


def ours_client(a, cls_name="Client"):
    import qualys_cs

    cls = getattr(qualys_cs, cls_name)
    kw = dict(base_url=a.base_url, username=a.user, password=a.password)
    if a.ours_kwargs:
        kw.update(json.loads(a.ours_kwargs))
    return cls(**kw)


def ours_sync(a, sc, st):
    c = ours_client(a)
    if sc == "pn":
        return count(c.images.list(page_size=a.page_size))
    if sc == "containers-pn":
        return count(c.containers.list(page_size=a.page_size))
    if sc in CURSOR:
        return count(resource(c, sc).bulk_list(limit=a.limit), st)
    if sc in ("fanout", "ratelimit"):

        def one(sha):
            try:
                c.images.vulnerabilities(sha)
                st["done_t"].append(time.perf_counter())
                return 0
            except Exception as e:  # any failure counts
                st.setdefault("errors", []).append(repr(e)[:200])
                return 1

        with ThreadPoolExecutor(a.concurrency) as ex:
            st["failures"] = sum(ex.map(one, st["shas"]))
        st["calls"] = len(st["shas"])
        return len(st["shas"]) - st["failures"]
    if sc == "gil":
        return gil(lambda sha: c.images.vulnerabilities(sha), st)
    if sc == "page":
        q = {"pageNumber": 1, "pageSize": a.page_size}
        return page_loop(a, st, {"qualys_cs request()": lambda: len(c.request("GET", IMAGES, query=q)["data"])})
    raise SystemExit(f"no scenario {sc}")


def page_loop(a, st, variants):
    """Fetch + decode the same page --n times per variant (interleaved); median microseconds each."""
    import statistics

    times = {k: [] for k in variants}
    for f in variants.values():
        f()  # warm: connection, auth
    n = 0
    for _ in range(a.n):
        for k, f in variants.items():
            t0 = time.perf_counter()
            n = f()
            times[k].append(time.perf_counter() - t0)
    st["page_us"] = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    return n


def count(it, st=None):
    n = 0
    if st is not None and "rss0" in st:
        for _ in it:
            n += 1
            if n == 1000:  # first page in: baseline includes the client's steady-state buffers
                st["rss_after_first_page_kb"] = rss_kb()
        return n
    for _ in it:
        n += 1
    return n


async def acount(ait):
    n = 0
    async for _ in ait:
        n += 1
    return n


def ours_async(a, sc, st):
    async def main():
        c = ours_client(a, "AsyncClient")
        enter = getattr(c, "__aenter__", None)
        if enter:
            c = await enter() or c
        try:
            if sc == "pn":
                return await acount(c.images.list(page_size=a.page_size))
            if sc == "containers-pn":
                return await acount(c.containers.list(page_size=a.page_size))
            if sc in CURSOR:
                return await acount(resource(c, sc).bulk_list(limit=a.limit))
            if sc in ("fanout", "ratelimit"):

                async def one(sha):
                    r = await c.images.vulnerabilities(sha)
                    st["done_t"].append(time.perf_counter())
                    return r

                res = await asyncio.gather(*(one(s) for s in st["shas"]), return_exceptions=True)
                errs = [r for r in res if isinstance(r, BaseException)]
                st["failures"], st["calls"] = len(errs), len(res)
                if errs:
                    st["errors"] = [repr(e)[:200] for e in errs[:5]]
                return len(res) - len(errs)
            raise SystemExit(f"no scenario {sc}")
        finally:
            ex = getattr(c, "__aexit__", None)
            if ex:
                await ex(None, None, None)

    return asyncio.run(main())


# ----------------------------------------------------------------------------------------------------
# baselines


def requests_seq(a, sc, st):
    import requests

    s = requests.Session()
    s.auth = (a.user, a.password)
    st["calls"] = 0

    def get(path, params=None):
        while True:
            r = s.get(a.base_url + path, params=params)
            st["calls"] += 1
            if r.status_code == 429:
                st["http_429"] = st.get("http_429", 0) + 1
                time.sleep(retry_wait(r.headers))
                continue
            r.raise_for_status()
            return r

    if sc == "pn":
        n, page = 0, 1
        while True:
            body = get(IMAGES, {"pageNumber": page, "pageSize": a.page_size}).json()
            n += len(body["data"])
            if len(body["data"]) < a.page_size or page * a.page_size >= body["count"]:
                return n
            page += 1
    if sc in CURSOR:
        n, pq = 0, None
        while True:
            params = {"limit": a.limit}
            if pq:
                params["paginationQuery"] = pq
            r = get(bulk_path(sc), params)
            for _ in r.json()["data"]:
                n += 1
            pq = next_query(r.headers.get("link"))
            if not pq:
                return n
    if sc in ("fanout", "ratelimit"):
        st["failures"] = 0
        for sha in st["shas"]:
            try:
                get(f"{IMAGES}/{sha}/vuln").json()
                st["done_t"].append(time.perf_counter())
            except Exception as e:
                st["failures"] += 1
                st.setdefault("errors", []).append(repr(e)[:200])
        return len(st["shas"]) - st["failures"]
    if sc == "page":
        import orjson

        url, q = a.base_url + IMAGES, {"pageNumber": 1, "pageSize": a.page_size}
        return page_loop(
            a,
            st,
            {
                "requests + json": lambda: len(s.get(url, params=q).json()["data"]),
                "requests + orjson": lambda: len(orjson.loads(s.get(url, params=q).content)["data"]),
            },
        )
    if sc == "gil":
        local = threading.local()

        def call(sha):
            if not hasattr(local, "s"):
                local.s = requests.Session()
                local.s.auth = (a.user, a.password)
            local.s.get(f"{a.base_url}{IMAGES}/{sha}/vuln").json()

        return gil(call, st)
    raise SystemExit(f"no scenario {sc}")


def httpx_async(a, sc, st):
    import httpx

    async def main():
        limits = httpx.Limits(max_connections=a.concurrency, max_keepalive_connections=a.concurrency)
        async with httpx.AsyncClient(base_url=a.base_url, auth=(a.user, a.password), limits=limits, timeout=60) as c:
            sem = asyncio.Semaphore(a.concurrency)
            st["calls"] = 0

            async def get(path, params=None):
                async with sem:
                    while True:
                        r = await c.get(path, params=params)
                        st["calls"] += 1
                        if r.status_code == 429:
                            st["http_429"] = st.get("http_429", 0) + 1
                            await asyncio.sleep(retry_wait(r.headers))
                            continue
                        r.raise_for_status()
                        return r

            if sc == "pn":
                first = (await get(IMAGES, {"pageNumber": 1, "pageSize": a.page_size})).json()
                pages = -(-first["count"] // a.page_size)
                n = len(first["data"])
                rest = await asyncio.gather(
                    *(get(IMAGES, {"pageNumber": p, "pageSize": a.page_size}) for p in range(2, pages + 1))
                )
                for r in rest:
                    n += len(r.json()["data"])
                return n
            if sc in CURSOR:
                n, pq = 0, None
                while True:
                    params = {"limit": a.limit}
                    if pq:
                        params["paginationQuery"] = pq
                    r = await get(bulk_path(sc), params)
                    n += len(r.json()["data"])
                    pq = next_query(r.headers.get("link"))
                    if not pq:
                        return n
            if sc in ("fanout", "ratelimit"):

                async def one(sha):
                    (await get(f"{IMAGES}/{sha}/vuln")).json()
                    st["done_t"].append(time.perf_counter())

                res = await asyncio.gather(*(one(s) for s in st["shas"]), return_exceptions=True)
                errs = [r for r in res if isinstance(r, BaseException)]
                st["failures"] = len(errs)
                if errs:
                    st["errors"] = [repr(e)[:200] for e in errs[:5]]
                return len(res) - len(errs)
            raise SystemExit(f"no scenario {sc}")

    return asyncio.run(main())


def qualysdk_style(a, sc, st):
    import requests
    from requests import request

    # TokenAuth.get_token
    r = requests.post(
        a.base_url + "/auth",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data={"username": a.user, "password": a.password, "permissions": "true", "token": "true"},
    )
    if r.status_code != 201:
        raise SystemExit(f"Failed to generate token: {r.status_code} {r.text[:200]}")
    headers = {"Authorization": f"Bearer {r.text}"}
    st["calls"] = 1

    def call_api(path, params=None):
        while True:
            resp = request(method="GET", url=a.base_url + path, headers=headers, params=params)
            st["calls"] += 1
            rem = resp.headers.get("X-RateLimit-Remaining")
            if (rem is not None and int(rem) < 10) or resp.status_code == 429:
                if resp.status_code == 429:
                    st["http_429"] = st.get("http_429", 0) + 1
                if rem is not None and int(rem) == 0:
                    resp = request(method="GET", url=a.base_url + path, headers=headers, params=params)
                    st["calls"] += 1
                    to_wait = resp.headers.get("X-RateLimit-ToWait-Sec")
                    # qualysdk: ToWait + 3 s, or 3601 s when the header is absent (capped here at 60 s).
                    to_wait = int(to_wait) + 3 if to_wait else 60
                    time.sleep(to_wait)
                    continue
            return resp

    if sc == "pn" or sc in CURSOR:
        # qualysdk lists only through the cursor endpoint (list_containers' loop; for images, on images/list).
        kwargs = {"limit": a.limit}
        n = 0
        while True:
            response = call_api(bulk_path(sc), params=dict(kwargs))
            if response.status_code != 200:
                raise SystemExit(f"QualysAPIError {response.status_code}")
            data = response.json()
            if not data.get("data"):
                break
            if isinstance(data.get("data"), dict):
                data["data"] = [data["data"]]
            for _item in data["data"]:
                n += 1
            hdrs = dict(response.headers)
            link = hdrs.get("Link") or hdrs.get("link")
            if not link or link == "null":
                break
            kwargs["paginationQuery"] = parse_qs(link.split(";")[0].strip("<>"))["paginationQuery"][0]
        return n
    if sc in ("fanout", "ratelimit"):
        st["failures"] = 0
        for sha in st["shas"]:
            resp = call_api(f"{IMAGES}/{sha}/vuln")
            if resp.status_code != 200:
                st["failures"] += 1
                continue
            resp.json().get("details")
            st["done_t"].append(time.perf_counter())
        return len(st["shas"]) - st["failures"]
    raise SystemExit(f"no scenario {sc}")


def gil(call, st):
    """8 threads, one call each, after one warm-up call per thread (connections, auth)."""
    shas = st["shas"]
    threads = len(shas)
    bar = threading.Barrier(threads + 1)
    done = threading.Barrier(threads + 1)
    rounds = st.get("rounds", 5)
    walls = []

    def worker(sha):
        call(sha)  # warm-up
        for _ in range(rounds):
            bar.wait()
            call(sha)
            done.wait()

    ts = [threading.Thread(target=worker, args=(s,)) for s in shas]
    for t in ts:
        t.start()
    for _ in range(rounds):
        bar.wait()
        t0 = time.perf_counter()
        done.wait()
        walls.append(time.perf_counter() - t0)
    for t in ts:
        t.join()
    walls.sort()
    st["walls_s"] = walls
    st["wall_override"] = walls[len(walls) // 2]
    return threads * rounds


CLIENTS = {
    "ours-sync": ours_sync,
    "ours-async": ours_async,
    "requests-seq": requests_seq,
    "httpx-async": httpx_async,
    "qualysdk-style": qualysdk_style,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("client", choices=sorted(CLIENTS))
    p.add_argument(
        "scenario",
        choices=[
            "pn",
            "cursor",
            "containers-cursor",
            "containers-pn",
            "fanout",
            "ratelimit",
            "gil",
            "mem",
            "scale",
            "page",
        ],
    )
    p.add_argument("--base-url", required=True)
    p.add_argument("--user", default="qualys")
    p.add_argument("--password", default="qualys")
    p.add_argument("--n", type=int, default=0, help="fan-out / rate-limit calls, GIL threads")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--limit", type=int, default=250)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--shas-file", default="")
    p.add_argument("--ours-kwargs", default="", help="JSON of extra Client(...) keyword arguments")
    p.add_argument("--start-at", type=float, default=0, help="epoch seconds: start measuring then (many processes)")
    a = p.parse_args()
    st = {}
    if a.scenario in ("fanout", "ratelimit", "gil"):
        if a.shas_file:  # fetched by run.py from an unlimited simulator with the same seed and size
            st["shas"] = json.load(open(a.shas_file))[: a.n]
        else:
            st["shas"] = fetch_shas(a, a.n)
        st["done_t"] = []
    if a.scenario == "mem":
        import gc

        gc.collect()
        st["rss0"] = rss_kb()
    if a.start_at:  # several workers measured together start at one moment, after their imports
        time.sleep(max(0.0, a.start_at - time.time()))
    t0_epoch = time.time()
    t0 = time.perf_counter()
    items = CLIENTS[a.client](a, a.scenario, st)
    wall = time.perf_counter() - t0
    out = {"client": a.client, "scenario": a.scenario, "wall_s": st.pop("wall_override", wall), "items": items}
    out["t0_epoch"] = t0_epoch
    st.pop("shas", None)
    if "done_t" in st:  # completion times, seconds from the start, for the rate-limit throughput
        st["done_t"] = sorted(round(t - t0, 4) for t in st["done_t"])
        if not st["done_t"]:
            del st["done_t"]
    if a.scenario == "mem":
        out["rss_start_kb"] = st.pop("rss0")
        out["hwm_kb"] = rss_kb("VmHWM")
        out["rss_growth_mb"] = (out["hwm_kb"] - out["rss_start_kb"]) / 1024
    out.update(st)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
