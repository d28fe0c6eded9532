#!/usr/bin/env python3
"""What the client is for, in one run: the full image inventory with live progress, the critical
images' vulnerabilities fanned out within the rate limits, a triage summary, files a notebook can
load (JSONL) and an HTML report with a chart; then the same inventory by a plain sequential loop
for comparison (time and calls).

    python examples/demo.py [--out DIR] [--short] [--progress-every SECONDS]

Against Qualys when QUALYS_USERNAME/QUALYS_PASSWORD or QUALYS_TOKEN (+ QUALYS_PLATFORM or
QUALYS_BASE_URL) are set, with nothing simulator-only; else against the embedded simulator at scale
(20,000 images, 50 ms a request, Qualys' published limits scaled down so the run takes under a
minute). ``--short`` is a small run for tests.

Progress: a bar redrawn in place when stdout and stderr are terminals; else (a CI log, ``> log``) a
plain line every ``--progress-every`` seconds (default 5). The report (``report.html``) is built by
``_report.py``, the progress by ``_live.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime
import json
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from _live import Meter
from _report import RunningImage, Source, Triage, render
from qualys_cs import AsyncClient, Client, QualysError
from qualys_cs.testing import Simulator

#: The published limits (API.md §5.3: 120 calls a minute on the bulk lists, 5,000 on the rest),
#: scaled to windows of a few seconds so the demo shows the waits without taking minutes.
SCALED_LIMITS = {"images/list": (20, 2.0), "containers/list": (20, 2.0), "images": (100, 1.0), "containers": (100, 1.0)}


def connect(short: bool) -> tuple[Client, AsyncClient, Simulator | None, AbstractContextManager[object], Source]:
    if os.environ.get("QUALYS_USERNAME") or os.environ.get("QUALYS_TOKEN"):
        client = Client.from_env()
        # A base URL takes the place of the platform's: name the platform only when it chose the URL.
        platform = None if os.environ.get("QUALYS_BASE_URL") else os.environ.get("QUALYS_PLATFORM")
        source = Source(simulated=False, url=client.base_url, platform=platform)
        return client, AsyncClient.from_env(), None, nullcontext(), source
    images, latency = (600, 0.005) if short else (20_000, 0.05)
    sim = Simulator(images=images, containers=images // 2, latency=latency, rate_limits=SCALED_LIMITS)
    print(f"no QUALYS_* credentials: embedded simulator at {sim.url} ({images:,} images, "
          f"{latency * 1000:.0f} ms a request, limits scaled down)", file=sys.stderr)  # fmt: skip
    source = Source(simulated=True, url=sim.url, detail=f", {images:,} generated images")
    return sim.client(), sim.async_client(), sim, sim, source


def total_of(list_call: Callable[..., Any], **query: Any) -> int | None:
    """The API's ``count`` for a query, from one page of one record (prefetch 0: no other page is
    asked for); the cursor-paginated bulk lists have no count of their own."""
    try:
        pager = list_call(page_size=1, prefetch=0, **query)
        for page in pager.pages():
            return int(page.total) if page.total is not None else None
    except QualysError:
        pass
    return None


def inventory(client: Client, out: pathlib.Path, every: float) -> tuple[list[dict[str, Any]], float, int]:
    """Every image by the cursor-paginated bulk list (no 10,000 cap), streamed to JSONL."""
    meter = Meter("inventory", "images", total_of(client.images.list), every=every)
    images: list[dict[str, Any]] = []
    pages = 0
    with out.open("w") as f:
        for page in client.images.bulk_list(limit=250).pages():
            pages += 1
            for image in page.items:
                d = dict(image)
                # The notebook file keeps what triage needs; the full records are one call away.
                slim = {k: d.get(k) for k in ("sha", "imageId", "repo", "created", "lastScanned", "operatingSystem")}
                found: Any = d.get("vulnerabilities") or []
                slim["qids"] = [v.get("qid") for v in found if isinstance(v, dict)]
                images.append(slim)
                f.write(json.dumps(slim) + "\n")
            meter.advance(len(page.items))
    secs = meter.elapsed
    meter.close(f"inventory: {len(images):,} images in {secs:.1f}s ({pages} calls)")
    return images, secs, pages


def listed(label: str, unit: str, pager: Any, total: int | None, every: float) -> list[dict[str, Any]]:
    """Every item of a list, with progress."""
    meter = Meter(label, unit, total, every=every)
    items: list[dict[str, Any]] = []
    for page in pager.pages():
        items += [dict(i) for i in page.items]
        meter.advance(len(page.items))
    meter.close(f"{label}: {len(items):,} {unit} in {meter.elapsed:.1f}s")
    return items


def finding(sha: str, v: dict[str, Any]) -> dict[str, Any]:
    """What triage acts on from one vulnerability: the QID, its CVEs and whether a fix exists
    (``patchAvailable``, and the fixed version of each affected package)."""
    software: Any = v.get("software") or []
    intel: Any = v.get("threatIntel") or {}
    return {
        "sha": sha,
        "qid": v.get("qid"),
        "severity": int(v.get("severity") or 0),
        "title": v.get("title"),
        "cves": list(v.get("cveids") or []),
        "patchAvailable": v.get("patchAvailable"),
        "fixes": [
            {"software": s.get("name"), "version": s.get("version"), "fixVersion": s.get("fixVersion")}
            for s in software
            if isinstance(s, dict)
        ],
        "publicExploit": intel.get("publicExploit") if isinstance(intel, dict) else None,
    }


async def fan_out(aclient: AsyncClient, shas: list[str], concurrency: int, every: float) -> list[dict[str, Any]]:
    """The vulnerabilities of each image, `concurrency` at a time; the client keeps the calls
    within the family's rate limit (waiting instead of drawing 429s)."""
    sem = asyncio.Semaphore(concurrency)
    meter = Meter("vulnerabilities", "images", len(shas), every=every)
    out: list[dict[str, Any]] = []

    async def one(sha: str) -> None:
        async with sem:
            try:
                v = await aclient.images.vulnerabilities(sha)
            except QualysError as e:
                meter.note(f"{sha[:12]}: {e}")
                return
        details: Any = dict(v).get("details") or []
        out.extend(finding(sha, d) for d in details if isinstance(d, dict))
        meter.advance()

    await asyncio.gather(*(one(s) for s in shas))
    meter.close(f"vulnerabilities: {len(shas)} critical images, {len(out):,} findings in {meter.elapsed:.1f}s")
    return out


