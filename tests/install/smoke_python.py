"""An installed `qualys_cs` works: it was loaded from the installed package, and it lists images from
the embedded simulator. Run from outside the repository by test_dist.sh and the release workflow."""

from __future__ import annotations

import pathlib

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
root = pathlib.Path(qualys_cs.__file__).parent
assert (root / "py.typed").exists() and (root / "_native.pyi").exists(), "typing files missing"
print(f"qualys_cs {qualys_cs.__version__} from {native.name}: listed 120 images from the simulator")
