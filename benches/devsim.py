#!/usr/bin/env python3
"""A tiny stand-in for `qualys-cs-sim`, for developing the harness only.

Same command line subset (--port, --images, --latency-ms, --rate-limit FAMILY=CALLS/SECS,
--no-request-log) and the same first stdout line. It serves just what the benchmarks call:
POST /auth, GET /csapi/v1.3/images (page-numbered), GET /csapi/v1.3/images/list (cursor, `link`
header), GET /csapi/v1.3/images/{sha}/vuln. Never used for published numbers (run.py says so).
"""

import argparse
import asyncio
import base64
import json
import sys
import time
from urllib.parse import parse_qs, quote, urlsplit


def image(i):
    sha = f"{i:064x}"
    return {
        "imageId": sha[-12:],
        "sha": sha,
        "uuid": f"{i:08x}-0000-4000-8000-{i:012x}",
        "created": str(1700000000000 + i * 1000),
        "updated": str(1700000500000 + i * 1000),
        "author": "",
        "repo": [{"registry": "registry.example.com", "repository": f"team/app{i % 97}", "tag": f"v{i % 13}"}],
        "repoDigests": [
            {"registry": "registry.example.com", "repository": f"team/app{i % 97}", "digest": "sha256:" + sha}
        ],
        "size": 100000000 + i,
        "vulnerabilities": {f"severity{s}Count": (i * s) % 17 for s in range(1, 6)},
        "associatedContainersCount": i % 5,
        "associatedHostsCount": i % 3,
        "lastScanned": str(1700000900000 + i),
        "registryUuid": [],
        "source": ["GENERAL"],
        "isDockerHubOfficial": False,
        "isInstrumented": False,
        "instrumentedFrom": None,
        "scanType": "DYNAMIC",
        "scanTypes": ["DYNAMIC"],
        "scanErrorCode": None,
        "scanStatus": "SUCCESS",
        "lastFoundOnHost": {"hostname": f"host{i % 50}", "ipAddress": "10.0.0.1", "sensorUuid": "s", "uuid": "u"},
    }


def vulns(sha):
    return {
        "details": [
            {
                "qid": 100000 + k,
                "title": f"Vuln {k}",
                "severity": 1 + k % 5,
                "cveids": [f"CVE-2024-{k:04d}"],
                "result": "x",
                "published": 1700000000000,
                "ageInDays": k,
                "software": [],
            }
            for k in range(5)
        ],
        "vulnSummary": {"confirmed": {}, "potential": {}, "patchAvailability": {}},
    }


class Sim:
    def __init__(self, a):
        self.a = a
        self.limits = {}
        for spec in a.rate_limit:
            fam, rest = spec.split("=")
            calls, secs = rest.split("/")
            self.limits[fam] = (int(calls), float(secs))
        self.windows = {}

    def family(self, path):
        return "images-list" if path.endswith("/images/list") else "images"

    def limited(self, fam):
        if fam not in self.limits:
            return None, {}
        calls, secs = self.limits[fam]
        now = time.monotonic()
        start, used = self.windows.get(fam, (now, 0))
        if now - start >= secs:
            start, used = now, 0
        hdr = {"X-RateLimit-Limit": str(calls), "X-RateLimit-Window-Sec": str(int(secs))}
        if used >= calls:
            wait = max(1, int(secs - (now - start) + 0.999))
            hdr.update({"X-RateLimit-Remaining": "0", "X-RateLimit-ToWait-Sec": str(wait), "Retry-After": str(wait)})
            return 429, hdr
        self.windows[fam] = (start, used + 1)
        hdr["X-RateLimit-Remaining"] = str(calls - used - 1)
        return None, hdr

    async def handle(self, method, target, headers, body):
        await asyncio.sleep(self.a.latency_ms / 1000)
        u = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if method == "POST" and u.path == "/auth":
            return 201, {"Content-Type": "text/plain"}, b"eyJ.devsim.token"
        auth = headers.get("authorization", "")
        ok = auth.startswith("Bearer ") or auth == "Basic " + base64.b64encode(b"qualys:qualys").decode()
        if not ok:
            return 401, {}, b'{"errorCode":"401","message":"Unauthorized"}'
        fam = self.family(u.path)
        st, hdr = self.limited(fam)
        if st:
            return st, hdr, b'{"errorCode":"429","message":"Too many requests"}'
        n = self.a.images
        if u.path == "/csapi/v1.3/images":
            pn, ps = int(q.get("pageNumber", 1)), int(q.get("pageSize", 50))
            lo = (pn - 1) * ps
            hi = min(lo + ps, n, 10000)
            data = [image(i) for i in range(lo, hi)] if lo < hi else []
            return 200, hdr, json.dumps({"data": data, "count": min(n, 10000), "groups": {}}).encode()
        if u.path == "/csapi/v1.3/images/list":
            limit = int(q.get("limit", 50))
            pq = q.get("paginationQuery")
            lo = int(pq.split(":")[1]) if pq else 0
            hi = min(lo + limit, n)
            data = [image(i) for i in range(lo, hi)]
            if hi < n:
                nq = quote(f"after:{hi}", safe="")
                hdr["link"] = (
                    f"<http://qualysapi.qualys.com/csapi/v1.3/images/list?limit={limit}&paginationQuery={nq}>;rel=next"
                )
            else:
                hdr["link"] = "null"
            return 200, hdr, json.dumps({"limit": limit, "data": data}).encode()
        if u.path.startswith("/csapi/v1.3/images/") and u.path.endswith("/vuln"):
            return 200, hdr, json.dumps(vulns(u.path.split("/")[4])).encode()
        return 404, {}, b'{"errorCode":"404","message":"Not found"}'

    async def conn(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _ = line.decode().split(" ", 2)
                headers = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, v = h.decode().split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                st, hdr, out = await self.handle(method, target, headers, body)
                hdr.setdefault("Content-Type", "application/json")
                head = (
                    f"HTTP/1.1 {st} X\r\nContent-Length: {len(out)}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in hdr.items())
                    + "\r\n"
                )
                writer.write(head.encode() + out)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--rate-limit", action="append", default=[])
    p.add_argument("--no-request-log", action="store_true")
    a = p.parse_args()
    sim = Sim(a)
    srv = await asyncio.start_server(sim.conn, "127.0.0.1", a.port, backlog=1024)
    print(f"listening on http://127.0.0.1:{srv.sockets[0].getsockname()[1]}", flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