def plain_loop(base_url: str, username: str, password: str, total: int, every: float) -> tuple[int, float, int, int]:
    """The same inventory as a plain script fetches it: one page at a time, Basic auth, a fixed
    second's sleep when refused. Returns (images, seconds, calls, 429s)."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    url: str | None = f"{base_url}/csapi/v1.3/images/list?limit=250"
    meter = Meter("plain loop", "images", total, every=every)
    n = calls = refused = 0
    while url:
        req = urllib.request.Request(url, headers={"Authorization": f"Basic {auth}", "Accept": "application/json"})
        calls += 1
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = json.loads(r.read())
                link = r.headers.get("link") or ""
        except urllib.error.HTTPError as e:
            if e.code == 429:
                refused += 1
                time.sleep(1.0)
                continue
            raise
        got = len(body.get("data") or [])
        n += got
        meter.advance(got)
        # `<http://host/csapi/v1.3/images/list?...>;rel=next`: the path and query of the next page.
        nxt = link.split(";")[0].strip("<> ") if "next" in link else ""
        url = base_url + nxt[nxt.index("/csapi") :] if "/csapi" in nxt else None
    secs = meter.elapsed
    meter.close(f"plain loop: {n:,} images in {secs:.1f}s")
    return n, secs, calls, refused


def names(image: dict[str, Any]) -> list[tuple[str, str]]:
    """(repository:tag, registry) of each repo entry of an image."""
    repos: Any = image.get("repo") or []
    return [
        (f"{r.get('repository') or '?'}:{r.get('tag') or 'untagged'}", str(r.get("registry") or ""))
        for r in repos
        if isinstance(r, dict)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", default="demo-out", help="folder for the files (default demo-out)")
    ap.add_argument("--short", action="store_true", help="a small, quick run (tests)")
    ap.add_argument("--progress-every", type=float, default=5.0, metavar="SECONDS",
                    help="when the output is not a terminal: a progress line every SECONDS (default 5)")  # fmt: skip
    args = ap.parse_args(argv)
    every = args.progress_every
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run_at = datetime.datetime.now().astimezone()
    run_started = time.monotonic()

    client, aclient, sim, running, source = connect(args.short)
    with running:
        images, secs, pages = inventory(client, out / "inventory.jsonl", every)

        severe = "vulnerabilities.severity:5"
        critical = listed("critical images", "images", client.images.bulk_list(filter=severe, limit=250),
                          total_of(client.images.list, filter=severe), every)  # fmt: skip
        containers = listed("running containers", "containers",
                            client.containers.bulk_list(filter="state:RUNNING", limit=250),
                            total_of(client.containers.list, filter="state:RUNNING"), every)  # fmt: skip
        # Containers name their image by sha (imageSha) and by id (imageId): count under both.
        per_image: collections.Counter[str] = collections.Counter()
        for c in containers:
            for key in {c.get("imageSha"), c.get("imageId")} - {None, ""}:
                per_image[str(key)] += 1

        def running_count(image: dict[str, Any]) -> int:
            return per_image.get(str(image.get("sha")), 0) or per_image.get(str(image.get("imageId")), 0)

        critical_running = [c for c in critical if running_count(c)]
        # The images that run are fetched first: they are the ones the report's table is about.
        ordered = critical_running + [c for c in critical if not running_count(c)]
        shas = [str(c["sha"]) for c in ordered][: 30 if args.short else 400]
        vulns = asyncio.run(fan_out(aclient, shas, concurrency=16, every=every))
        with (out / "vulnerabilities.jsonl").open("w") as f:
            for v in vulns:
                f.write(json.dumps(v) + "\n")

        by_repo: collections.Counter[str] = collections.Counter()
        for c in critical:
            repos: Any = c.get("repo") or []
            for r in repos:
                by_repo[f"{r.get('registry', '')}/{r.get('repository', '')}"] += 1
        qids = collections.Counter((v["qid"], v["title"]) for v in vulns if v["severity"] >= 5)

        print("\n== triage ==")
        print(f"{len(critical):,} of {len(images):,} images have severity-5 vulnerabilities; "
              f"{len(critical_running):,} of them run in containers")  # fmt: skip
        print("top repositories by critical images:")
        for repo, n in by_repo.most_common(5):
            print(f"  {n:5}  {repo}")
        print("top severity-5 QIDs:")
        for (qid, title), n in qids.most_common(5):
            print(f"  {n:5}  QID {qid}  {title}")

        benchmark = None
        if sim is not None:
            n, psecs, calls, refused = plain_loop(sim.url, sim.username, sim.password, len(images), every)
            print(
                f"\nplain sequential loop: {n:,} images in {psecs:.1f}s, {calls} calls ({refused} refused with 429); "
                f"qualys-cs: {len(images):,} in {secs:.1f}s, {pages} calls, none refused"
            )
            # Against a tenant the loop is not run: it would spend the subscription's calls twice.
            benchmark = (
                "The same inventory fetched by a plain sequential loop (one page at a time, Basic auth, a "
                f"fixed second's sleep when refused) from the same simulator: {n:,} images in {psecs:.1f} s, "
                f"{calls} calls, {refused} refused with 429; by qualys-cs: {len(images):,} images in "
                f"{secs:.1f} s, {pages} calls, none refused."
            )

        by_sha: dict[str, list[dict[str, Any]]] = {s: [] for s in shas}
        for v in vulns:
            by_sha[v["sha"]].append(v)
        report = out / "report.html"
        triage = Triage(
            source=source,
            started=run_at,
            seconds=time.monotonic() - run_started,
            images=len(images),
            critical=len(critical),
            fetched_images=len(shas),
            findings=vulns,
            running=[
                RunningImage(str(c["sha"]), names(c), running_count(c), by_sha.get(str(c["sha"])))
                for c in critical_running
            ],
            by_repo=by_repo.most_common(10),
            top_qids=[(int(q), str(t or ""), n) for (q, t), n in qids.most_common(10)],
            benchmark=benchmark,
            files=["inventory.jsonl", "vulnerabilities.jsonl"],
        )
        report.write_text(render(triage), encoding="utf-8")
        files = f"{out / 'inventory.jsonl'}, {out / 'vulnerabilities.jsonl'}"
        print(f"\nfiles: {files} (pandas.read_json(path, lines=True)), {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
