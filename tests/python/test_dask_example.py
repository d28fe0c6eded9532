"""examples/mssp_dask.py on a real Dask cluster: 3 tenants (3 simulators), 2 worker processes."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections import Counter

import pytest

from qualys_cs.testing import Simulator

pytest.importorskip("distributed")

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "mssp_dask.py"


def test_every_item_of_every_tenant_arrives_exactly_once(tmp_path: pathlib.Path) -> None:
    sizes = {"acme": (60, 25), "globex": (35, 40), "initech": (110, 10)}
    sims = {name: Simulator(images=i, containers=c, seed=n + 7) for n, (name, (i, c)) in enumerate(sizes.items())}
    try:
        tenants = [
            {"name": n, "base_url": s.url, "username": s.username, "password": s.password} for n, s in sims.items()
        ]
        (tmp_path / "tenants.json").write_text(json.dumps(tenants))
        out = tmp_path / "out"
        p = subprocess.run(
            [
                sys.executable,
                str(EXAMPLE),
                "--tenants",
                str(tmp_path / "tenants.json"),
                "--workers",
                "2",
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert p.returncode == 0, p.stderr[-3000:]
        for name, sim in sims.items():
            truth = sim.client()
            want = {
                "images": Counter(i["sha"] for i in truth.images.list(page_size=100)),
                "containers": Counter(c["sha"] for c in truth.containers.list(page_size=100)),
            }
            got: dict[str, Counter[str]] = {"images": Counter(), "containers": Counter()}
            for line in (out / f"{name}.jsonl").read_text().splitlines():
                item = json.loads(line)
                assert item["tenant"] == name
                got[item["resource"]][item["sha"]] += 1
            assert got == want, name
            assert set(want["images"].values()) == {1} and sum(want["images"].values()) == sizes[name][0]
            # One client per tenant per worker: at most one token request per worker process.
            assert len(sim.requests(endpoint=None)) > 0
            assert sum(1 for r in sim.requests() if r["path"] == "/auth") <= 2 + 1  # + the check's own client
        assert json.loads(p.stdout.strip().splitlines()[-1])["tenants"]["initech"] == {"images": 110, "containers": 10}
    finally:
        for s in sims.values():
            s.close()
