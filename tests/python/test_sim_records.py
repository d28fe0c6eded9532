"""Your own records in the embedded simulator: ``Simulator(fixtures=...)`` (a directory or a
mapping), ``sim.add_images([...])`` and the other ``add_*``, mixed with generated data or instead
of it (``generated=False``); filters, sort, paging, get and delete over them; a tag assigned to an
image shows on it."""

from __future__ import annotations

import json
import pathlib
from typing import Any, cast

import pytest

from qualys_cs.testing import Simulator


def sha(k: int) -> str:
    return f"{0xF1C5_0000_0000 + k:064x}"


def images(n: int) -> list[dict[str, Any]]:
    return [
        {
            "sha": sha(k),
            "size": (k + 1) * 1_000_000,
            "operatingSystem": "Alpine Linux 3.19" if k % 2 == 0 else "Debian GNU/Linux 12",
            "created": str(1_750_000_000_000 + k * 86_400_000),
            "repo": [{"registry": "registry.fixture.test", "repository": f"team/app{k}", "tag": "v1"}],
            "vulnerabilities": {"severity5Count": k % 3},
            "owner": f"team-{k}",
        }
        for k in range(n)
    ]


def as_dict(v: object) -> dict[str, Any]:
    return cast(dict[str, Any], v)


def test_inline_fixtures_mix_with_generated_images_in_filters_sort_and_paging() -> None:
    with Simulator(images=30, fixtures={"images": images(8)}) as sim:
        client = sim.client(max_retries=0)
        everything = client.images.list(page_size=7).to_list()
        assert len(everything) == 38
        assert len({i["uuid"] for i in everything}) == 38
        # Sorted by size, the loaded 1-8 MB images come first, smallest first.
        by_size = client.images.list(sort="size:asc", page_size=3).to_list()
        assert [i["sha"] for i in by_size[:8]] == [sha(k) for k in range(8)]
        assert len({i["uuid"] for i in by_size}) == 38
        alpine = client.images.list(filter="repo.registry:registry.fixture.test AND os:Alpine").to_list()
        assert sorted(i["sha"] for i in alpine) == [sha(k) for k in range(0, 8, 2)]
        # Unknown keys come back as given; missing ones are filled.
        got = as_dict(client.images.get(sha(3)))
        assert got["owner"] == "team-3"
        assert got["imageId"] == sha(3)[:12]
        assert got["vulnerabilities"]["severity1Count"] == 0
        # The cursor list walks generated and loaded records alike.
        bulk = client.images.bulk_list(limit=4).to_list()
        assert len({i["uuid"] for i in bulk}) == 38
        client.images.delete(image_ids=[sha(3)])
        assert client.images.list(filter=f"sha:{sha(3)}").to_list() == []


def test_a_fixtures_directory_instead_of_generated_data(tmp_path: pathlib.Path) -> None:
    (tmp_path / "images.json").write_text(json.dumps({"data": images(3)}))
    (tmp_path / "containers.json").write_text(json.dumps([{"imageSha": sha(1), "name": "web", "state": "STOPPED"}]))
    (tmp_path / "registries.json").write_text(json.dumps([{"registryUri": "https://r.fixture.test"}]))
    (tmp_path / "sensors.json").write_text(json.dumps([{"hostname": "edge-1"}]))
    with Simulator(fixtures=tmp_path, generated=False) as sim:
        client = sim.client(max_retries=0)
        assert len(client.images.list().to_list()) == 3
        containers = client.containers.list(filter="state:STOPPED").to_list()
        assert [c["name"] for c in containers] == ["web"]
        assert containers[0]["imageId"] == sha(1)[:12]
        assert [r["registryUri"] for r in client.registries.list().to_list()] == ["https://r.fixture.test"]
        assert [s["hostname"] for s in client.sensors.list().to_list()] == ["edge-1"]
        # Records added while it runs, all or none.
        assert sim.add_images([{"sha": sha(10), "operatingSystem": "Wolfi"}]) == 1
        assert [i["sha"] for i in client.images.list(filter="os:Wolfi").to_list()] == [sha(10)]
        with pytest.raises(ValueError, match=r"images: record 1: size must be a non-negative integer"):
            sim.add_images([{"sha": sha(11)}, {"size": "big"}])
        assert len(client.images.list().to_list()) == 4
        sim.add_registries([{"registryUri": "https://second.fixture.test", "registryType": "DockerHub"}])
        assert client.registries.list(filter="registryType:DockerHub").to_list()[0]["registryUri"] == (
            "https://second.fixture.test"
        )
        sim.add_sensors([{"hostname": "edge-2", "status": "UNKNOWN"}])
        assert [s["hostname"] for s in client.sensors.list(filter="status:UNKNOWN").to_list()] == ["edge-2"]
        sim.add_containers([{"name": "late"}])
        assert len(client.containers.list().to_list()) == 2


