"""The simulator's answers against Qualys' own OpenAPI description of csapi v1.3
(tests/fixtures/openapi/csapi-v1.3.yaml; its origin is in the README beside it).

Every JSON-answering operation of the description is called on the simulator and its 200 answer is
validated against the operation's response schema. Where the seeds (the samples Qualys published
later) disagree with the description, the seeds win: those differences are the relaxations below,
each with its reason, and the README lists them. Anything else that does not validate is a
simulator bug.
"""

from __future__ import annotations

import base64
import copy
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from qualys_cs.testing import Simulator

from .conftest import FIXTURES

yaml = pytest.importorskip("yaml")
validator_mod = pytest.importorskip("openapi_schema_validator")

SPEC: dict[str, Any] = yaml.safe_load((FIXTURES / "openapi" / "csapi-v1.3.yaml").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
BASE = "/csapi/v1.3"

# Fields whose type the seeds give otherwise: (schema, property) -> (the seeds' type, why).
SEEDS_WIN_FIELDS: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("Image", "size"): ({"type": "integer"}, "S002's images list sample sends `size` as a number"),
    ("ImageDetails", "size"): ({"type": "integer"}, "as on the images list (S002)"),
    ("Layer", "size"): ({"type": "integer"}, "as the image's own size (S002)"),
    ("BulkImageDetails", "size"): ({"type": "integer"}, "as on the images list (S002)"),
    ("Vulnerability", "customerSeverity"): (
        {"type": "integer"},
        "S003's image vuln sample sends `customerSeverity: 2`",
    ),
}

# Whole answers whose shape the seeds give otherwise: (method, path) -> (the seeds' schema, why).
SEEDS_WIN_ANSWERS: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("get", "/registry/aws/connectors"): (
        {"type": "array", "items": {"$ref": "#/components/schemas/AwsConnector"}},
        "S25's sample (003) is a bare array of connectors, not one connector",
    ),
}
# Properties of an answer whose shape the seeds give otherwise.
SEEDS_WIN_PROPERTIES: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("ImageVulnerability", "details"): (
        {"type": "array", "items": {"$ref": "#/components/schemas/Vulnerability"}},
        "S003's image vuln sample has `details` as a list of vulns (API.md open question 9)",
    ),
}


def schema_for(name: str) -> dict[str, Any]:
    s: dict[str, Any] = copy.deepcopy(SCHEMAS[name])
    for (owner, prop), (override, _why) in {**SEEDS_WIN_FIELDS, **SEEDS_WIN_PROPERTIES}.items():
        if owner == name and prop in s.get("properties", {}):
            s["properties"][prop] = override
    return s


