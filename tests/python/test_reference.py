"""Every Python example of the API reference (docs/reference.md) runs against the simulator and
succeeds: its placeholders (``"SHA"``, ``"REGISTRY_ID"``, a ``{...}`` body) are filled with
records of the simulator and the API's sample request bodies, each example on a fresh simulator
(so a delete does not take another example's record). tests/node/reference.test.js does the same
for the Node examples."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from qualys_cs import Client
from qualys_cs.testing import Simulator

from .conftest import ROOT, TABLE

# Deterministic data: a fresh simulator with the same options has the same records.
SIM: dict[str, Any] = {"images": 10, "containers": 30, "counts": {"registries": 3}}
BY_ID = {e["id"]: e for e in TABLE["endpoints"]}


def sections() -> list[tuple[str, str, str]]:
    """(heading, endpoint id, Python example) of every method of the reference."""
    text = (ROOT / "docs" / "reference.md").read_text()
    out = []
    for s in re.split(r"^### ", text, flags=re.M)[1:]:
        ident = re.search(r"\(endpoint (\w+)\)", s)
        code = re.search(r"```python\n(.*?)```", s, re.S)
        assert ident and code, s[:80]
        out.append((s.split("\n")[0], ident.group(1), code.group(1)))
    return out


def sample_body(e: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's first sample request body (tests/fixtures), its placeholder values of an
    enum field (``"IMAGE / CONTAINER"``) replaced by the first value the table allows."""
    f = next((x for x in e["response"].get("fixture", []) if x.endswith(".request")), None)
    if f is None or not e.get("body") or e["body"]["kind"] != "json_object":
        return {}
    body: dict[str, Any] = json.loads((ROOT / "tests" / "fixtures" / f"{f}.json").read_text())
    for rule in e["body"].get("validation", []):
        field = rule["field"]
        if rule["rule"] == "enum" and "." not in field and "[" not in field:
            if field in body and body[field] not in rule["values"]:
                body[field] = rule["values"][0]
    return body


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    """Records of the simulator the examples need, chosen for the state each call requires."""
    with Simulator(**SIM) as sim:
        c = sim.client()
        registries = list(c.registries.list())
        schedules = [(r, s) for r in registries for s in c.registries.schedules.list(r["registryUuid"])]
        # A registry can be deleted, and a schedule changed, only when no scan of it is running.
        idle = next(r for r in registries if not (r.get("scheduleStatusList") or {}).get("Running"))
        done = next((r, s) for r, s in schedules if r is idle and s.get("status") not in ("Running", "Queued"))
        running = next((r, s) for r, s in schedules if s.get("status") == "Running")
        aws = c.registries.aws.connectors()
        arn = re.search(r"arn:aws:iam::(\d+):", aws[0]["arn"])
        assert arn
        posture: Any = next(iter(c.k8s_postures.list()))  # a shape the sources do not give
        return {
            "image": next(iter(c.images.list(page_size=1)))["sha"],
            "container": next(iter(c.containers.list(page_size=1)))["sha"],
            # The exception assignments take the UUID where the reads take the sha.
            "image_uuid": next(iter(c.images.list(page_size=1)))["uuid"],
            "container_uuid": next(iter(c.containers.list(page_size=1)))["uuid"],
            "idle": idle,
            "done": done,
            "running": running,
            "control": next(iter(c.controls.list()))["id"],
            "posture": posture["controlId"],
            "policy": next(iter(c.policies.list()))["uuid"],
            "sensor": next(iter(c.sensors.list()))["sensorId"],
            "report": next(r for r in c.reports.list() if r.get("status") == "COMPLETED")["reportUuid"],
            "cluster": next(iter(c.k8s_clusters.list()))["clusterUid"],
            "aws_account": arn.group(1),
            "acr": c.registries.acr.connectors()[0]["acrConnectorId"],
            "gcp": c.registries.gcp.connectors()[0]["gcpConnectorId"],
        }


# Where a sample body cannot be sent as printed: its ids are the documentation's, or the
# simulator already holds the record it creates; the bodies no sample shows.
BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "S02": lambda r: {"entitySha": r["image"], "tagsToAdd": [{"tagName": "prod"}]},
    "S27": lambda r: {"arn": "arn:aws:iam::111122223333:role/reference", "name": "reference"},
    "S28": lambda r: {"credentialType": "None"},
    "S29": lambda r: {"credentialType": "None", "registryUri": "https://reference.example"},
    "S30": lambda r: {"registryType": r["idle"]["registryType"], "registryUri": r["idle"]["registryUri"]},
    "P16": lambda r: {"name": "reference", "applicationId": "app-id", "clientSecret": "secret", "tenantId": "t"},
    "P19": lambda r: {"type": "service_account", "project_id": "reference"},
}
# Keys of a sample to leave out with the overrides above (the other credential kind).
DROP = {"S02": ["entityUUID"], "S28": ["aws"], "S29": ["aws"]}


