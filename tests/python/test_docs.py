"""The user documentation: every relative link resolves (files and in-page anchors), the reference
covers every endpoint, and every Python and command-line block of the recipes runs against the
simulator."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from qualys_cs.testing import Simulator

from .conftest import ENDPOINTS, ROOT

# The npm README links to files beside it in the package (the packaging checks hold those).
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(md: pathlib.Path) -> set[str]:
    text = FENCE.sub("", md.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("md", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(md: pathlib.Path) -> None:
    text = FENCE.sub("", md.read_text())
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # external
        path, _, anchor = target.partition("#")
        dest = (md.parent / path).resolve() if path else md
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(target)
    assert not broken, f"{md.name}: {broken}"


def test_reference_covers_every_endpoint() -> None:
    text = (ROOT / "docs" / "reference.md").read_text()
    for e in ENDPOINTS:
        assert f"### {e['resource']}.{e['method']}" in text, e["id"]
        assert f"(endpoint {e['id']})" in text


@pytest.fixture(scope="module")
def docs_sim() -> Iterator[Simulator]:
    with Simulator(images=40, containers=20) as s:
        yield s


def blocks(lang: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer((ROOT / "docs" / "recipes.md").read_text()) if m.group(1) == lang]


def sim_env(sim: Simulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALYS_")}
    bindir = str(pathlib.Path(sys.executable).parent)
    env.update({"QUALYS_BASE_URL": sim.url, "QUALYS_USERNAME": sim.username, "QUALYS_PASSWORD": sim.password})
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


@pytest.mark.parametrize("n", range(len(blocks("python"))))
def test_recipe_python_blocks_run(n: int, docs_sim: Simulator, tmp_path: pathlib.Path) -> None:
    r = subprocess.run([sys.executable, "-c", blocks("python")[n]], env=sim_env(docs_sim), cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout or r.stderr


@pytest.mark.parametrize("n", range(len(blocks("sh"))))
def test_recipe_command_lines_run(n: int, docs_sim: Simulator, tmp_path: pathlib.Path) -> None:
    env = sim_env(docs_sim)
    client = docs_sim.client()
    env["IMAGE_SHA"] = next(iter(client.images.list(page_size=1)))["sha"]
    for line in blocks("sh")[n].strip().splitlines():
        r = subprocess.run(["bash", "-c", line], env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=120, check=False)  # fmt: skip
        # A gate may fail (1): the simulated image has findings; anything else is a broken recipe.
        assert r.returncode in (0, 1) if " gate " in line else r.returncode == 0, f"{line}: {r.stderr}"
