#!/usr/bin/env python3
"""Serverless cold start: `python3 benches/coldstart.py [--smoke] [--runs N]`.

What a Lambda cold start costs the function: a fresh process loads the handler module (which makes
the client), then the first invocation runs (list containers, create the tag, assign it to each
container: 1 + 1 + `--containers` calls) against the simulator. Measured for the example handlers of
examples/lambda/ as their deployment packages unpack (built from dist/ by examples/lambda/build.sh,
so the release wheel and npm packages, not a dev build), against a plain urllib / fetch handler
making the same calls (benches/coldstart_plain.*). Each run is a new process; runs are interleaved
(empty, ours, plain, ...) and the table shows medians and, for each handler, the median of its
per-round difference to the empty interpreter (process start alone). `--smoke` runs 2 rounds and
checks only that every handler tagged the containers. Needs dist/ (`make dist-ci`). The simulator
is the one in the released wheel (`qualys_cs.testing`), run in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BENCHES, REPO, median

PY_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import {module} as h
t1 = time.perf_counter()
r = h.handler({{"limit": {limit}, "tag": "cold-start"}}, None)
t2 = time.perf_counter()
print(json.dumps({{"init_ms": (t1 - t0) * 1e3, "invoke_ms": (t2 - t1) * 1e3, "result": r}}))
"""
NODE_PROBE = """
const t0 = performance.now()
import({module}).then(async (m) => {{
  const h = m.handler ?? m.default.handler
  const t1 = performance.now()
  const r = await h({{ limit: {limit}, tag: 'cold-start' }})
  const t2 = performance.now()
  console.log(JSON.stringify({{ init_ms: t1 - t0, invoke_ms: t2 - t1, result: r }}))
}}).catch((e) => {{ console.error(e); process.exit(1) }})
"""


SIM_SERVER = """
import json, sys
from qualys_cs.testing import Simulator
with Simulator(images=50, containers=50) as sim:
    print(json.dumps({"url": sim.url, "username": sim.username, "password": sim.password}), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


def log(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--runs", type=int, default=None, help="rounds (default 21, smoke 2)")
    ap.add_argument("--containers", type=int, default=5, help="containers tagged by the first invocation")
    ap.add_argument("--dist", default=str(REPO / "dist"))
    args = ap.parse_args()
    runs = args.runs or (2 if args.smoke else 21)

    stage = Path(tempfile.mkdtemp(prefix="coldstart-"))
    env = dict(os.environ, DIST=os.path.relpath(args.dist, REPO), OUT=str(stage / "zips"), KEEP=str(stage / "pkg"))
    subprocess.run(
        ["bash", str(REPO / "examples/lambda/build.sh"), "x86_64"], cwd=REPO, check=True, env=env, stdout=sys.stderr
    )
    pkg = stage / "pkg"
    zips = {p.name: p.stat().st_size for p in sorted((stage / "zips").glob("*.zip"))}

    py, limit = sys.executable, args.containers
    cmds = {
        "python empty": ([py, "-c", "pass"], None),
        "python qualys_cs": ([py, "-c", PY_PROBE.format(module="handler", limit=limit)], pkg / "python"),
        "python urllib": ([py, "-c", PY_PROBE.format(module="coldstart_plain", limit=limit)], BENCHES),
        "node empty": (["node", "-e", ""], None),
        "node qualys-cs": (
            ["node", "-e", NODE_PROBE.format(module=json.dumps(str(pkg / "node/index.js")), limit=limit)],
            pkg / "node",
        ),
        "node fetch": (
            ["node", "-e", NODE_PROBE.format(module=json.dumps(str(BENCHES / "coldstart_plain.mjs")), limit=limit)],
            BENCHES,
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    inner: dict[str, list[dict[str, float]]] = {k: [] for k in cmds}
    problems: list[str] = []
    sim_proc = subprocess.Popen(
        [py, "-c", SIM_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(pkg / "python")),
    )  # fmt: skip
    try:
        assert sim_proc.stdout is not None
        sim = json.loads(sim_proc.stdout.readline())
        base_env = dict(
            os.environ,
            QUALYS_BASE_URL=sim["url"],
            QUALYS_USERNAME=sim["username"],
            QUALYS_PASSWORD=sim["password"],
            QUALYS_AUTH="basic",
        )
        for k in ("QUALYS_TOKEN", "QUALYS_PLATFORM", "QUALYS_AUTH_URL", "PYTHONPATH"):
            base_env.pop(k, None)
        for i in range(runs + 1):
            for name, (cmd, cwd) in cmds.items():
                env = dict(base_env)
                if cwd is not None and name.startswith("python"):
                    env["PYTHONPATH"] = str(cwd)  # Lambda puts the function's folder on sys.path
                t0 = time.perf_counter()
                p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or "/tmp", env=env)
                dt = time.perf_counter() - t0
                if p.returncode != 0:
                    problems.append(f"{name}: exit {p.returncode}: {p.stderr[-800:]}")
                    continue
                if "empty" not in name:
                    out = json.loads(p.stdout.strip().splitlines()[-1])
                    if out["result"].get("tagged") != limit:
                        problems.append(f"{name}: tagged {out['result']} instead of {limit}")
                    if i:
                        inner[name].append(out)
                if i:  # the first round warms the page cache, as a re-used Lambda host would be
                    times[name].append(dt)
    finally:
        if sim_proc.stdin:
            sim_proc.stdin.close()
        sim_proc.wait(10)
        shutil.rmtree(stage, ignore_errors=True)
    if problems:
        log("COLD START FAILED:\n  " + "\n  ".join(dict.fromkeys(problems)))
        return 1

    rows = []
    for name in cmds:
        lang = name.split()[0]
        empty = times[f"{lang} empty"]
        over = median([b - a for a, b in zip(empty, times[name], strict=True)]) if "empty" not in name else None
        ins = inner[name]
        rows.append(
            (
                name,
                1e3 * median(times[name]),
                None if over is None else 1e3 * over,
                median([x["init_ms"] for x in ins]) if ins else None,
                median([x["invoke_ms"] for x in ins]) if ins else None,
            )
        )

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.0f}"

    md = [
        f"Cold start, {runs} rounds{' (SMOKE: not judged)' if args.smoke else ''}: a fresh process loads the handler "
        f"and invokes it once (list containers, create the tag, tag {limit} containers) against the simulator.",
        "",
        "| handler | process total, ms | over the empty process, ms | load + client, ms | first invocation, ms |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {n} | {f(t)} | {f(o)} | {f(i)} | {f(v)} |" for n, t, o, i, v in rows],
        "",
        "Deployment zips (x86_64): " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in zips.items()),
    ]
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
