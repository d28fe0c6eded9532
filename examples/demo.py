#!/usr/bin/env python3
"""What the client is for, in one run: the full image inventory with live progress, the critical
images' vulnerabilities fanned out within the rate limits, a triage summary, files a notebook can
load (JSONL) and an HTML report with a chart; then the same inventory by a plain sequential loop
for comparison (time and calls).

    python examples/demo.py [--out DIR] [--short]

Against Qualys when QUALYS_USERNAME/QUALYS_PASSWORD or QUALYS_TOKEN (+ QUALYS_PLATFORM or
QUALYS_BASE_URL) are set, with nothing simulator-only; else against the embedded simulator at scale
(20,000 images, 50 ms a request, Qualys' published limits scaled down so the run takes under a
minute). ``--short`` is a small run for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import html
import json
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from qualys_cs import AsyncClient, Client, QualysError
from qualys_cs.testing import Simulator

#: The published limits (API.md §5.3: 120 calls a minute on the bulk lists, 5,000 on the rest),
#: scaled to windows of a few seconds so the demo shows the waits without taking minutes.
SCALED_LIMITS = {"images/list": (20, 2.0), "containers/list": (20, 2.0), "images": (100, 1.0), "containers": (100, 1.0)}


def connect(short: bool) -> tuple[Client, AsyncClient, Simulator | None, AbstractContextManager[object]]:
    if os.environ.get("QUALYS_USERNAME") or os.environ.get("QUALYS_TOKEN"):
        return Client.from_env(), AsyncClient.from_env(), None, nullcontext()
    images, latency = (600, 0.005) if short else (20_000, 0.05)
    sim = Simulator(images=images, containers=images // 2, latency=latency, rate_limits=SCALED_LIMITS)
    print(f"no QUALYS_* credentials: embedded simulator at {sim.url} ({images:,} images, "
          f"{latency * 1000:.0f} ms a request, limits scaled down)", file=sys.stderr)  # fmt: skip
    return sim.client(), sim.async_client(), sim, sim


def progress(label: str, n: int, started: float) -> None:
    rate = n / max(time.monotonic() - started, 1e-9)
    print(f"\r{label}: {n:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def inventory(client: Client, out: pathlib.Path) -> tuple[list[dict[str, Any]], float, int]:
    """Every image by the cursor-paginated bulk list (no 10,000 cap), streamed to JSONL."""
    started = time.monotonic()
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
            progress("inventory", len(images), started)
    print(file=sys.stderr)
    return images, time.monotonic() - started, pages


async def fan_out(aclient: AsyncClient, shas: list[str], concurrency: int) -> list[dict[str, Any]]:
    """The vulnerabilities of each image, `concurrency` at a time; the client keeps the calls
    within the family's rate limit (waiting instead of drawing 429s)."""
    sem = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    done = 0
    out: list[dict[str, Any]] = []

    async def one(sha: str) -> None:
        nonlocal done
        async with sem:
            try:
                v = await aclient.images.vulnerabilities(sha)
            except QualysError as e:
                print(f"\n{sha[:12]}: {e}", file=sys.stderr)
                return
        details: Any = dict(v).get("details") or []
        for d in details:
            out.append(
                {"sha": sha, "qid": d.get("qid"), "severity": int(d.get("severity") or 0), "title": d.get("title")}
            )
        done += 1
        progress("vulnerabilities", done, started)

    await asyncio.gather(*(one(s) for s in shas))
    print(file=sys.stderr)
    return out


