"""An installed `qualys_cs` works: it was loaded from the installed package, and it lists images from
the embedded simulator. Run from outside the repository by test_dist.sh and the release workflow."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import qualys_cs
from qualys_cs.testing import Simulator

native = pathlib.Path(qualys_cs._native.__file__)
assert "site-packages" in native.parts, f"qualys_cs._native loaded from {native}, not an installed wheel"
with Simulator(images=120) as sim:
    client = sim.client()
    assert sum(1 for _ in client.images.list(page_size=50)) == 120
    try:
        client.images.get("0" * 64)
        raise AssertionError("expected NotFoundError")
    except qualys_cs.NotFoundError:
        pass
    # The console script the install put beside the interpreter: the shared command line.
    script = pathlib.Path(sys.executable).parent / "qualys-cs"
    env = {"PATH": os.environ.get("PATH", ""), "QUALYS_BASE_URL": sim.url, "QUALYS_USERNAME": sim.username,
           "QUALYS_PASSWORD": sim.password}  # fmt: skip
    r = subprocess.run([str(script), "images", "list", "--page-size", "50", "--all", "-o", "jsonl"], env=env,
                       capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert len([json.loads(line) for line in r.stdout.splitlines()]) == 120, r.stdout[:200]
root = pathlib.Path(qualys_cs.__file__).parent
assert (root / "py.typed").exists() and (root / "_native.pyi").exists(), "typing files missing"
print(f"qualys_cs {qualys_cs.__version__} from {native.name}: listed 120 images from the simulator, also by the CLI")
