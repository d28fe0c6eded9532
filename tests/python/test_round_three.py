"""The 2026 endpoints from Python: exceptions (and how they hide vulnerabilities), sensor profiles
and the vulnerability views, each against a fresh simulator: the request on the wire as the guide
shows it, and the answer as the server sent it (nothing dropped, nothing renamed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import qualys_cs
from qualys_cs import AsyncClient, Client
from qualys_cs.testing import Simulator

from .conftest import fixture_json


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(images=20, containers=40) as s:
        yield s


@pytest.fixture
def client(sim: Simulator) -> Client:
    return sim.client(max_retries=0)


def last(sim: Simulator, endpoint: str) -> dict[str, Any]:
    log = sim.requests(endpoint=endpoint)
    assert log, f"no {endpoint} request"
    return log[-1]


def raw_json(sim: Simulator, path: str) -> Any:
    """The answer's bytes decoded by the standard library: what the client must return unchanged."""
    import urllib.request

    req = urllib.request.Request(sim.url + path, headers={"Authorization": "Basic cXVhbHlzOnF1YWx5cw=="})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def an_image(client: Client) -> tuple[str, str, list[int]]:
    img = next(iter(client.images.list(page_size=1)))
    vulns = client.images.vulnerabilities(img["sha"], apply_exception=False)
    return img["uuid"], img["sha"], [v["qid"] for v in vulns["details"]]


def exception_body(scope: str, ids: list[str], qids: list[int]) -> Any:
    body: dict[str, Any] = fixture_json("public/exception_create.request.json")
    body["scope"] = scope
    body["entityAssignmentRequest"] = {"idsToAdd": ids, "additionFilter": None}
    # The simulator's stand-in for the QIDs of the search list `listId` names.
    body["qids"] = qids
    return body


def event(kind: str, ids: list[str]) -> Any:
    """An assignment body: ``{exceptionEvent, exceptionIds}``."""
    return {"exceptionEvent": kind, "exceptionIds": ids}


def qids_of(client: Client, sha: str, **kw: Any) -> set[int]:
    return {v["qid"] for v in client.images.vulnerabilities(sha, **kw)["details"]}


def test_exception_calls_are_sent_as_documented(sim: Simulator, client: Client) -> None:
    body = fixture_json("public/exception_create.request.json")
    created = client.exceptions.create(body)
    r = last(sim, "P35")
    assert (r["method"], r["path"], r["body"]) == ("POST", "/csapi/v1.3/exception", body)
    xid = created["exceptionId"]
    got = client.exceptions.get(xid, include_qids=True)
    assert last(sim, "P37")["query"] == "includeQids=true"
    assert got == raw_json(sim, f"/csapi/v1.3/exception/{xid}?includeQids=true")
    assert got["qids"] == [] and "qids" not in client.exceptions.get(xid)
    dynamic = fixture_json("public/exception_create_dynamic.request.json")
    assert client.exceptions.update(xid, dynamic) == {"exceptionId": xid}
    r = last(sim, "P36")
    assert (r["method"], r["path"], r["body"]) == ("PUT", f"/csapi/v1.3/exception/{xid}", dynamic)


def test_a_table_rule_is_checked_before_sending(sim: Simulator, client: Client) -> None:
    body = fixture_json("public/exception_create_dynamic.request.json")
    del body["dynamicFilter"]
    with pytest.raises(qualys_cs.ValidationError, match="dynamicFilter"):
        client.exceptions.create(body)
    assert not sim.requests(endpoint="P35")


def test_assignments_take_the_uuid_not_the_sha(sim: Simulator, client: Client) -> None:
    uuid, sha, qids = an_image(client)
    xid = client.exceptions.create(exception_body("IMAGE", [], qids[:1]))["exceptionId"]
    assign = event("ASSIGN", [xid])
    with pytest.raises(qualys_cs.NotFoundError, match="UUID"):
        client.images.update_exceptions(sha, assign)
    assert client.images.update_exceptions(uuid, assign) == {"imageUuid": uuid}
    assert last(sim, "P39")["path"] == f"/csapi/v1.3/images/{uuid}/exceptions"
    listed = client.images.exceptions(sha)
    assert listed == raw_json(sim, f"/csapi/v1.3/images/{sha}/exceptions")
    assert [x["exceptionId"] for x in listed["data"]] == [xid] and listed["count"] == 1

    ctr = next(iter(client.containers.list(page_size=1)))
    cxid = client.exceptions.create(exception_body("CONTAINER", [], []))["exceptionId"]
    cassign = event("ASSIGN", [cxid])
    with pytest.raises(qualys_cs.NotFoundError):
        client.containers.update_exceptions(ctr["sha"], cassign)
    # The guide's key, capital C and all, as the server sent it.
    assert client.containers.update_exceptions(ctr["uuid"], cassign) == {"ContainerUuid": ctr["uuid"]}
    assert cxid in [x["exceptionId"] for x in client.containers.exceptions(ctr["sha"])["data"]]


