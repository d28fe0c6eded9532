#!/usr/bin/env python3
"""qualys-cs benchmarks, side by side against the simulator: `python3 benches/run.py [--smoke]`.

Every measurement runs in a fresh process (benches/py_clients.py, benches/node_clients.mjs,
decode_bench.*) against a `qualys-cs-sim` subprocess started per scenario with that scenario's
flags. Results go to benches/results/latest.{json,md}; a full run also rewrites the table in
benches/README.md. `--smoke` runs every scenario at tiny sizes and checks only that each returns the
right item counts (exit 1 otherwise). See benches/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decode_bench import SIM_PAGES
from harness import BENCHES, REPO, Simulator, SimulatorError, machine_info, median, run_worker, target_dir
from report import report, update_readme

PY_OURS = ["ours-sync", "ours-async"]
PY_PEERS = ["requests-seq", "httpx-async", "qualysdk-style"]
NODE_OURS = ["ours"]
NODE_PEERS = ["fetch-seq", "fetch-conc"]
SEQUENTIAL = {"requests-seq", "qualysdk-style", "node fetch-seq"}

FULL = dict(
    pn_images=10_000,
    pn_page=100,
    latency=50,
    cursor_images=100_000,
    cursor_limit=250,
    # Every container through the bulk (cursor) list, 250 a page: sequential by nature, so its time
    # is pages times latency, beside the page-numbered list of the same containers fetched concurrently.
    containers=8_000,
    fanout=1_000,
    fanout_seq=200,  # sequential peers run 200 calls and are scaled to 1,000 (linear by construction)
    rl_calls=50,
    rl_secs=5,
    rl_n=150,
    gil_threads=8,
    gil_latency=100,
    mem_images=1_000_000,
    # bulk_list pages into a pandas DataFrame: ours (to_pandas) against json.loads + json_normalize
    # of the same pages and against our dicts into pd.DataFrame, each in a fresh process.
    df_images=1_000_000,
    scale_sizes=[1_000, 10_000, 100_000, 1_000_000],
    startup_runs=21,
    page_fetches=40,
    scale_peers_max=100_000,
    scale_reps_max=10_000,
    reps=3,
    reps_slow=1,
    reps_slow_peers=1,
    reps_rl=2,
    mp_procs=4,
    mp_calls=60,
)
SMOKE = dict(
    pn_images=350,
    pn_page=100,
    latency=5,
    cursor_images=1_100,
    cursor_limit=250,
    containers=600,
    fanout=24,
    fanout_seq=12,
    rl_calls=10,
    rl_secs=1,
    rl_n=20,
    gil_threads=8,
    gil_latency=20,
    mem_images=3_000,
    df_images=1_200,
    scale_sizes=[500, 2_000],
    startup_runs=3,
    page_fetches=3,
    scale_peers_max=10_000,
    scale_reps_max=10_000,
    reps=1,
    reps_slow=1,
    reps_slow_peers=1,
    reps_rl=1,
    mp_procs=4,
    mp_calls=5,
)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# setup


def venv_python(args) -> str:
    if args.python:
        return args.python
    if sys.prefix != sys.base_prefix:  # already inside a venv
        return sys.executable
    venv = Path(os.environ.get("BENCH_VENV") or REPO / ".venv")
    py = venv / "bin" / "python"
    if not py.exists() and not args.no_setup:
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return str(py) if py.exists() else sys.executable


def sh(cmd, **kw):
    log("+", " ".join(map(str, cmd)))
    return subprocess.run(cmd, cwd=REPO, **kw)


def setup(args, py):
    if args.no_setup:
        return
    sh([py, "-m", "pip", "install", "-q", "-r", str(BENCHES / "requirements.txt")], check=True)
    if (REPO / "pyproject.toml").exists():
        have = subprocess.run([py, "-c", "import qualys_cs"], capture_output=True).returncode == 0
        # A timed run always builds the current source in release mode: whatever is installed may be
        # stale or the debug build `make test` leaves. Cargo's cache makes an unchanged rebuild quick.
        # The smoke run only counts items, so any build will do.
        if args.rebuild or not have or not args.smoke:
            env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir()))
            sh([py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(REPO)], check=True, env=env)
    if (REPO / "package.json").exists() and (REPO / "bindings-node").exists():
        built = list((REPO / "bindings-node").glob("*.node"))
        if args.rebuild or not built or not args.smoke:
            if not (REPO / "node_modules").exists():
                sh(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"], check=True)
            env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir()))
            sh(["npm", "run", "build"], check=True, env=env)
    if args.sim is None and (REPO / "simulator" / "Cargo.toml").exists():
        env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir()))
        sh(
            ["cargo", "build", "--release", "--quiet", "-p", "qualys-cs-sim", "--bin", "qualys-cs-sim"],
            check=True,
            env=env,
        )


def sim_cmd(args) -> list[str]:
    if args.sim == "devsim":
        return [sys.executable, str(BENCHES / "devsim.py")]
    if args.sim:
        return args.sim.split()
    return [str(target_dir() / "release" / "qualys-cs-sim")]


PKG_VERSIONS = """
import importlib.metadata as m
out = []
for p in ("qualys-cs", "requests", "httpx", "orjson"):
    try:
        out.append(f"{p} {m.version(p)}")
    except m.PackageNotFoundError:
        pass