def resolve(s: Any, seen: tuple[str, ...] = ()) -> Any:
    """Inlines every `$ref` (a cycle stops at an open schema) and applies two global rules the
    seeds force:

    - any value may be `null`: the seeds show `null` for fields of every kind (`lastScanned`,
      `fixed`, `port`, `software`, `registryUuid`...), and the description, generated from Java
      models, marks none `nullable`;
    - `type: object` with no properties is the generator's spelling of Java's `Object`, which holds
      any JSON value (the bulk lists' `softwares`/`vulnerabilities` are lists in every sample).
    """
    if isinstance(s, list):
        return [resolve(x, seen) for x in s]
    if not isinstance(s, dict):
        return s
    if "$ref" in s:
        name = s["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return {}
        return resolve(schema_for(name), (*seen, name))
    out = {k: resolve(v, seen) for k, v in s.items() if k != "example"}
    if out.get("type") == "object" and not out.get("properties") and "additionalProperties" not in out:
        return {}
    if "type" in out:
        out["nullable"] = True
    return out


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """The description's operations whose 200 is a JSON document with a schema."""
    out = []
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            content = op.get("responses", {}).get("200", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            # `type: string` answers are Java `String` bodies: any text fits, nothing to validate.
            if schema is None or schema.get("type") in ("string", "boolean"):
                continue
            out.append((method, path, schema))
    return out


def call(sim: Simulator, method: str, path: str) -> tuple[int, str, bytes]:
    auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
    req = urllib.request.Request(
        sim.url + BASE + path, method=method.upper(), headers={"Authorization": f"Basic {auth}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


def get_json(sim: Simulator, path: str) -> Any:
    status, _ct, body = call(sim, "get", path)
    assert status == 200, (path, body)
    return json.loads(body)


@pytest.fixture(scope="module")
def ids(sim: Simulator) -> dict[str, str]:
    registry = get_json(sim, "/registry?pageSize=1")["data"][0]["registryUuid"]
    reports = get_json(sim, "/reports")["data"]
    done = [r for r in reports if str(r.get("status", "")).upper() in ("COMPLETED", "SUCCESS", "DONE")]
    return {
        "imageSha": get_json(sim, "/images?pageSize=1")["data"][0]["sha"],
        "containerSha": get_json(sim, "/containers?pageSize=1")["data"][0]["sha"],
        "registryId": registry,
        "scheduleId": get_json(sim, f"/registry/{registry}/schedule")["data"][0]["scheduleUuid"],
        "sensorId": get_json(sim, "/sensors?pageSize=1")["data"][0]["sensorId"],
        "controlId": str(get_json(sim, "/controls?pageSize=1")["data"][0]["id"]),
        "reportUuid": (done or reports)[0]["reportUuid"],
        "acr": get_json(sim, "/registry/acr/connectors")[0]["acrConnectorId"],
        "gcp": get_json(sim, "/registry/gcp/connectors")[0]["gcpConnectorId"],
        "accountId": str(get_json(sim, "/registry/aws/connectors")[0]["arn"].split(":")[4]),
    }


def concrete(path: str, ids: dict[str, str]) -> str:
    if path.startswith("/registry/acr/connector/"):
        return path.replace("{connectorId}", ids["acr"])
    if path.startswith("/registry/gcp/connector/"):
        return path.replace("{connectorId}", ids["gcp"])
    for k, v in ids.items():
        path = path.replace("{" + k + "}", v)
    return path


OPERATIONS = operations()


def test_the_description_is_the_one_kept() -> None:
    assert SPEC["info"]["version"] == "v1.3"
    assert sum(len(ops) for ops in SPEC["paths"].values()) == 53
    # Every relaxation names something the description has.
    for owner, prop in {**SEEDS_WIN_FIELDS, **SEEDS_WIN_PROPERTIES}:
        assert prop in SCHEMAS[owner]["properties"], (owner, prop)
    for method, path in SEEDS_WIN_ANSWERS:
        assert method in SPEC["paths"][path]


@pytest.mark.parametrize(("method", "path", "schema"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS])
def test_answer_fits_the_descriptions_schema(
    method: str, path: str, schema: dict[str, Any], sim: Simulator, ids: dict[str, str]
) -> None:
    if (method, path) in SEEDS_WIN_ANSWERS:
        schema = SEEDS_WIN_ANSWERS[(method, path)][0]
    query = "?limit=20" if path.endswith("/list") else ""
    if method == "delete":
        # A write: on a simulator of its own, so the shared one keeps its reports.
        assert path == "/reports", "a new write operation needs its arguments here"
        with Simulator() as own:
            report = get_json(own, "/reports")["data"][0]["reportUuid"]
            status, ctype, body = call(own, method, f"{path}?reportUuids={report}")
    else:
        status, ctype, body = call(sim, method, concrete(path, ids) + query)
    assert status == 200, body
    assert ctype.startswith("application/json"), ctype
    validator = validator_mod.OAS30Validator(resolve(schema))
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
    shown = ["/".join(map(str, e.absolute_path)) + ": " + e.message[:200] for e in errors[:10]]
    assert not errors, f"{len(errors)} differences:\n" + "\n".join(shown)