def test_a_bad_fixture_file_is_an_error_naming_the_file_and_the_record(tmp_path: pathlib.Path) -> None:
    (tmp_path / "images.json").write_text(json.dumps([{}, {"sha": "not-hex"}]))
    with pytest.raises(ValueError, match=r"images\.json: record 1: sha must be 64 hex digits"):
        Simulator(fixtures=tmp_path)
    with pytest.raises(ValueError, match=r"unknown resource 'pods'"):
        Simulator(fixtures={"pods": []})
    with pytest.raises(ValueError, match=r"tags: record 0: name is required"):
        Simulator(fixtures={"tags": [{"tagId": 3}]})


def test_an_assigned_tag_shows_on_the_image() -> None:
    with Simulator(images=5, fixtures={"images": images(1), "tags": [{"name": "pci", "tagId": 7}]}) as sim:
        client = sim.client(max_retries=0)
        generated = client.images.list(page_size=1).to_list()[0]
        client.tags.assign({"entityUUID": generated["uuid"], "entityType": "IMAGE", "tagsToAdd": [{"tagName": "pci"}]})
        client.tags.assign({"entitySha": sha(0), "entityType": "IMAGE", "tagsToAdd": [{"tagName": "prod"}]})
        assert as_dict(client.images.get(generated["sha"]))["tags"] == [{"tagId": 7, "name": "pci"}]
        listed = [as_dict(i) for i in client.images.list(filter=f"sha:{generated['sha']}").to_list()]
        assert listed[0]["tags"] == [{"tagId": 7, "name": "pci"}]
        assert [t["name"] for t in as_dict(client.images.get(sha(0)))["tags"]] == ["prod"]
        client.tags.delete("pci")
        # The last tag gone, the image has no `tags` key again (as the seeds show an untagged one).
        assert "tags" not in as_dict(client.images.get(generated["sha"]))


@pytest.mark.qualys_simulator(generated=False, fixtures={"images": images(2)})
def test_the_pytest_fixture_takes_records(qualys_simulator: Simulator) -> None:
    assert len(qualys_simulator.client().images.list().to_list()) == 2


def test_reports_controls_and_clusters_take_records_too() -> None:
    records: dict[str, Any] = {
        "reports": {"data": [{"reportName": "weekly", "status": "QUEUED", "owner": "sec"}]},
        "controls": [{"id": 7, "criticality": "LOW"}],
        "k8s_clusters": [{"clusterName": "lab", "nodes": 3}],
    }
    with Simulator(fixtures=records) as sim:
        client = sim.client(max_retries=0)
        queued = [as_dict(r) for r in client.reports.list(filter="status:QUEUED").to_list()]
        assert [(r["reportName"], r["owner"]) for r in queued] == [("weekly", "sec")]
        assert as_dict(client.controls.get(7))["criticality"] == "LOW"
        lab = [as_dict(c) for c in client.k8s_clusters.list(filter="clusterName:lab").to_list()]
        assert [c["nodes"] for c in lab] == [3]
        assert sim.add("events", [{"eventType": "fixture.seen"}]) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "rate_limits: a scale factor must be a positive number"),
        ("fast", "rate_limits: unknown preset 'fast'"),
        ({"images": (0, 1.0)}, r"rate_limits\.images: must be \[calls, windowSeconds\]"),
        ({"images": (5,)}, r"rate_limits\.images: must be \[calls, windowSeconds\]"),
    ],
)
def test_rate_limits_follow_the_simulators_one_rule(value: object, message: str) -> None:
    # The same parser as Node's `rateLimits`: a bad value names the field before the server starts.
    with pytest.raises(ValueError, match=message):
        Simulator(images=1, rate_limits=value)  # type: ignore[arg-type]
