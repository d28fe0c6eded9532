"""What Qualys' own interface descriptions say, through the Python client: the bulk lists end on
every form of the ``link`` header, a report download suits a gateway strict about ``Accept``, the
endpoints Qualys' own CLI calls, the simulator's 405s with the Qualys body."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Literal

import pytest

from qualys_cs.testing import Simulator

from .conftest import fixture_json


@pytest.mark.parametrize("link_case", ["lower", "title"])
@pytest.mark.parametrize("link_end", ["null", "absent", "empty"])
def test_bulk_lists_end_on_every_link_form(
    link_case: Literal["lower", "title"], link_end: Literal["null", "absent", "empty"]
) -> None:
    with Simulator(images=11, containers=7, link_case=link_case, link_end=link_end) as sim:
        client = sim.client(max_retries=0)
        images = client.images.bulk_list(limit=4).to_list()
        assert len({i["sha"] for i in images}) == 11
        assert all(isinstance(i.get("vulnerabilities"), list) for i in images)
        assert len(client.containers.bulk_list(limit=3).to_list()) == 7
        assert len(sim.requests(endpoint="P05")) == 3
        assert len(sim.requests(endpoint="P01")) == 3


def test_report_download_suits_a_strict_gateway() -> None:
    with Simulator(images=3, strict_accept=True) as sim:
        client = sim.client(max_retries=0)
        done = next(r for r in client.reports.list() if r.get("status") == "COMPLETED")
        data = client.reports.download(done["reportUuid"])
        assert isinstance(data, bytes) and data
        accept = dict(sim.requests(endpoint="P23")[-1]["headers"])["accept"]
        assert accept.startswith("application/octet-stream")


def test_k8s_clusters_and_policies_list() -> None:
    with Simulator(images=3) as sim:
        client = sim.client(max_retries=0)
        clusters = client.k8s_clusters.list(page_size=2).to_list()
        assert len(clusters) == 3
        assert client.k8s_clusters.get(clusters[0]["clusterUid"]) == clusters[0]
        created = client.policies.create(fixture_json("000/centralized_policy_cicd_create.request.json"))
        listed = {p["uuid"] for p in client.policies.list()}
        assert created["uuid"] in listed


def test_a_verb_the_path_lacks_is_a_logged_405_with_the_qualys_body() -> None:
    with Simulator(images=3) as sim:
        auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
        req = urllib.request.Request(
            sim.url + "/csapi/v1.3/images/delete", method="POST", headers={"Authorization": f"Basic {auth}"}
        )
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 405
        body = json.loads(e.value.read())
        assert body["errorCode"].startswith("405") and body["message"] and body["timestamp"]
        assert [r["status"] for r in sim.requests()] == [405]
