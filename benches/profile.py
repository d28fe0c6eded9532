#!/usr/bin/env python3
"""Profile one client/scenario with py-spy (native frames included):
`python3 benches/profile.py CLIENT SCENARIO [--images N] [--latency-ms L] [worker args...]`.

Starts the simulator, runs `py_clients.py` under `py-spy record --native --format raw` and prints the
hottest functions (self time) from the collapsed stacks. The raw file stays in benches/results/.
"""

import argparse
import collections
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BENCHES, Simulator, target_dir


def main():
    p = argparse.ArgumentParser()
    p.add_argument("client")
    p.add_argument("scenario")
    p.add_argument("--images", type=int, default=100_000)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--python", default=str(BENCHES.parent / ".venv" / "bin" / "python"))
    p.add_argument("--rate", type=int, default=250)
    p.add_argument("--top", type=int, default=25)
    a, rest = p.parse_known_args()
    out = BENCHES / "results" / f"profile-{a.client}-{a.scenario}.txt"
    out.parent.mkdir(exist_ok=True)
    spy = str(Path(a.python).parent / "py-spy")
    with Simulator([str(target_dir() / "release" / "qualys-cs-sim")], a.images, a.latency_ms) as s:
        cmd = [
            spy,
            "record",
            "--native",
            "--threads",
            "--rate",
            str(a.rate),
            "--format",
            "raw",
            "-o",
            str(out),
            "--",
            a.python,
            str(BENCHES / "py_clients.py"),
            a.client,
            a.scenario,
            "--base-url",
            s.url,
            *rest,
        ]
        r = subprocess.run(cmd, capture_output=True, text=True)
        print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-2000:])
    self_t, total, incl = collections.Counter(), 0, collections.Counter()
    for line in out.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        n = int(n)
        frames = stack.split(";")
        total += n
        self_t[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    print(f"{total} samples; hottest by self time:")
    for f, n in self_t.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {f[:150]}")
    print("hottest by inclusive time (qualys/pyo3/serde/json frames):")
    keys = ("qualys", "pyo3", "serde", "json", "convert", "reqwest", "hyper", "decode")
    for f, n in [x for x in incl.most_common(400) if any(k in x[0].lower() for k in keys)][: a.top]:
        print(f"  {100 * n / total:5.1f}%  {f[:150]}")


if __name__ == "__main__":
    main()
