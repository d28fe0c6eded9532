"""The one shape file (spec/shapes.json) against what the API sends: every seed sample and fixture
response, and the simulator's answer of every list endpoint, checked against its endpoint's model.
No key of a sample unknown to its model, no value of another type than declared, no `required`
key missing or null. The Rust, Python and TypeScript types are generated from the same file
(codegen/shapes.py), so a wrong declaration here would be wrong in all three."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from qualys_cs import Client

from .conftest import ENDPOINTS, FIXTURES, ROOT

SPEC: dict[str, Any] = json.loads((ROOT / "spec" / "shapes.json").read_text())
MODELS: dict[str, Any] = SPEC["models"]
BY_ID = {e["id"]: e for e in ENDPOINTS}


def problems(value: Any, ty: str, where: str) -> list[str]:
    """What in `value` does not fit the declared type `ty` (empty when it fits)."""
    if value is None:
        return []
    m = re.fullmatch(r"(list|one_or_many)<(.+)>", ty)
    if m:
        if m.group(1) == "one_or_many" and isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return [f"{where}: expected a list ({ty}), got {type(value).__name__}"]
        return [p for i, v in enumerate(value) for p in problems(v, m.group(2), f"{where}[{i}]")]
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "timestamp": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "integer_text": lambda v: (
            (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit())
        ),
        "any": lambda v: True,
        "object": lambda v: isinstance(v, dict),
        # The custom types: their forms, as spec/shapes.json's `custom` describes them.
        "VulnList": lambda v: isinstance(v, (list, dict)),
        "VulnSplit": lambda v: isinstance(v, (list, dict)),
        "MetaData": lambda v: isinstance(v, (dict, str)),
        "TagRef": lambda v: isinstance(v, (dict, str)),
        "VulnsOrCounts": lambda v: isinstance(v, (list, dict)),
    }
    if ty in checks:
        return [] if checks[ty](value) else [f"{where}: expected {ty}, got {type(value).__name__} {value!r:.60}"]
    return model_problems(value, ty, where)


def model_problems(value: Any, model: str, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a {model} object, got {type(value).__name__}"]
    fields = {f["key"]: f for f in MODELS[model]["fields"]}
    out = [f"{where}.{k}: not declared in {model}" for k in value if k not in fields]
    for key, f in fields.items():
        if f.get("required") and value.get(key) is None:
            out.append(f"{where}.{key}: declared required in {model}, but absent or null")
        if key in value and value[key] is None and f.get("nullable") is False:
            out.append(f"{where}.{key}: declared never null in {model}, but null")
        if key in value:
            out += problems(value[key], f["type"], f"{where}.{key}")
    return out


def records(body: Any, endpoint: dict[str, Any]) -> list[Any]:
    """The values of the endpoint's model in a response body."""
    kind = endpoint["response"]["kind"]
    if kind == "page":
        data = body.get("data") if isinstance(body, dict) else body
        return data if isinstance(data, list) else [data]
    if kind == "bare_array":
        return list(body)
    return [body]


def fixture_cases() -> list[tuple[str, str]]:
    index: dict[str, Any] = json.loads((FIXTURES / "index.json").read_text())
    out: list[tuple[str, str]] = []
    for name, meta in sorted(index.items()):
        eid = (meta.get("sample") or {}).get("endpoint")
        if not name.endswith(".response.json") or not isinstance(eid, str) or eid not in BY_ID:
            continue
        if BY_ID[eid]["response"].get("model") and (FIXTURES / name).exists():
            out.append((name, eid))
    return out


FIXTURE_CASES = fixture_cases()


def test_the_fixtures_cover_many_models() -> None:
    # A check that looks at nothing passes by accident: the seeds name well over a dozen models.
    models = {BY_ID[e]["response"]["model"] for _, e in FIXTURE_CASES}
    assert len(models) >= 12, models