def plain_loop(base_url: str, username: str, password: str) -> tuple[int, float, int, int]:
    """The same inventory as a plain script fetches it: one page at a time, Basic auth, a fixed
    second's sleep when refused. Returns (images, seconds, calls, 429s)."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    url: str | None = f"{base_url}/csapi/v1.3/images/list?limit=250"
    started = time.monotonic()
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
        n += len(body.get("data") or [])
        progress("plain loop", n, started)
        # `<http://host/csapi/v1.3/images/list?...>;rel=next`: the path and query of the next page.
        nxt = link.split(";")[0].strip("<> ") if "next" in link else ""
        url = base_url + nxt[nxt.index("/csapi") :] if "/csapi" in nxt else None
    print(file=sys.stderr)
    return n, time.monotonic() - started, calls, refused


def bar_chart(rows: list[tuple[str, int]], title: str) -> str:
    """An inline SVG bar chart (no dependency)."""
    if not rows:
        return ""
    top = max(c for _, c in rows) or 1
    h = 22 * len(rows) + 30
    bars = "".join(
        f'<text x="0" y="{30 + 22 * i + 14}" font-size="12">{html.escape(name[:48])}</text>'
        f'<rect x="330" y="{30 + 22 * i}" width="{int(400 * c / top)}" height="16" fill="#c0392b"/>'
        f'<text x="{336 + int(400 * c / top)}" y="{30 + 22 * i + 13}" font-size="12">{c}</text>'
        for i, (name, c) in enumerate(rows)
    )
    return f'<h2>{html.escape(title)}</h2><svg width="800" height="{h}" font-family="sans-serif">{bars}</svg>'


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", default="demo-out", help="folder for the files (default demo-out)")
    ap.add_argument("--short", action="store_true", help="a small, quick run (tests)")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    client, aclient, sim, running = connect(args.short)
    with running:
        images, secs, pages = inventory(client, out / "inventory.jsonl")
        print(f"inventory: {len(images):,} images in {secs:.1f}s ({pages} calls)", file=sys.stderr)

        critical = [dict(i) for i in client.images.bulk_list(filter="vulnerabilities.severity:5", limit=250)]
        shas = [str(c["sha"]) for c in critical][: 30 if args.short else 400]
        started = time.monotonic()
        vulns = asyncio.run(fan_out(aclient, shas, concurrency=16))
        fan_secs = time.monotonic() - started
        with (out / "vulnerabilities.jsonl").open("w") as f:
            for v in vulns:
                f.write(json.dumps(v) + "\n")
        print(
            f"vulnerabilities: {len(shas)} critical images, {len(vulns):,} findings in {fan_secs:.1f}s", file=sys.stderr
        )

        by_repo: collections.Counter[str] = collections.Counter()
        for c in critical:
            repos: Any = c.get("repo") or []
            for r in repos:
                by_repo[f"{r.get('registry', '')}/{r.get('repository', '')}"] += 1
        qids = collections.Counter((v["qid"], v["title"]) for v in vulns if v["severity"] >= 5)
        running_images = {
            (c.get("imageSha") or c.get("imageId") or "")
            for c in client.containers.bulk_list(filter="state:RUNNING", limit=250)
        }
        critical_running = [c for c in critical if c["sha"] in running_images or c.get("imageId") in running_images]

        print("\n== triage ==")
        print(f"{len(critical):,} of {len(images):,} images have severity-5 vulnerabilities; "
              f"{len(critical_running):,} of them run in containers")  # fmt: skip
        print("top repositories by critical images:")
        for repo, n in by_repo.most_common(5):
            print(f"  {n:5}  {repo}")
        print("top severity-5 QIDs:")
        for (qid, title), n in qids.most_common(5):
            print(f"  {n:5}  QID {qid}  {title}")

        cmp_line = ""
        if sim is not None:
            n, psecs, calls, refused = plain_loop(sim.url, sim.username, sim.password)
            cmp_line = (
                f"plain sequential loop: {n:,} images in {psecs:.1f}s, {calls} calls ({refused} refused with 429); "
                f"qualys-cs: {len(images):,} in {secs:.1f}s, {pages} calls, none refused"
            )
            print("\n" + cmp_line)

        report = out / "report.html"
        report.write_text(
            "<!doctype html><meta charset='utf-8'><title>qualys-cs triage</title>"
            f"<h1>Container image triage</h1><p>{len(critical):,} of {len(images):,} images have severity-5 "
            f"vulnerabilities; {len(critical_running):,} run in containers.</p><p>{html.escape(cmp_line)}</p>"
            + bar_chart(by_repo.most_common(10), "Repositories by critical images")
            + bar_chart([(f"QID {q} {t}", n) for (q, t), n in qids.most_common(10)], "Top severity-5 QIDs")
        )
        files = f"{out / 'inventory.jsonl'}, {out / 'vulnerabilities.jsonl'}"
        print(f"\nfiles: {files} (pandas.read_json(path, lines=True)), {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
