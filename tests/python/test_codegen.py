"""The generated Python files are fresh (what `python3 codegen/generate.py --check` checks, limited to
the Python target so that another target's in-flight change does not fail the Python suite)."""

from __future__ import annotations

import importlib.util
import json
import sys

from .conftest import ROOT


def test_generated_python_files_are_fresh() -> None:
    # Loaded by path: the module name `python` is taken by this test package.
    sys.path.insert(0, str(ROOT / "codegen"))  # for its `from common import ...`
    try:
        spec = importlib.util.spec_from_file_location("codegen_python", ROOT / "codegen" / "python.py")
        assert spec and spec.loader
        python_target = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(python_target)
    finally:
        sys.path.remove(str(ROOT / "codegen"))
    table = json.loads((ROOT / "spec" / "endpoints.json").read_text())
    outputs: dict[str, str] = python_target.generate(table, ROOT)
    assert outputs
    for rel, content in outputs.items():
        assert (ROOT / rel).read_text() == content, f"{rel} is stale: run python3 codegen/generate.py"
