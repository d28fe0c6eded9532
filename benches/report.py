"""The benchmarks' report: the Markdown tables of a run's results, each row judged against its
target (PASS / MISS; a smoke run judges nothing), and the results table of benches/README.md."""

from __future__ import annotations

import time
from typing import Protocol

from harness import BENCHES

# Node's decode "no slower than JSON.parse": within 3%, the run-to-run spread of one decoder against
# itself here (the Node converter *is* JSON.parse, and measured 0.97-1.03x of it across runs).
# Python's converter is judged against orjson with no tolerance: at most 1.00x.
DECODE_TOLERANCE = 1.03


class Measured(Protocol):
    """What a run measured (run.py's Bench): results by scenario, the sizes, notes and problems."""

    results: dict
    cfg: dict
    notes: list[str]
    problems: list[str]


def fmt_s(x):
    if x is None:
        return "—"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


JUDGE = {"smoke": False}


def verdict(ok):
    if JUDGE["smoke"]:
        return "(smoke)"
    return "PASS" if ok else "**MISS**"


def report(b: Measured, info, vers, started, smoke) -> tuple[str, list]:
    R, cfg = b.results, b.cfg
    JUDGE["smoke"] = smoke
    lines, summary = [], []
    lines.append(
        f"Machine: {info['nproc']} cores, {info['cpu']}, Linux {info.get('kernel', '')}; "
        f"Python {vers.get('python')}, Node {vers.get('node')}, {vers.get('rustc')}; "
        f"{vers.get('python packages')}; commit {vers.get('commit')}; "
        f"run {time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}, "
        f"{(time.time() - started) / 60:.1f} min{' (SMOKE sizes)' if smoke else ''}."
    )
    lines.append("")
    for n in b.notes:
        lines.append(f"> {n}")
    if b.notes:
        lines.append("")

    def table(sc, title, target_fn, extra_cols=()):
        rows = {k: v for k, v in R.get(sc, {}).items() if not k.startswith("_") and v.get("wall_s") is not None}
        if not rows:
            return
        meta = R[sc].get("_meta", {})
        lines.append(f"### {title}")
        lines.append("")
        head = ["client", "wall (median)", "runs"] + [c[0] for c in extra_cols] + ["vs requests-seq", "target"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        base = rows.get("requests-seq", {}).get("wall_s")
        for k, v in sorted(rows.items(), key=lambda kv: kv[1]["wall_s"]):
            ratio = f"{base / v['wall_s']:.1f}×" if base else "—"
            runs = f"{len(v['runs'])}" + (f" (of {v['scaled_from']}, scaled)" if v.get("scaled_from") else "")
            tgt = target_fn(k, v, rows, meta)
            lines.append(
                "| "
                + " | ".join([k, fmt_s(v["wall_s"]), runs] + [c[1](v) for c in extra_cols] + [ratio, tgt or ""])
                + " |"
            )
        lines.append("")

    def ours(k):
        return k.startswith(("qualys_cs", "qualys-cs"))

    # 1a page-numbered
    def pn_t(k, v, rows, meta):
        if not ours(k):
            return ""
        base = rows.get("requests-seq", {}).get("wall_s")
        peers = [r["wall_s"] for kk, r in rows.items() if not ours(kk) and not kk.startswith("(diagnostic)")]
        ok = bool(base) and base / v["wall_s"] >= 5 and all(v["wall_s"] < p for p in peers)
        summary.append(
            (
                f"page-numbered {meta.get('images')} images: {k}",
                f"{base / v['wall_s']:.1f}× requests, "
                f"{'ahead of' if all(v['wall_s'] < p for p in peers) else 'BEHIND'} every peer"
                if base
                else "—",
                "≥ 5× sequential requests, ahead of every peer",
                ok,
            )
        )
        return verdict(ok)

    m = R.get("pn", {}).get("_meta", {})
    table(
        "pn",
        f"1a. Page-numbered inventory: {m.get('images')} images, pageSize {m.get('page_size')}, "
        f"{m.get('latency_ms')} ms latency ({m.get('calls')} calls)",
        pn_t,
    )

    # 1b cursor
    def cur_t(k, v, rows, meta):
        floor = meta["calls"] * meta["latency_ms"] / 1000
        over = v["wall_s"] / floor - 1
        eff = meta["calls"] * (meta["latency_ms"] + meta.get("serve_ms", 0)) / 1000
        v["vs_effective"] = f"{(v['wall_s'] / eff - 1) * 100:+.0f}%"
        if not ours(k):
            return f"{over * 100:+.0f}% over calls×latency"
        ok = over <= 0.10
        summary.append(
            (
                f"cursor {meta['images']} images: {k}",
                f"{fmt_s(v['wall_s'])} = calls×latency {over * 100:+.1f}%",
                "within 10% of calls × latency",
                ok,
            )
        )
        return f"{over * 100:+.1f}% — {verdict(ok)}"

    m = R.get("cursor", {}).get("_meta", {})
    table(
        "cursor",
        f"1b. Cursor inventory (bulk list): {m.get('images')} images, limit {m.get('limit')}, "
        f"{m.get('latency_ms')} ms latency ({m.get('calls')} calls; calls × latency = "
        f"{fmt_s((m.get('calls') or 0) * (m.get('latency_ms') or 0) / 1000)}; the simulator itself takes "
        f"{m.get('serve_ms', 0):.1f} ms per page at 0 ms latency, so calls × (latency + serve) = "
        f"{fmt_s((m.get('calls') or 0) * ((m.get('latency_ms') or 0) + m.get('serve_ms', 0)) / 1000)})",
        cur_t,
        extra_cols=[("vs calls × (latency + serve)", lambda v: v.get("vs_effective", "—"))],
    )

    # 1c fan-out
    def fan_t(k, v, rows, meta):
        if not ours(k):
            return ""
        base = rows.get("requests-seq", {}).get("wall_s")
        ok = bool(base) and base / v["wall_s"] >= 10
        summary.append(
            (
                f"fan-out {meta.get('calls')} vulnerability calls: {k}",
                f"{base / v['wall_s']:.1f}× requests" if base else "—",
                "≥ 10× sequential requests, no failures",
                ok,
            )
        )
        return verdict(ok)

    m = R.get("fanout", {}).get("_meta", {})
    table(
        "fanout",
        f"1c. Fan-out: vulnerabilities of {m.get('calls')} images, {m.get('latency_ms')} ms latency, "
        f"concurrency {m.get('concurrency')} (sequential peers measured on {cfg['fanout_seq']} calls and scaled)",
        fan_t,
    )

    # 1d rate limit
    def rl_t(k, v, rows, meta):
        steady = v.get("steady_pct")
        failed = v.get("failed_calls", 0)
        if not ours(k):
            return ""
        ok = failed == 0 and steady is not None and steady >= 90
        summary.append(
            (
                f"rate limit {meta.get('limit')}: {k}",
                f"{failed} failed, steady {steady or 0:.0f}% of the limit",
                "zero failed calls, ≥ 90% of the limit",
                ok,
            )
        )
        return verdict(ok)

    m = R.get("ratelimit", {}).get("_meta", {})
    table(
        "ratelimit",
        f"1d. Rate limit: {m.get('calls')} vulnerability calls under {m.get('limit')} "
        f"({m.get('rate_per_s')}/s), {m.get('latency_ms')} ms latency",
        rl_t,
        extra_cols=[
            ("failed calls", lambda v: str(v.get("failed_calls", "—"))),
            ("429s answered (server log)", lambda v: str(v.get("http_429", "—"))),
            ("throughput (calls/wall)", lambda v: f"{v.get('throughput_pct', 0):.0f}%"),
            ("steady (after 1st window)", lambda v: f"{v['steady_pct']:.0f}%" if v.get("steady_pct") else "—"),
        ],
    )
    if rows_rl := {k: v for k, v in R.get("ratelimit", {}).items() if not k.startswith("_")}:
        lines.append(
            "Rate-limit columns show the worst of the runs. Completions per second of each run: "
            + "; ".join(
                f"{k}: "
                + " / ".join(
                    ",".join(
                        str(n_)
                        for _, n_ in sorted(((int(a), b) for a, b in r_.get("completions_per_second", {}).items()))
                    )
                    for r_ in v.get("runs", [])
                )
                for k, v in rows_rl.items()
                if ours(k)
            )
            + "."
        )
        lines.append("")

    def mp_t(k, v, rows, meta):
        # Steady state (after the first window, whose burst flatters calls/wall), as in 1d.
        failed, pct = v.get("failed_calls", 0), v.get("steady_pct") or v.get("throughput_pct") or 0
        ok = failed == 0 and pct >= 80
        summary.append(
            (
                f"{meta.get('processes')} processes, one limit {meta.get('limit')}: {k}",
                f"{failed} failed, steady {pct:.0f}% of the limit",
                "zero failed calls, ≥ 80% of the limit",
                ok,
            )
        )
        return verdict(ok)

    m = R.get("multiproc", {}).get("_meta", {})
    table(
        "multiproc",
        f"1e. Many processes, one subscription: {m.get('processes')} processes, {m.get('calls')} vulnerability "
        f"calls in all under {m.get('limit')} ({m.get('rate_per_s')}/s), {m.get('latency_ms')} ms latency",
        mp_t,
        extra_cols=[
            ("failed calls", lambda v: str(v.get("failed_calls", "—"))),
            ("429s answered (server log)", lambda v: str(v.get("http_429", "—"))),
            ("throughput (calls/wall)", lambda v: f"{v.get('throughput_pct', 0):.0f}%"),
            ("steady (after 1st window)", lambda v: f"{v['steady_pct']:.0f}%" if v.get("steady_pct") else "—"),
        ],
    )

    # 1f every container: the cursor list against the page-numbered list of the same containers
    def containers_t(k, v, rows, meta):
        floor = meta["calls"] * meta["latency_ms"] / 1000
        eff = meta["calls"] * (meta["latency_ms"] + meta.get("serve_ms", 0)) / 1000
        v["vs_floor"] = f"{(v['wall_s'] / floor - 1) * 100:+.0f}%"
        v["vs_effective"] = f"{(v['wall_s'] / eff - 1) * 100:+.0f}%"
        return ""

    m = R.get("containers", {}).get("_meta", {})
    calls, lat, serve = m.get("calls") or 0, m.get("latency_ms") or 0, m.get("serve_ms", 0)
    table(
        "containers",
        f"1f. Every container: bulk (cursor) list against the page-numbered list, {m.get('containers')} "
        f"containers, {m.get('limit')} a page, {lat} ms latency ({calls} pages; calls × latency = "
        f"{fmt_s(calls * lat / 1000)}; the simulator takes {serve:.1f} ms per bulk page at 0 ms latency)",
        containers_t,
        extra_cols=[
            ("vs calls × latency", lambda v: v.get("vs_floor", "—")),
            ("vs calls × (latency + serve)", lambda v: v.get("vs_effective", "—")),
        ],
    )
    if m:
        lines.append(
            "A bulk list is sequential by nature: each page's cursor arrives with the page before it, so "
            "no client can fetch its pages side by side, and its floor is pages × latency. The "
            "page-numbered list knows every page from the first one's `count` and fetches them "
            "concurrently; it is the faster way to every container when the inventory fits under its "
            "10,000-record cap. Not judged: the cursor target is 1b's."
        )
        lines.append("")

    # 2 decode
    d = R.get("decode", {})
    if d:
        lines.append(
            "### 2. Decode + convert one page (same bytes; median per page of interleaved rounds, "
            "CPU time, wall time beside it)"
        )
        lines.append("")
        lines.append(
            "| page | bytes | decoder | CPU time | wall time | time ÷ the judge's | time ÷ json.loads' | target |"
        )
        lines.append("|---|---|---|---|---|---|---|---|")
        # Python's converter is judged against orjson (the fastest dict builder there is), Node's
        # against JSON.parse (which it calls) within the run-to-run spread.
        for lang, judge, limit in (("python", "orjson.loads", 1.0), ("node", "JSON.parse", DECODE_TOLERANCE)):
            for page in d.get(lang, {}).get("pages", []):
                label = page.get("page") or f"{page['items']} items"
                ref = page["us"].get(judge)
                plain = page["us"].get("json.loads")
                for dn, us in page["us"].items():
                    tgt = ""
                    if dn.startswith("qualys") and ref:
                        ok = us <= ref * limit
                        tgt = verdict(ok)
                        want = f"≤ {limit:.2f}× {judge}"
                        summary.append((f"decode {label}: {dn}", f"{us / ref:.2f}× {judge}", want, ok))
                    wall = page.get("wall_us", {}).get(dn)
                    lines.append(
                        f"| {label} | {page['bytes']:,} | {dn} | {us:,.0f} µs | "
                        + (f"{wall:,.0f} µs" if wall is not None else "—")
                        + (f" | {us / ref:.2f}× {judge} | " if ref else " | — | ")
                        + (f"{us / plain:.2f}×" if plain else "—")
                        + f" | {tgt} |"
                    )
        lines.append("")

    e2e = d.get("page_fetch_us") if d else None
    if e2e:
        lines.append("### 2b. End to end: GET one page + decode + convert, 0 ms latency (median of repeated fetches)")
        lines.append("")
        lines.append("| page | client | time | vs requests + json |")
        lines.append("|---|---|---|---|")
        for n, row in e2e.items():
            base = row.get("requests + json")
            for k, us in sorted(row.items(), key=lambda kv: kv[1]):
                lines.append(
                    f"| {n} items | {k} | {us:,.0f} µs | {base / us:.2f}× |"
                    if base
                    else f"| {n} | {k} | {us:,.0f} µs | |"
                )
        lines.append("")

    # 3 GIL
    rows = {k: v for k, v in R.get("gil", {}).items() if not k.startswith("_") and v.get("wall_s")}
    if rows:
        m = R["gil"]["_meta"]
        lines.append(
            f"### 3. GIL: {m['threads']} Python threads, one {m['latency_ms']} ms call each (median of 5 rounds)"
        )
        lines.append("")
        lines.append("| client | wall | target (≤ 1.5 × one call) |")
        lines.append("|---|---|---|")
        for k, v in rows.items():
            ok = v["wall_s"] <= 1.5 * m["latency_ms"] / 1000
            if ours(k):
                summary.append(
                    (f"GIL {m['threads']} threads: {k}", fmt_s(v["wall_s"]), f"about {m['latency_ms']} ms", ok)
                )
            lines.append(f"| {k} | {fmt_s(v['wall_s'])} | {verdict(ok) if ours(k) else ''} |")
        lines.append("")

    # 4 memory + 6 scaling
    rows = {k: v for k, v in R.get("scale", {}).items() if not k.startswith("_") and v.get("wall_s")}
    if rows:
        lines.append("### 4 and 6. Full bulk inventory at 0 ms latency: scaling and memory")
        lines.append("")
        lines.append("| client | items | wall (median) | per 1k items | peak RSS growth |")
        lines.append("|---|---|---|---|---|")
        by_client = {}
        for k, v in sorted(rows.items(), key=lambda kv: (kv[1]["client"], kv[1]["size"])):
            per1k = v["wall_s"] / v["size"] * 1000
            by_client.setdefault(v["client"], []).append((v["size"], per1k))
            mem = f"{v['rss_growth_mb']:.1f} MB" if v.get("rss_growth_mb") is not None else ""
            lines.append(f"| {v['client']} | {v['size']:,} | {fmt_s(v['wall_s'])} | {per1k * 1000:.2f} ms | {mem} |")
            if v.get("rss_growth_mb") is not None and ours(k):
                ok = v["rss_growth_mb"] < 50
                summary.append(
                    (
                        f"memory, {v['size']:,} items: {v['client']}",
                        f"+{v['rss_growth_mb']:.1f} MB peak RSS",
                        "< 50 MB",
                        ok,
                    )
                )
        for cl, pts in by_client.items():
            big = [p for s, p in pts if s >= 10_000] or [p for s, p in pts]
            if ours(cl) and len(big) >= 2:
                knee = max(big) / min(big)
                summary.append(
                    (
                        f"scaling: {cl}",
                        f"per-1k time varies {knee:.2f}× over ≥ 10k sizes",
                        "linear, no knee (≤ 1.5×)",
                        knee <= 1.5,
                    )
                )
        lines.append("")

    # 6 DataFrame
    d = {k: v for k, v in R.get("dataframe", {}).items() if v.get("wall_s") is not None}
    if d:
        n = cfg["df_images"]
        lines.append(f"### 6. {n:,} images from `bulk_list` pages into a pandas DataFrame (0 ms latency)")
        lines.append("")
        lines.append("| how | wall (median) | rows × columns | DataFrame (deep) | peak RSS − start | peak / frame |")
        lines.append("|---|---|---|---|---|---|")
        labels = {
            "ours": "`to_pandas()` (columns built in Rust)",
            "normalize": "`json.loads` + `pd.json_normalize` (same page bytes)",
            "dicts": "`pd.DataFrame(list(pager))` (our dicts)",
        }
        for k, v in sorted(d.items(), key=lambda kv: kv[1]["wall_s"]):
            grow = v["peak_rss_mb"] - v["rss_before_mb"]
            lines.append(
                f"| {labels.get(k, k)} | {fmt_s(v['wall_s'])} | {v['runs'][-1]['items']:,} × {v['columns']:.0f} | "
                f"{v['df_mb']:.0f} MB | {grow:.0f} MB | {grow / max(v['df_mb'], 1e-9):.1f}× |"
            )
        lines.append("")
        if "ours" in d:
            peers = [d[k]["wall_s"] for k in ("normalize", "dicts") if k in d]
            if peers:
                x = min(peers) / d["ours"]["wall_s"]
                summary.append(("DataFrame: to_pandas vs the best peer", f"{x:.1f}× faster", "≥ 5×", x >= 5))
            o = d["ours"]
            ratio = (o["peak_rss_mb"] - o["rss_before_mb"]) / max(o["df_mb"], 1e-9)
            summary.append(("DataFrame: peak RSS growth / DataFrame memory", f"{ratio:.1f}×", "≤ 2×", ratio <= 2))

    # 5 startup
    s = R.get("startup", {})
    if s:
        lines.append(
            "### 5. Start-up (median wall of a fresh process; "
            "over = median of per-round differences from the interpreter's own empty start)"
        )
        lines.append("")
        lines.append("| command | median | over empty start | target |")
        lines.append("|---|---|---|---|")
        for k, base, label, lim in (
            ("python_import", "python_empty", 'python -c "import qualys_cs"', 50),
            ("node_require", "node_empty", "node -e \"require('qualys-cs'); new Client(...)\"", 20),
        ):
            if k in s and "median_ms" in s[k] and "median_ms" in s.get(base, {}):
                over = s[k].get("over_ms", s[k]["median_ms"] - s[base]["median_ms"])
                ok = over < lim
                summary.append((f"start-up: {label}", f"+{over:.1f} ms", f"< {lim} ms", ok))
                lines.append(f"| {label} | {s[k]['median_ms']:.1f} ms | +{over:.1f} ms | {verdict(ok)} (< {lim} ms) |")
        for k, label in (("python_empty", "python -c pass"), ("node_empty", 'node -e ""')):
            if "median_ms" in s.get(k, {}):
                lines.append(f"| {label} | {s[k]['median_ms']:.1f} ms | | |")
        lines.append("")

    head = ["### Targets", "", "| target | measured | wanted | |", "|---|---|---|---|"]
    head += [f"| {a} | {b_} | {c} | {'(smoke: not judged)' if smoke else verdict(ok)} |" for a, b_, c, ok in summary]
    head.append("")
    if b.problems:
        head += ["### Problems in this run", ""] + [f"- {p}" for p in b.problems] + [""]
    return "\n".join(lines[:2] + head + lines[2:]), summary


def update_readme(md: str):
    readme = BENCHES / "README.md"
    text = readme.read_text() if readme.exists() else ""
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start in text and end in text:
        pre, rest = text.split(start, 1)
        post = rest.split(end, 1)[1]
        text = f"{pre}{start}\n{md}\n{end}{post}"
    else:
        text += f"\n{start}\n{md}\n{end}\n"
    readme.write_text(text)
