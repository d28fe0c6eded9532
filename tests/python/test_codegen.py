"""The generated files are fresh, and the stubs type-check."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_generated_files_are_fresh() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "codegen" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