print(", ".join(out))
"""


def versions(py) -> dict:
    v = {}

    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=30).stdout.strip()
        except Exception:
            return None

    v["python"] = out([py, "-c", "import sys; print(sys.version.split()[0])"])
    v["node"] = out(["node", "--version"])
    v["rustc"] = out(["rustc", "--version"])
    v["python packages"] = out([py, "-c", PKG_VERSIONS])
    v["commit"] = out(["git", "rev-parse", "--short", "HEAD"])
    return v


# --------------------------------------------------------------------------------------------------
# measurement


class Bench:
    def __init__(self, args, py, cfg):
        self.args, self.py, self.cfg = args, py, cfg
        self.results: dict = {}
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.have_ours_py = subprocess.run([py, "-c", "import qualys_cs"], capture_output=True, cwd="/").returncode == 0
        self.have_ours_node = (
            subprocess.run(["node", "-e", f"require({json.dumps(str(REPO))})"], capture_output=True).returncode == 0
        )
        self.have_node = subprocess.run(["node", "--version"], capture_output=True).returncode == 0
        if not self.have_ours_py:
            self.notes.append("qualys_cs is not importable in the bench venv: its rows are missing.")
        if not self.have_ours_node:
            self.notes.append("the qualys-cs Node binding is not built: its rows are missing.")
        if args.sim == "devsim":
            self.notes.append(
                "RUN AGAINST benches/devsim.py (a harness stand-in), NOT the real simulator: "
                "numbers are not comparable."
            )

    def sim(self, images, latency, rate_limits=(), request_log=False, extra=()):
        return Simulator(
            sim_cmd(self.args),
            images=images,
            latency_ms=latency,
            rate_limits=rate_limits,
            request_log=request_log,
            extra=extra,
        )

    def clients(self, py_peers=PY_PEERS, node_peers=NODE_PEERS):
        out = []
        if self.have_ours_py:
            out += [("py", c) for c in PY_OURS]
        if self.have_ours_node:
            out += [("node", c) for c in NODE_OURS]
        out += [("py", c) for c in py_peers]
        if self.have_node:
            out += [("node", c) for c in node_peers]
        return out

    @staticmethod
    def label(kind, client):
        return {
            "py": {"ours-sync": "qualys_cs (sync)", "ours-async": "qualys_cs (async)"},
            "node": {"ours": "qualys-cs (Node)"},
        }.get(kind, {}).get(client) or (f"node {client}" if kind == "node" else client)

    @staticmethod
    def is_ours(kind, client):
        return client.startswith("ours")

    def worker(self, kind, client, scenario, url, extra=()):
        if kind == "py":
            cmd = [self.py, str(BENCHES / "py_clients.py"), client, scenario, "--base-url", url, *extra]
            if client.startswith("ours") and self.args.ours_kwargs:
                cmd += ["--ours-kwargs", self.args.ours_kwargs]
        else:
            cmd = ["node", str(BENCHES / "node_clients.mjs"), client, scenario, "--base-url", url, *extra]
            if client == "ours" and self.args.ours_node_options:
                cmd += ["--ours-options", self.args.ours_node_options]
        return run_worker(cmd, timeout=self.args.worker_timeout)

    def record(self, scenario, key, r, expect=None, scale=1.0):
        row = self.results.setdefault(scenario, {}).setdefault(key, {"runs": []})
        if "error" in r:
            self.problems.append(f"{scenario}/{key}: {r['error'][-600:]}")
            log(f"  {key}: ERROR {r['error'][-300:]}")
            return
        if expect is not None and r.get("items") != expect:
            self.problems.append(f"{scenario}/{key}: {r.get('items')} items, expected {expect}")
        if r.get("exit_code"):
            sig = f" (signal {-r['exit_code']})" if r["exit_code"] < 0 else ""
            self.problems.append(
                f"{scenario}/{key}: the worker exited with {r['exit_code']}{sig} after its "
                f"measurement; {r.get('stderr_tail', '')[-150:]!r}"
            )
        if r.get("failures"):
            self.problems.append(f"{scenario}/{key}: {r['failures']} failed calls {r.get('errors', '')}")
        r["wall_scaled_s"] = r["wall_s"] * scale
        if scale != 1.0:
            row["scaled_from"] = r.get("items")
        row["runs"].append(r)
        log(f"  {key}: {r['wall_s']:.3f}s items={r.get('items')}" + (f" (x{scale:g})" if scale != 1 else ""))

    def finish(self, scenario):
        for key, row in self.results.get(scenario, {}).items():
            if key.startswith("_"):
                continue
            runs = row["runs"]
            if runs:
                row["wall_s"] = median([r["wall_scaled_s"] for r in runs])
                for k in ("rss_growth_mb", "calls", "http_429"):
                    if any(k in r for r in runs):
                        row[k] = median([r.get(k) for r in runs])

    # ---------------------------------------------------------------------------------- scenarios

    def pn(self):
        c = self.cfg
        n, ps, lat = c["pn_images"], c["pn_page"], c["latency"]
        log(f"[pn] page-numbered {n} images, pageSize {ps}, {lat} ms")
        with self.sim(n, lat) as s:
            for rep in range(c["reps"]):
                for kind, cl in self.clients():
                    if (
                        rep >= c["reps_slow_peers"]
                        and (self.label(kind, cl) in SEQUENTIAL)
                        and not self.args.full_baselines
                    ):
                        continue
                    r = self.worker(
                        kind, cl, "pn", s.url, ["--page-size", str(ps), "--concurrency", str(self.args.concurrency)]
                    )
                    self.record("pn", self.label(kind, cl), r, expect=n)
            # Diagnostic (not judged): the same with prefetch = max_concurrency, to show what the default costs.
            for _ in range(c["reps"]):
                for kind, cl in [k for k in self.clients(py_peers=[], node_peers=[]) if self.is_ours(*k)]:
                    extra = ["--page-size", str(ps)]
                    if kind == "py":
                        extra += ["--ours-kwargs", json.dumps({"prefetch": self.args.concurrency})]
                    else:
                        extra += ["--ours-options", json.dumps({"prefetch": self.args.concurrency})]
                    r = self.worker(kind, cl, "pn", s.url, extra)
                    self.record(
                        "pn", f"(diagnostic) {self.label(kind, cl)}, prefetch={self.args.concurrency}", r, expect=n
                    )
        self.results["pn"]["_meta"] = {"images": n, "page_size": ps, "latency_ms": lat, "calls": math.ceil(n / ps)}
        self.finish("pn")

    def cursor(self):
        c = self.cfg
        n, lim, lat = c["cursor_images"], c["cursor_limit"], c["latency"]
        log(f"[cursor] bulk list {n} images, limit {lim}, {lat} ms")
        with self.sim(n, 0) as s:
            serve = serve_time(s.url, lim, pages=min(12, math.ceil(n / lim)))
        log(f"  simulator's own time per bulk page at 0 ms latency: {serve * 1000:.1f} ms")
        with self.sim(n, lat) as s:
            for rep in range(c["reps_slow"]):
                for kind, cl in self.clients(node_peers=["fetch-seq"]):
                    if not self.is_ours(kind, cl) and rep >= c["reps_slow_peers"]:
                        continue
                    r = self.worker(kind, cl, "cursor", s.url, ["--limit", str(lim)])
                    self.record("cursor", self.label(kind, cl), r, expect=n)
        self.results["cursor"]["_meta"] = {
            "images": n,
            "limit": lim,
            "latency_ms": lat,
            "calls": math.ceil(n / lim),
            "serve_ms": serve * 1000,
        }
        self.finish("cursor")

    def containers(self):
        c = self.cfg
        n, lim, lat = c["containers"], c["cursor_limit"], c["latency"]
        log(f"[containers] every container: bulk list {n}, limit {lim}, and the page-numbered list, {lat} ms")
        world = ["--containers", str(n)]
        with self.sim(2000, 0, extra=world) as s:
            serve = serve_time(s.url, lim, pages=min(12, math.ceil(n / lim)), path=BULK_CONTAINERS)
        with self.sim(2000, lat, extra=world) as s:
            for rep in range(c["reps"]):
                for kind, cl in self.clients(py_peers=["requests-seq", "qualysdk-style"], node_peers=["fetch-seq"]):
                    ours = self.is_ours(kind, cl)
                    if not ours and rep >= c["reps_slow_peers"]:
                        continue
                    r = self.worker(kind, cl, "containers-cursor", s.url, ["--limit", str(lim)])
                    self.record("containers", self.label(kind, cl), r, expect=n)
                    if ours:
                        # The same containers through the page-numbered list, same page size: its pages
                        # are known from the first one's count, so they are fetched concurrently.
                        r = self.worker(kind, cl, "containers-pn", s.url, ["--page-size", str(lim)])
                        self.record("containers", f"(page-numbered list) {self.label(kind, cl)}", r, expect=n)
        self.results["containers"]["_meta"] = {
            "containers": n,
            "limit": lim,
            "latency_ms": lat,
            "calls": math.ceil(n / lim),
            "serve_ms": serve * 1000,
        }
        self.finish("containers")

    def fanout(self):
        c = self.cfg
        n, nseq, lat = c["fanout"], c["fanout_seq"], c["latency"]
        log(f"[fanout] vulnerabilities of {n} images, {lat} ms")
        with self.sim(max(n, 1000), lat) as s:
            for rep in range(c["reps"]):
                for kind, cl in self.clients():
                    key = self.label(kind, cl)
                    seq = key in SEQUENTIAL and not self.args.full_baselines
                    if seq and rep >= c["reps_slow_peers"]:
                        continue
                    m = nseq if seq else n
                    r = self.worker(
                        kind, cl, "fanout", s.url, ["--n", str(m), "--concurrency", str(self.args.concurrency)]
                    )
                    r.pop("done_t", None)
                    self.record("fanout", key, r, expect=m, scale=n / m)
        self.results["fanout"]["_meta"] = {"calls": n, "latency_ms": lat, "concurrency": self.args.concurrency}
        self.finish("fanout")

    def ratelimit(self):
        c = self.cfg
        calls, secs, n, lat = c["rl_calls"], c["rl_secs"], c["rl_n"], c["latency"]
        fam = self.args.rl_family
        log(f"[ratelimit] {n} calls, {fam}={calls}/{secs}, {lat} ms")
        rate = calls / secs
        # The SHAs come from an unlimited simulator with the same seed and size, so no call of the
        # measured window is spent on finding them.
        with self.sim(max(n, 1000), 0) as s:
            shas_file = BENCHES / "results" / "shas.json"
            shas_file.parent.mkdir(exist_ok=True)
            shas_file.write_text(json.dumps(fetch_shas(s.url, n)))
        for rep in range(c["reps_rl"]):
            for kind, cl in self.clients(node_peers=["fetch-conc"]):
                key = self.label(kind, cl)
                if self.args.smoke and cl == "qualysdk-style":
                    continue  # sleeps X-RateLimit-ToWait-Sec + 3 s by design: too slow for a smoke run
                if rep and not self.is_ours(kind, cl):
                    continue
                with self.sim(max(n, 1000), lat, rate_limits=[f"{fam}={calls}/{secs}"], request_log=True) as s:
                    r = self.worker(
                        kind,
                        cl,
                        "ratelimit",
                        s.url,
                        ["--n", str(n), "--concurrency", str(self.args.concurrency), "--shas-file", str(shas_file)],
                    )
                    try:
                        st_ = s.statuses()
                        r["server_statuses"] = st_
                        r["http_429"] = st_.get("429", 0)  # seen by the server, so ours count too
                    except Exception as e:  # the devsim has no request log
                        log(f"  (no request log: {e})")
                if "error" not in r:
                    t = r.pop("done_t", [])
                    hist = {}
                    for x in t:
                        hist[int(x)] = hist.get(int(x), 0) + 1
                    r["completions_per_second"] = hist
                    r["throughput_pct"] = 100 * (n / r["wall_s"]) / rate
                    if len(t) > calls + 1 and t[-1] > t[calls - 1]:
                        r["steady_pct"] = 100 * ((len(t) - calls) / (t[-1] - t[calls - 1])) / rate
                    failures = r.get("failures", 0)
                    r["failures"] = 0  # reported in the table, not a harness problem
                    r["failed_calls"] = failures
                self.record("ratelimit", key, r, expect=None)
                row = self.results["ratelimit"][key]
                for k in ("throughput_pct", "steady_pct", "failed_calls", "http_429"):
                    vals = [r_[k] for r_ in row["runs"] if k in r_]
                    if vals:  # the worst run: the target holds for every run or not at all
                        row[k] = max(vals) if k in ("failed_calls", "http_429") else min(vals)
        self.results["ratelimit"]["_meta"] = {
            "calls": n,
            "limit": f"{fam}={calls}/{secs}s",
            "rate_per_s": rate,
            "latency_ms": lat,
        }
        self.finish("ratelimit")

    def multiproc(self):
        """Several processes, one subscription: `mp_procs` workers with their own client share the
        simulator's limit (Qualys counts per subscription, so other processes' calls draw 429s)."""
        c = self.cfg
        calls, secs, lat, procs, per = c["rl_calls"], c["rl_secs"], c["latency"], c["mp_procs"], c["mp_calls"]
        fam, n, rate = self.args.rl_family, procs * per, calls / secs
        key = "qualys_cs (sync)"
        log(f"[multiproc] {procs} processes x {per} calls, {fam}={calls}/{secs}, {lat} ms")
        if not self.have_ours_py:
            return
        with self.sim(max(n, 1000), 0) as s:
            shas_file = BENCHES / "results" / "shas.json"
            shas_file.parent.mkdir(exist_ok=True)
            shas_file.write_text(json.dumps(fetch_shas(s.url, per)))
        from concurrent.futures import ThreadPoolExecutor

        for _rep in range(c["reps_rl"]):
            with self.sim(max(n, 1000), lat, rate_limits=[f"{fam}={calls}/{secs}"], request_log=True) as s:
                extra = ("--n", str(per), "--shas-file", str(shas_file), "--start-at", str(time.time() + 5))
                with ThreadPoolExecutor(procs) as ex:
                    rs = list(
                        ex.map(
                            lambda url, x=extra: self.worker("py", "ours-sync", "ratelimit", url, x), [s.url] * procs
                        )
                    )
                try:
                    http_429 = s.statuses().get("429", 0)
                except Exception:
                    http_429 = None
            errors = [r["error"] for r in rs if "error" in r]
            if errors:
                self.record("multiproc", key, {"error": errors[0]})
                continue
            start = min(r["t0_epoch"] for r in rs)
            wall = max(r["t0_epoch"] + r["wall_s"] for r in rs) - start
            done = sorted(r["t0_epoch"] - start + t for r in rs for t in r.get("done_t", []))
            r = {
                "wall_s": wall,
                "items": sum(r["items"] for r in rs),
                "failed_calls": sum(r.get("failures", 0) for r in rs),
                "http_429": http_429,
                "throughput_pct": 100 * (n / wall) / rate,
            }
            if len(done) > calls + 1 and done[-1] > done[calls - 1]:
                r["steady_pct"] = 100 * ((len(done) - calls) / (done[-1] - done[calls - 1])) / rate
            self.record("multiproc", key, r, expect=n)
            row = self.results["multiproc"][key]
            for k in ("throughput_pct", "steady_pct", "failed_calls", "http_429"):
                vals = [r_[k] for r_ in row["runs"] if r_.get(k) is not None]
                if vals:  # the worst run
                    row[k] = max(vals) if k in ("failed_calls", "http_429") else min(vals)
        self.results.setdefault("multiproc", {})["_meta"] = {
            "processes": procs,
            "calls": n,
            "limit": f"{fam}={calls}/{secs}s",
            "rate_per_s": rate,
            "latency_ms": lat,
        }
        self.finish("multiproc")

    def gil(self):
        c = self.cfg
        t, lat = c["gil_threads"], c["gil_latency"]
        log(f"[gil] {t} threads, one {lat} ms call each")
        with self.sim(1000, lat) as s:
            cls = (["ours-sync"] if self.have_ours_py else []) + ["requests-seq"]
            for cl in cls:
                r = self.worker("py", cl, "gil", s.url, ["--n", str(t)])
                r.pop("done_t", None)
                self.record(
                    "gil", self.label("py", cl) + (" (8 threads)" if cl == "requests-seq" else ""), r, expect=t * 5
                )
        self.results["gil"]["_meta"] = {"threads": t, "latency_ms": lat}
        self.finish("gil")

    def scale(self):
        """Full bulk inventory at 0 ms; the largest size also gives the memory figure (VmHWM growth)."""
        c = self.cfg
        log(f"[scale] bulk list at {c['scale_sizes']}, 0 ms; memory at {c['mem_images']}")
        sizes = sorted(set(c["scale_sizes"] + [c["mem_images"]]))
        cls = (
            ([("py", "ours-sync")] if self.have_ours_py else [])
            + ([("node", "ours")] if self.have_ours_node else [])
            + [("py", "requests-seq")]
        )
        for n in sizes:
            with self.sim(n, 0) as s:
                for kind, cl in cls:
                    if n > c["scale_peers_max"] and not (kind == "py" and cl == "ours-sync"):
                        continue  # the largest size only for the Python binding (the memory target)
                    reps = c["reps"] if n <= c["scale_reps_max"] else 1
                    for _ in range(reps):
                        sc = "mem" if (n == c["mem_images"] and kind == "py") else "scale"
                        r = self.worker(kind, cl, sc, s.url, ["--limit", "250"])
                        self.record("scale", f"{self.label(kind, cl)} @ {n}", r, expect=n)
                        self.results["scale"][f"{self.label(kind, cl)} @ {n}"].update(
                            size=n, client=self.label(kind, cl)
                        )
        self.finish("scale")

    def decode(self):
        import base64
        import urllib.request

        log("[decode] one page of each kind: images and containers at 50 and 1000 items, bulk pages")
        files = []
        with self.sim(2000, 0, extra=["--containers", "2000"]) as s:
            for label, path in SIM_PAGES:
                req = urllib.request.Request(
                    s.url + path,
                    headers={
                        "Authorization": "Basic " + base64.b64encode(b"qualys:qualys").decode(),
                        "Accept": "application/json",
                    },
                )
                body = urllib.request.urlopen(req, timeout=60).read()
                f = BENCHES / "results" / f"{label.replace(' ', '-')}.json"
                f.parent.mkdir(exist_ok=True)
                f.write_bytes(body)
                files.append(str(f))
            # End-to-end: fetch + decode + convert the same page at 0 ms latency, per client.
            e2e = {}
            cls = (
                ([("py", "ours-sync")] if self.have_ours_py else [])
                + [("py", "requests-seq")]
                + ([("node", "ours")] if self.have_ours_node else [])
                + ([("node", "fetch-seq")] if self.have_node else [])
            )
            for n in (50, 1000):
                for kind, cl in cls:
                    r = self.worker(
                        kind, cl, "page", s.url, ["--page-size", str(n), "--n", str(self.cfg["page_fetches"])]
                    )
                    if "error" in r:
                        self.problems.append(f"decode/page {kind} {cl}: {r['error'][-400:]}")
                        continue
                    if r.get("items") != n:
                        self.problems.append(f"decode/page {kind} {cl}: {r.get('items')} items, expected {n}")
                    for k, us in r.get("page_us", {}).items():
                        e2e.setdefault(str(n), {})[
                            ("node " if kind == "node" and not cl.startswith("ours") else "") + k
                        ] = us
        py = run_worker([self.py, str(BENCHES / "decode_bench.py"), *files])
        self.results["decode"] = {"python": py, "page_fetch_us": e2e}
        if "error" in py:
            self.problems.append(f"decode/python: {py['error']}")
        if self.have_node:
            nd = run_worker(["node", str(BENCHES / "decode_bench.mjs"), *files])
            self.results["decode"]["node"] = nd
            if "error" in nd:
                self.problems.append(f"decode/node: {nd['error']}")
        if not py.get("native"):
            self.notes.append(
                "qualys_cs exposes no native loads() hook (looked for qualys_cs._native.loads etc.): "
                "decode compares json/orjson only; the end-to-end page fetch is in the scenarios above."
            )

    def dataframe(self):
        n = self.cfg["df_images"]
        log(f"[dataframe] {n:,} images from bulk_list pages into a pandas DataFrame")
        if not self.have_ours_py:
            return
        with self.sim(n, 0) as s:
            for _rep in range(self.cfg["reps_slow"]):
                for mode in ("ours", "normalize", "dicts"):
                    cmd = [self.py, str(BENCHES / "dataframe_bench.py"), mode, "--base-url", s.url]
                    r = run_worker(cmd, timeout=self.args.worker_timeout)
                    self.record("dataframe", mode, r, expect=n)
        self.finish("dataframe")
        for row in self.results.get("dataframe", {}).values():
            runs = row.get("runs") or []
            for k in ("df_mb", "peak_rss_mb", "rss_before_mb", "columns"):
                if runs:
                    row[k] = median([r.get(k) for r in runs])

    def startup(self):
        runs = self.cfg["startup_runs"]
        log(f"[startup] median of {runs}")

        def t(*cmds):
            """Interleaved runs of the commands (a, b, a, b, ...) so machine noise hits both alike."""
            ts = [[] for _ in cmds]
            for i in range(runs + 1):
                for j, cmd in enumerate(cmds):
                    t0 = time.perf_counter()
                    p = subprocess.run(cmd, capture_output=True, cwd="/tmp")
                    dt = time.perf_counter() - t0
                    if p.returncode != 0:
                        return [{"error": p.stderr.decode()[-500:]}] * len(cmds)
                    if i:  # the first round warms the page cache
                        ts[j].append(dt)
            out = [{"median_ms": 1000 * median(x), "runs": len(x)} for x in ts]
            # "Over the empty start" is the median of the per-round differences: a difference of two
            # medians swung by ±20 ms on a busy 2-core machine, the paired one by a few ms.
            for o, x in zip(out[1:], ts[1:], strict=True):
                o["over_ms"] = 1000 * median([b - a for a, b in zip(ts[0], x, strict=True)])
            return out

        res = {}
        if self.have_ours_py:
            res["python_empty"], res["python_import"] = t([self.py, "-c", "pass"], [self.py, "-c", "import qualys_cs"])
        else:
            (res["python_empty"],) = t([self.py, "-c", "pass"])
        if self.have_node and self.have_ours_node:
            res["node_empty"], res["node_require"] = t(
                ["node", "-e", ""],
                [
                    "node",
                    "-e",
                    (
                        f"const {{ Client }} = require({json.dumps(str(REPO))}); "
                        "new Client({ baseUrl: 'http://127.0.0.1:9', username: 'u', password: 'p' })"
                    ),
                ],
            )
        for k, v in res.items():
            if "error" in v:
                self.problems.append(f"startup/{k}: {v['error']}")
        self.results["startup"] = res


BULK_IMAGES = "/csapi/v1.3/images/list"
BULK_CONTAINERS = "/csapi/v1.3/containers/list"


def serve_time(url, limit, pages=12, path=BULK_IMAGES):
    """Median time the simulator itself takes to answer one bulk page (0 ms latency, bytes only, no decode)."""
    import base64
    import http.client
    from urllib.parse import quote, urlsplit

    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    auth = "Basic " + base64.b64encode(b"qualys:qualys").decode()
    ts, pq = [], None
    for _ in range(pages):
        target = f"{path}?limit={limit}" + (f"&paginationQuery={quote(pq, safe='')}" if pq else "")
        t0 = time.perf_counter()
        conn.request("GET", target, headers={"Authorization": auth})
        r = conn.getresponse()
        r.read()
        ts.append(time.perf_counter() - t0)
        link = r.getheader("link")
        if not link or link == "null":
            break
        from urllib.parse import parse_qs

        pq = parse_qs(urlsplit(link.split(";")[0].strip().strip("<>")).query)["paginationQuery"][0]
    conn.close()
    return median(ts[1:] or ts)


def fetch_shas(url, n):
    import base64
    import urllib.request

    shas, page = [], 1
    while len(shas) < n:
        req = urllib.request.Request(
            f"{url}/csapi/v1.3/images?pageNumber={page}&pageSize=1000",
            headers={"Authorization": "Basic " + base64.b64encode(b"qualys:qualys").decode()},
        )
        data = json.loads(urllib.request.urlopen(req, timeout=60).read())["data"]
        shas += [d["sha"] for d in data]
        if len(data) < 1000:
            break
        page += 1
    return shas[:n]


SCENARIOS = [
    "startup",
    "decode",
    "gil",
    "pn",
    "fanout",
    "ratelimit",
    "multiproc",
    "cursor",
    "containers",
    "scale",
    "dataframe",
]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes; check item counts only")
    p.add_argument("--only", default="", help=f"comma list of {','.join(SCENARIOS)}")
    p.add_argument(
        "--sim",
        default=None,
        help="simulator command (default: the release qualys-cs-sim; 'devsim' = the harness stand-in)",
    )
    p.add_argument("--python", default=None, help="Python for the workers (default: ./.venv, created and filled)")
    p.add_argument("--no-setup", action="store_true", help="install/build nothing")
    p.add_argument("--rebuild", action="store_true", help="reinstall qualys_cs and rebuild the Node addon")
    p.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="requests in flight for the concurrent peers (= ours' default max_concurrency)",
    )
    p.add_argument("--rl-family", default="images", help="simulator rate-limit family for the vulnerability calls")
    p.add_argument("--full-baselines", action="store_true", help="run sequential peers at full size and every rep")
    p.add_argument("--ours-kwargs", default="", help="JSON of extra qualys_cs Client(...) arguments")
    p.add_argument("--ours-node-options", default="", help="JSON of extra Node Client options")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one size, e.g. --set cursor_images=20000 (see FULL in run.py)",
    )
    p.add_argument("--worker-timeout", type=float, default=600)
    p.add_argument("--no-readme", action="store_true", help="do not rewrite the table in benches/README.md")
    p.add_argument("--allow-missing", action="store_true", help="smoke: do not fail when a binding is missing")
    args = p.parse_args()
    started = time.time()
    py = venv_python(args)
    setup(args, py)
    cfg = dict(SMOKE if args.smoke else FULL)
    for kv in args.set:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    b = Bench(args, py, cfg)
    only = [s for s in args.only.split(",") if s] or SCENARIOS
    for sc in only:
        try:
            getattr(b, sc)()
        except SimulatorError as e:
            b.problems.append(f"{sc}: {e}")
            log(str(e))
    info, vers = machine_info(), versions(py)
    md, _summary = report(b, info, vers, started, args.smoke)
    out = BENCHES / "results"
    out.mkdir(exist_ok=True)
    name = "smoke" if args.smoke else ("partial" if args.only or args.sim == "devsim" else "latest")
    (out / f"{name}.json").write_text(
        json.dumps(
            {
                "machine": info,
                "versions": vers,
                "config": cfg,
                "notes": b.notes,
                "problems": b.problems,
                "results": b.results,
            },
            indent=1,
        )
    )
    (out / f"{name}.md").write_text(md + "\n")
    if not args.smoke and not args.no_readme and not args.only and args.sim != "devsim":
        update_readme(md)
    print(md)
    log(f"done in {(time.time() - started) / 60:.1f} min; results in {out}/{name}.md")
    missing = (not b.have_ours_py or not b.have_ours_node) and not args.allow_missing
    if args.smoke and (b.problems or missing):
        log("SMOKE FAILED:\n  " + "\n  ".join(b.problems + (["a binding is missing"] if missing else [])))
        sys.exit(1)


if __name__ == "__main__":
    main()