def prepare(ident: str, client: Client) -> dict[str, str]:
    """Calls that act on a record an earlier step makes: the tag to update or delete, the report
    schedule to update."""
    if ident in ("S03", "S04"):
        name = sample_body(BY_ID["S03"])["name"] if ident == "S03" else "reference-tag"
        client.tags.create({"name": name, "tagInfoDataList": [{"entityType": "IMAGE", "rule": "image.repo:x"}]})
        return {"TAG_NAME": name}
    if ident in ("P36", "P37", "P39", "P41"):
        exception: Any = sample_body(BY_ID["P35"])
        if ident == "P41":
            exception["scope"] = "CONTAINER"
        return {"EXCEPTION_ID": client.exceptions.create(exception)["exceptionId"]}
    if ident in ("P42", "P44"):
        profile: Any = sample_body(BY_ID["P43"])
        created = client.sensor_profiles.create(profile)
        assert isinstance(created, dict)
        return {"PROFILE_ID": created["sensorProfileId"]}
    if ident == "P48":
        return {"UUID": str(next(iter(client.vulnerabilities.definitions()))["uuid"])}
    if ident == "S11":
        body: Any = sample_body(BY_ID["S10"])
        return {"SCHEDULE_ID": client.reports.create_schedule(body)["scheduleUuid"]}
    return {}


@pytest.mark.parametrize(("heading", "ident", "code"), sections(), ids=[s[0] for s in sections()])
def test_reference_python_example_runs(heading: str, ident: str, code: str, records: dict[str, Any]) -> None:
    e = BY_ID[ident]
    r = records
    res = e["resource"]
    reg, schedule = r["running"] if e["method"] == "cancel" else r["done"]
    with Simulator(**SIM) as sim:
        client = sim.client()
        values: dict[str, Any] = {
            "SHA": r["container"] if res == "containers" else r["image"],
            "IMAGE_ID": r["image"],
            "CONTAINER_ID": r["container"],
            "IMAGE_UUID": r["image_uuid"],
            "CONTAINER_UUID": r["container_uuid"],
            "SENSOR_ID": r["sensor"],
            "REGISTRY_ID": (reg if res == "registries.schedules" else r["idle"])["registryUuid"],
            "SCHEDULE_ID": schedule["scheduleUuid"],
            "POLICY_ID": r["policy"],
            "POLICY_TYPE": "CICD",
            "CONTROL_ID": r["posture"] if res == "k8s_postures" else r["control"],
            "REPORT_UUID": r["report"],
            "REPORT_UUIDS": r["report"],
            "CLUSTER_UID": r["cluster"],
            "ID": {"registries.aws": r["aws_account"], "registries.acr": r["acr"], "registries.gcp": r["gcp"]}.get(res),
            "NAME": "gcp-connector",
        }
        values.update(prepare(ident, client))

        def value(m: re.Match[str]) -> str:
            assert values.get(m.group(1)) is not None, f"{ident}: no value for the placeholder {m.group(1)}"
            return json.dumps(str(values[m.group(1)]))

        body = {k: v for k, v in sample_body(e).items() if k not in DROP.get(ident, [])}
        body.update(BODIES[ident](r) if ident in BODIES else {})
        if ident in ("P36", "P44"):  # an update sends the whole record again, as its create
            body = sample_body(BY_ID["P35" if ident == "P36" else "P43"])
        if ident in ("P39", "P41"):
            body = {"exceptionEvent": "ASSIGN", "exceptionIds": [values["EXCEPTION_ID"]]}
        source = re.sub(r'"([A-Z_]+)"', value, code)
        source = source.replace("{...}", "BODY").replace("[...]", "IDS")
        ids = [values["SCHEDULE_ID"] if res == "registries.schedules" else values["REGISTRY_ID"]]
        printed: list[Any] = []
        env = {"client": client, "BODY": body, "IDS": ids, "print": printed.append}
        exec(compile(source, f"reference.md: {heading}", "exec"), env)  # the documentation's own code
        if e.get("pagination"):
            assert printed, f"{heading}: the list printed nothing"