def test_an_exception_hides_its_qid_until_deassigned(sim: Simulator, client: Client) -> None:
    uuid, sha, qids = an_image(client)
    qid = qids[0]
    xid = client.exceptions.create(exception_body("IMAGE", [], [qid]))["exceptionId"]
    assert qid in qids_of(client, sha)
    client.images.update_exceptions(uuid, event("ASSIGN", [xid]))
    assert qid not in qids_of(client, sha)
    assert qid in qids_of(client, sha, apply_exception=False)
    assert last(sim, "S42")["query"] == "applyException=false"
    client.images.update_exceptions(uuid, event("DEASSIGN", [xid]))
    assert qid in qids_of(client, sha)
    assert client.images.exceptions(sha)["count"] == 0


async def test_async_assignment(sim: Simulator) -> None:
    ac: AsyncClient = sim.async_client(max_retries=0)
    img = (await ac.images.list(page_size=1).to_list())[0]
    x = await ac.exceptions.create(exception_body("IMAGE", [], []))
    out = await ac.images.update_exceptions(img["uuid"], event("ASSIGN", [x["exceptionId"]]))
    assert out == {"imageUuid": img["uuid"]}


def test_sensor_profiles_list_what_was_created(sim: Simulator, client: Client) -> None:
    body = fixture_json("public/sensor_profile_create.request.json")
    created = client.sensor_profiles.create(body)
    assert isinstance(created, dict)
    r = last(sim, "P43")
    assert (r["method"], r["path"], r["body"]) == ("POST", "/csapi/v1.3/sensorProfile", body)
    pid = created["sensorProfileId"]
    renamed: Any = {**body, "profileName": "renamed"}
    client.sensor_profiles.update(pid, renamed, is_vuln_propagation=True)
    r = last(sim, "P44")
    assert (r["path"], r["query"]) == (f"/csapi/v1.3/sensorProfile/{pid}", "isVulnPropagation=true")
    listed = client.sensor_profiles.list(page_size=10).to_list()
    assert [p["profileName"] for p in listed] == ["renamed"]
    assert listed[0]["isVulnPropagation"] is True
    assert listed == raw_json(sim, "/csapi/v1.3/sensorProfile?pageNumber=1&pageSize=10")["data"]
    bad = json.loads(json.dumps(body))
    bad["config"]["vulnerabilityManagement"]["containerScanningInterval"] = 36
    with pytest.raises(qualys_cs.ValidationError):
        client.sensor_profiles.create(bad)


def test_vulnerability_views_agree_with_the_images(sim: Simulator, client: Client) -> None:
    sums = [0] * 5
    for img in client.images.list(page_size=100):
        c = client.images.vulnerability_count(img["sha"])
        for k in range(5):
            sums[k] += c[f"severity{k + 1}Count"] or 0  # type: ignore[literal-required]
    counts = client.vulnerabilities.count(group_by="severity")
    assert counts == raw_json(sim, "/csapi/v1.3/vuln/count?groupBy=severity")
    assert [counts[f"severity{k + 1}Count"] for k in range(5)] == sums  # type: ignore[literal-required]
    findings = client.vulnerabilities.list(page_size=50)
    items = findings.to_list()
    assert len(items) == sum(sums) == counts["count"]
    assert len({v["uuid"] for v in items}) == len(items)  # pages never repeat a finding
    defs = client.vulnerabilities.definitions(page_size=20).to_list()
    assert {d["qid"] for d in defs} == {v["qid"] for v in items}
    view = client.vulnerabilities.get(str(defs[0]["uuid"]))
    assert view["vulnDef"] == defs[0]
    detail = client.vulnerabilities.get(str(items[0]["uuid"]))
    dto = detail["vulnerabilityDetailDTO"]
    assert dto is not None and dto["imageSha"] == items[0]["imageSha"]


def test_observed_endpoints_say_so(client: Client) -> None:
    observed = [client.vulnerabilities.list, client.vulnerabilities.get, client.sensor_profiles.list]
    for method in observed:
        assert "Qualys has not documented it" in (method.__doc__ or ""), method
    assert "not documented" not in (client.exceptions.create.__doc__ or "")
