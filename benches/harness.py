"""Shared pieces of the benchmark harness: paths, the simulator subprocess, workers, statistics."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
USER, PASSWORD = "qualys", "qualys"


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")


class SimulatorError(RuntimeError):
    pass


class Simulator:
    """`qualys-cs-sim` (or the dev stand-in) as a subprocess; `url` once it prints `listening on`."""

    def __init__(self, cmd: list[str], images: int, latency_ms: float = 0, rate_limits=(), extra=(), request_log=False):
        self.args = [*cmd, "--port", "0", "--images", str(images), "--latency-ms", str(int(latency_ms))]
        if not request_log:
            self.args.append("--no-request-log")
        for rl in rate_limits:
            self.args += ["--rate-limit", rl]
        self.args += list(extra)
        self.proc = None
        self.url = None

    def __enter__(self) -> Simulator:
        import tempfile

        self.errf = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads could fill and stall the server
        try:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.errf, text=True)
        except OSError as e:
            raise SimulatorError(f"cannot start the simulator {self.args[0]}: {e}") from e
        t0 = time.monotonic()
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line or "")
        if not m:
            self.proc.kill()
            self.proc.wait()
            self.errf.seek(0)
            err = self.errf.read()
            raise SimulatorError(f"simulator did not start: {self.args}\nstdout: {line!r}\nstderr: {err[-2000:]}")
        self.url = m.group(1).rstrip("/")
        self.startup_s = time.monotonic() - t0
        return self

    def statuses(self) -> dict:
        """Status counts of the /csapi requests in the simulator's request log (needs request_log=True)."""
        import urllib.request

        out = {}
        for r in json.loads(urllib.request.urlopen(self.url + "/__sim/requests", timeout=30).read()):
            if r.get("path", "").startswith("/csapi"):
                out[str(r.get("status"))] = out.get(str(r.get("status")), 0) + 1
        return out

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


def run_worker(cmd: list[str], timeout: float = 900, env=None) -> dict:
    """Run one measurement in a fresh process; the worker prints one JSON object as its last line."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (p.stderr or p.stdout)[-1500:].strip() or f"exit {p.returncode}"}
    out = json.loads(lines[-1])
    if p.returncode != 0:  # measured, then died (e.g. a crash at interpreter shutdown): keep both
        out["exit_code"] = p.returncode
        out["stderr_tail"] = p.stderr[-300:].strip()
    return out


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def which(name):
    return shutil.which(name)


def machine_info() -> dict:
    info = {"nproc": os.cpu_count(), "cpu": "?", "python": sys.version.split()[0]}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
    except Exception:
        pass
    try:
        info["kernel"] = os.uname().release
    except Exception:
        pass
    return info
