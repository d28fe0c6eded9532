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


def assert_mypy_strict(path: pathlib.Path) -> None:
    r = subprocess.run([tool("mypy"), "--strict", "--no-incremental", str(path)], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


def assert_pyright(path: pathlib.Path, config_json: str) -> None:
    config = path.parent / "pyrightconfig.json"
    config.write_text(config_json)
    r = subprocess.run([tool("pyright"), "--pythonpath", sys.executable, "-p", str(config), str(path)],
                       capture_output=True, text=True, timeout=300, cwd=path.parent)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_example_passes_mypy_strict(example: pathlib.Path) -> None:
    assert_mypy_strict(example)


def test_readme_example_passes_pyright_strict(example: pathlib.Path) -> None:
    # A snippet imports what it shows and evaluates `...`: neither is a typing question.
    assert_pyright(
        example,
        '{"typeCheckingMode": "strict", "reportUnusedImport": "none", "reportUnusedVariable": "none",'
        ' "reportUnusedExpression": "none"}',
    )


# Request bodies, typed from the API's sample requests: right bodies pass, and each wrong one must
# be reported (an ignore comment on a line with no error is itself an error for both checkers,
# so a body type that let a mistake through fails the test).
BODIES = """\
from __future__ import annotations

from qualys_cs import Client
from qualys_cs.bodies import RegistriesCreateBody, TagsAssignBody


def bodies(client: Client) -> None:
    registry: RegistriesCreateBody = {
        "registryType": "V2",
        "registryUri": "https://registry.example",
        "credentialType": "BasicAuth",
        "credential": {"username": "dXNlcg==", "password": "cHc="},
    }
    client.registries.create(registry)
    client.registries.update("b994c2e6", {"registryType": "V2", "registryUri": "https://r", "credentialType": "None"})
    assign: TagsAssignBody = {"entityType": "IMAGE", "entitySha": "sha", "tagsToAdd": [{"tagName": "prod"}]}
    client.tags.assign(assign)
    client.tags.create({"name": "prod", "tagInfoDataList": [{"entityType": "CONTAINER", "rule": "container.state:RUNNING"}]})
    client.reports.create({"name": "weekly", "templateName": "CS_IMAGE_VULNERABILITY", "expireAfter": 7})
    client.policies.create({"policyName": "p", "policyType": "CICD", "centralizedPolicyRules": [{"name": "r", "type": "T"}]})
    client.registries.schedules.create("reg", {"name": "nightly", "onDemand": False, "scheduleScanIntervalInDays": 7})
    client.registries.schedules.create("reg")

    client.registries.create({"registryType": "V2", "credentialType": "None"})  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    client.registries.create({"registryType": "V2", "registryUri": "https://r", "credentialType": "Password"})  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    client.tags.assign({"entityType": "IMAGE", "tagsToAdd": [{"tagNam": "prod"}]})  # type: ignore[typeddict-unknown-key]  # pyright: ignore[reportArgumentType]
    client.reports.create({"name": "weekly", "templateName": "T", "expireAfter": 5})  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    client.policies.create({"policyName": "p", "policyType": "CICD", "centralizedPolicyRules": [{"name": "r"}]})  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
"""  # noqa: E501  (a user's script, lines as long as they come)


@pytest.fixture(scope="module")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("bodies") / "bodies_example.py"
    path.write_text(BODIES)
    return path


def test_request_bodies_mypy_strict(bodies: pathlib.Path) -> None:
    assert_mypy_strict(bodies)


def test_request_bodies_pyright_strict(bodies: pathlib.Path) -> None:
    # `# type: ignore` is mypy's: pyright must find each error itself, and say so of a stale ignore.
    assert_pyright(
        bodies,
        '{"typeCheckingMode": "strict", "enableTypeIgnoreComments": false,'
        ' "reportUnnecessaryTypeIgnoreComment": "error"}',
    )


# The docs' recipes and the handler a user writes first (list images, fetch the critical ones'
# vulnerabilities, read `details`) type-check with no cast and no narrowing of a union: the
# response types are generated from spec/shapes.json, where `details` has one declared form and
# the images list and the bulk list have two item types.
HANDLER = """\
from __future__ import annotations

from qualys_cs import Client
from qualys_cs.types import BulkImage, Image, Vulnerability


def critical_findings(client: Client) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for image in client.images.list(filter="vulnerabilities.severity:5", page_size=50):
        counts = image.get("vulnerabilities") or {}
        if (counts.get("severity5Count") or 0) == 0:
            continue
        vulns: list[Vulnerability] = client.images.vulnerabilities(image["sha"]).get("details") or []
        for v in vulns:
            out.append((image["sha"][:12], v["qid"], v.get("title") or ""))
    return out


def bulk(client: Client) -> int:
    total = 0
    for item in client.images.bulk_list(limit=10):
        first: BulkImage = item
        total += len(first.get("vulnerabilities") or [])
    return total


def sizes(items: list[Image]) -> int:
    return sum(int(i.get("size") or 0) for i in items)
"""


def recipe_blocks() -> str:
    """Every Python block of docs/recipes.md, each the body of its own function."""
    text = (ROOT / "docs" / "recipes.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 3, "docs/recipes.md has Python recipes"
    out = ["from __future__ import annotations", ""]
    for i, b in enumerate(blocks):
        imports = [line for line in b.splitlines() if line.startswith(("import ", "from "))]
        body = [line for line in b.splitlines() if not line.startswith(("import ", "from "))]
        func = textwrap.indent("\n".join(body), "    ") or "    pass"
        out += [*imports, "", "", f"async def recipe_{i}() -> None:", func]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def handler(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("handler") / "handler_example.py"
    path.write_text(HANDLER)
    return path


@pytest.fixture(scope="module")
def recipes(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("recipes") / "recipes_example.py"
    path.write_text(recipe_blocks())
    return path


STRICT = (
    '{"typeCheckingMode": "strict", "reportUnusedImport": "none", "reportUnusedVariable": "none",'
    ' "reportUnusedExpression": "none"}'
)


def test_natural_handler_mypy_strict(handler: pathlib.Path) -> None:
    assert_mypy_strict(handler)


def test_natural_handler_pyright_strict(handler: pathlib.Path) -> None:
    assert_pyright(handler, STRICT)


def test_recipes_mypy_strict(recipes: pathlib.Path) -> None:
    assert_mypy_strict(recipes)


def test_recipes_pyright_strict(recipes: pathlib.Path) -> None:
    # A recipe that uses pandas is checked as a user without pandas-stubs would be.
    assert_pyright(recipes, STRICT[:-1] + ', "reportMissingTypeStubs": "none"}')
