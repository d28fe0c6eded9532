"""The examples run against the embedded simulator (no QUALYS_* credentials in the environment)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from .conftest import ROOT

EXAMPLES = ROOT / "examples"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALYS_")}
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


def test_inventory_export(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "images.jsonl"
    r = run("inventory_export.py", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(row["sha"] and row["vulnerabilities"] for row in rows)
    assert "exported" in r.stderr
    r = run("inventory_export.py", "--format", "csv", "-o", str(tmp_path / "images.csv"))
    assert r.returncode == 0 and (tmp_path / "images.csv").read_text().startswith("sha,")


@pytest.mark.parametrize("script", ["compliance_gate.py", "tag_assign.py"])
def test_other_examples(script: str) -> None:
    r = run(script, *(["--tag", "prod"] if script == "tag_assign.py" else []))
    assert r.returncode in ((0, 1) if script == "compliance_gate.py" else (0,)), r.stderr
    assert r.stdout
