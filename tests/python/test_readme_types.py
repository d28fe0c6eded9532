"""The README's Python example type-checks under ``mypy --strict`` and ``pyright`` (strict), as a
user's script would: the response TypedDicts must help (``image["sha"]`` is a key the API always
sends) instead of fighting the reader."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from .conftest import ROOT


def readme_python() -> str:
    """The README's first Python block, as the body of a function (it uses `sha` and `async with`)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Python\n.*?```python\n(.*?)```", text, re.S)
    assert block, "the README has a Python example"
    body = textwrap.indent(block.group(1), "    ")
    return f"from __future__ import annotations\n\n\nasync def example(sha: str) -> None:\n{body}"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("readme") / "readme_example.py"
    path.write_text(readme_python())
    return path


def tool(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (bindings-python/test.sh installs it)")
    return found


def test_readme_example_passes_mypy_strict(example: pathlib.Path) -> None:
    r = subprocess.run([tool("mypy"), "--strict", "--no-incremental", str(example)], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_example_passes_pyright_strict(example: pathlib.Path) -> None:
    config = example.parent / "pyrightconfig.json"
    # A snippet imports what it shows and evaluates `...`: neither is a typing question.
    config.write_text(
        '{"typeCheckingMode": "strict", "reportUnusedImport": "none", "reportUnusedVariable": "none",'
        ' "reportUnusedExpression": "none"}'
    )
    r = subprocess.run([tool("pyright"), "--pythonpath", sys.executable, "-p", str(config), str(example)],
                       capture_output=True, text=True, timeout=300, cwd=example.parent)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
