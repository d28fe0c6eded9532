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


def test_demo_short(tmp_path: pathlib.Path) -> None:
    """`make demo` in its short mode: every part runs and every file is written."""
    r = run("demo.py", "--short", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    inventory = [json.loads(line) for line in (tmp_path / "inventory.jsonl").read_text().splitlines()]
    assert len(inventory) == 600 and all(i["sha"] for i in inventory)
    vulns = [json.loads(line) for line in (tmp_path / "vulnerabilities.jsonl").read_text().splitlines()]
    assert vulns and all(v["severity"] >= 1 for v in vulns)
    assert "top repositories by critical images" in r.stdout and "top severity-5 QIDs" in r.stdout
    assert "plain sequential loop: 600 images" in r.stdout
    report = (tmp_path / "report.html").read_text()
    assert 'class="stack"' in report and "Top severity-5 QIDs" in report


def test_triage_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/triage.ipynb runs headless, start to end, against the simulator (bounded in time)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    for k in [k for k in os.environ if k.startswith("QUALYS_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(EXAMPLES / "triage.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, startup_timeout=60, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "<SyncPager images.list(page_size=200): not started>" in text
    assert "(400, " in text and "images have severity-5 vulnerabilities" in text
    assert "records written" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the chart


def test_exception_workflow() -> None:
    """An exception hides its QID from the image's list until it is deassigned."""
    r = run("exception_workflow.py")
    assert r.returncode == 0, r.stderr
    assert "hidden from the vulnerability list" in r.stdout
    assert "with apply_exception=False: listed" in r.stdout
    assert "back in the vulnerability list" in r.stdout
    r = run("exception_workflow.py", "--keep", "--days", "7")
    assert r.returncode == 0, r.stderr
    assert "valid 7 days" in r.stdout and "kept: deassign with PUT /csapi/v1.3/images/" in r.stdout
