"""Shared fixtures: one embedded simulator per session, fresh clients per test."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from qualys_cs import AsyncClient, Client
from qualys_cs.testing import Simulator

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE: dict[str, Any] = json.loads((ROOT / "spec" / "endpoints.json").read_text())
ENDPOINTS: list[dict[str, Any]] = [e for e in TABLE["endpoints"] if e["resource"] != "auth"]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def sim() -> Iterator[Simulator]:
    with Simulator(images=250, containers=120) as s:
        yield s


@pytest.fixture
def client(sim: Simulator) -> Client:
    sim.clear_requests()
    return sim.client(max_retries=0)


@pytest.fixture
def aclient(sim: Simulator) -> AsyncClient:
    sim.clear_requests()
    return sim.async_client(max_retries=0)


@pytest.fixture(scope="session")
def samples(sim: Simulator) -> dict[str, Any]:
    """Real ids from the simulator, by argument name."""
    c = sim.client()
    image = next(iter(c.images.list(page_size=10)))
    container = next(iter(c.containers.list(page_size=10)))
    registry = next(iter(c.registries.list()))
    schedules = c.registries.schedules.list(registry["registryUuid"]).to_list()
    sensors = c.sensors.list().to_list()
    controls = c.controls.list().to_list()
    reports = c.reports.list().to_list()
    # A report that can be downloaded first (others answer 400 "not available").
    reports.sort(key=lambda r: str(r.get("status", "")).upper() not in ("COMPLETED", "SUCCESS", "DONE"))
    policy = c.policies.default("CICD")
    cluster = next(iter(c.k8s_clusters.list()))
    out: dict[str, Any] = {
        "sha": image["sha"],
        "container_sha": container["sha"],
        "registry_id": registry["registryUuid"],
        "schedule_id": schedules[0]["scheduleUuid"] if schedules else "00000000-0000-0000-0000-000000000000",
        "sensor_id": (sensors[0].get("sensorId") or sensors[0].get("uuid")) if sensors else "1",
        "control_id": str(controls[0].get("controlId") or controls[0].get("id")) if controls else "1",
        "report_uuid": reports[0]["reportUuid"] if reports else "00000000-0000-0000-0000-000000000000",
        "policy_id": policy.get("uuid", "00000000-0000-0000-0000-000000000000"),
        "policy_type": "CICD",
        "cluster_uid": cluster["clusterUid"],
        "id": "205767712438",
        "tag_name": "prod",
        "name": "gcp-demo",
        # The exception assignments take the UUID where the reads take the sha.
        "image_uuid": image["uuid"],
        "container_uuid": container["uuid"],
        "exception_id": "00000000-0000-0000-0000-000000000000",
        "profile_id": "00000000-0000-0000-0000-000000000000",
        "uuid": next(iter(c.vulnerabilities.definitions()))["uuid"],
    }
    out["report_uuids"] = [out["report_uuid"]]
    return out


def fixture_json(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text())