@pytest.mark.parametrize(("name", "eid"), FIXTURE_CASES, ids=[n for n, _ in FIXTURE_CASES])
def test_fixture_fits_its_model(name: str, eid: str) -> None:
    text = (FIXTURES / name).read_text()
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        pytest.skip("not a JSON body (an error page or text answer)")
    if isinstance(body, dict) and "errorCode" in body:
        pytest.skip("an error answer (ErrorBody), not the endpoint's model")
    endpoint = BY_ID[eid]
    model = endpoint["response"]["model"]
    found = [p for i, r in enumerate(records(body, endpoint)) for p in model_problems(r, model, f"{model}#{i}")]
    assert not found, "\n".join(found[:20])


def test_the_checker_finds_what_does_not_fit() -> None:
    assert model_problems({"sha": "x", "uuid": "u", "imageId": "i", "bogus": 1}, "Image", "Image") == [
        "Image.bogus: not declared in Image"
    ]
    assert model_problems({"sha": None, "uuid": "u", "imageId": "i"}, "Image", "Image") == [
        "Image.sha: declared required in Image, but absent or null"
    ]
    assert problems("12", "integer", "x") == ["x: expected integer, got str '12'"]
    assert problems({"qid": 1}, "list<Vulnerability>", "x") == ["x: expected a list (list<Vulnerability>), got dict"]


LISTS = [
    e for e in ENDPOINTS if e["response"]["kind"] == "page" and not e["path_params"] and e["response"].get("model")
]


@pytest.mark.parametrize("endpoint", LISTS, ids=[e["id"] for e in LISTS])
def test_simulator_list_page_fits_its_model(client: Client, endpoint: dict[str, Any]) -> None:
    page = client.request("GET", endpoint["path"])
    assert isinstance(page, dict)
    model = endpoint["response"]["model"]
    found = [p for i, r in enumerate(records(page, endpoint)) for p in model_problems(r, model, f"{model}#{i}")]
    assert not found, "\n".join(found[:20])


def test_vuln_details_are_their_declared_form(client: Client, samples: dict[str, Any]) -> None:
    # Python's types say `details` is a list for images and `{vulns, driftVulns}` for containers:
    # what the client hands over must be that form, whatever form the server used.
    image = client.images.vulnerabilities(samples["sha"])
    assert isinstance(image.get("details"), list)
    container = client.containers.vulnerabilities(samples["container_sha"])
    assert isinstance(container.get("details"), dict)


def live(client: Client, arg: str, samples: dict[str, Any]) -> Any:
    """A record id that exists now: other tests of the session delete registries and reports."""
    if arg in ("registry_id", "schedule_id"):
        registry = next(iter(client.registries.list()))
        if arg == "registry_id":
            return registry["registryUuid"]
        schedules = client.registries.schedules.list(registry["registryUuid"]).to_list()
        return schedules[0]["scheduleUuid"] if schedules else samples[arg]
    if arg == "exception_id":
        # None exists until one is made: the sample request of the documentation makes one.
        body = json.loads((FIXTURES / "public" / "exception_create.request.json").read_text())
        return client.exceptions.create(body)["exceptionId"]
    if arg == "report_uuid":
        reports = client.reports.list().to_list()
        return reports[0]["reportUuid"] if reports else samples[arg]
    return samples[arg]


# The simulator's connectors are AWS ones: an ACR or GCP connector id to fetch is not among the samples.
NO_SAMPLE = {"P18": "no ACR connector in the simulator's records", "P21": "no GCP connector in the simulator's records"}

OBJECTS = [
    e for e in ENDPOINTS if e["http"] == "GET" and e["response"]["kind"] == "json_object" and e["response"].get("model")
]


@pytest.mark.parametrize("endpoint", OBJECTS, ids=[e["id"] for e in OBJECTS])
def test_simulator_object_fits_its_model(client: Client, samples: dict[str, Any], endpoint: dict[str, Any]) -> None:
    if endpoint["id"] in NO_SAMPLE:
        pytest.skip(NO_SAMPLE[endpoint["id"]])
    path = endpoint["path"]
    for p in endpoint["path_params"]:
        arg = "container_sha" if p["name"] == "containerSha" else p["arg"]
        path = path.replace("{" + p["name"] + "}", str(live(client, arg, samples)))
    body = client.request("GET", path)
    model = endpoint["response"]["model"]
    found = model_problems(body, model, model)
    assert not found, "\n".join(found[:20])
