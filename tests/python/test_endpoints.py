"""Every endpoint of the table, through its generated method, sync and async, against the simulator.

The cases come from spec/endpoints.json: each method is called with real ids and a valid body, and
the simulator's request log must show the endpoint's id, HTTP method and path.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

import qualys_cs
from qualys_cs import AsyncClient, AsyncPager, Client, Page, SyncPager
from qualys_cs.testing import Simulator

from .conftest import ENDPOINTS, fixture_json

BODIES: dict[str, Any] = {
    "S03": fixture_json("000/tag_update_add.request.json"),
    "S06": fixture_json("000/centralized_policy_cicd_create.request.json"),
    "S07": fixture_json("000/centralized_policy_cicd_update.request.json"),
    "S09": fixture_json("000/reports_create.request.json"),
    "S10": fixture_json("000/report_schedule_create.request.json"),
    "S11": fixture_json("000/report_schedule_update.request.json"),
    "S12": fixture_json("001/registry_schedule_create_interval7.request.json"),
    "S13": fixture_json("001/registry_schedule_update_daily.request.json"),
    "S27": fixture_json("003/registry_aws_connector_create.request.json"),
    "S28": fixture_json("003/registry_validate.request.json"),
    "S29": fixture_json("003/registry_validate.request.json"),
    "S30": fixture_json("003/registry_update.request.json"),
    "P25": fixture_json("public/tag_create.request.json"),
    "P19": {"type": "service_account", "project_id": "demo"},
    "P35": fixture_json("public/exception_create.request.json"),
    "P36": fixture_json("public/exception_create_dynamic.request.json"),
    "P39": fixture_json("public/image_exceptions_update.request.json"),
    "P41": fixture_json("public/container_exceptions_update.request.json"),
    "P43": fixture_json("public/sensor_profile_create.request.json"),
    "P44": fixture_json("public/sensor_profile_create.request.json"),
}


def target(client: Any, e: dict[str, Any]) -> Any:
    obj = client
    for part in e["resource"].split("."):
        obj = getattr(obj, part)
    return getattr(obj, e["method"])


def arguments(e: dict[str, Any], samples: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    for p in e["path_params"]:
        name = p["arg"]
        if name == "sha" and e["resource"] == "containers":
            args.append(samples["container_sha"])
        else:
            args.append(samples[name])
    for q in e["query"]:
        if q.get("required"):
            args.append(samples[q["arg"]])
    if e["id"] == "S02":  # the seed's sample body holds placeholders ("IMAGE / CONTAINER")
        BODIES["S02"] = {"entitySha": samples["sha"], "entityType": "IMAGE", "tagsToAdd": [{"tagName": "prod"}]}
    body = e.get("body")
    if body and body["kind"] != "form":
        if body["kind"] == "json_array":
            args.append([samples["registry_id" if body["arg"] == "registry_ids" else "schedule_id"]])
        else:
            args.append(BODIES.get(e["id"], {}))
    kwargs: dict[str, Any] = {}
    # Delete-by-query endpoints need one of ids/filter; a filter matching nothing changes nothing.
    if any(q["arg"] == "filter" for q in e["query"]) and e["http"] in ("DELETE", "POST") and not e["pagination"]:
        kwargs["filter"] = "name:does-not-exist"
    return args, kwargs


def path_regex(e: dict[str, Any]) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(e["path"])) + "$")


def check_logged(sim: Simulator, e: dict[str, Any]) -> None:
    log = [r for r in sim.requests() if r["endpoint"] == e["id"]]
    assert log, f"{e['id']} never reached the simulator: {[r['endpoint'] for r in sim.requests()]}"
    assert log[-1]["method"] == e["http"]
    assert path_regex(e).match(log[-1]["decoded_path"]) or path_regex(e).match(log[-1]["path"])


IDS = [f"{e['id']}-{e['resource']}.{e['method']}" for e in ENDPOINTS]
# Conflicts the simulator may answer for writes on seeded data (a name taken, a schedule Running...).
TOLERATED = (qualys_cs.ConflictError, qualys_cs.BadRequestError, qualys_cs.NotFoundError)


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
def test_sync_method(e: dict[str, Any], client: Client, sim: Simulator, samples: dict[str, Any]) -> None:
    method = target(client, e)
    args, kwargs = arguments(e, samples)
    try:
        result = method(*args, **kwargs)
        if e["pagination"]:
            assert isinstance(result, SyncPager)
            page = next(iter(result.pages()))
            assert isinstance(page, Page) and isinstance(page.items, list)
        elif e["response"]["kind"] == "bytes":
            assert isinstance(result, bytes)
        elif e["response"]["kind"] == "text":
            assert isinstance(result, str)
    except TOLERATED as err:
        assert err.status in (400, 404, 409)
    check_logged(sim, e)


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
async def test_async_method(e: dict[str, Any], aclient: AsyncClient, sim: Simulator, samples: dict[str, Any]) -> None:
    method = target(aclient, e)
    args, kwargs = arguments(e, samples)
    try:
        if e["pagination"]:
            pager = method(*args, **kwargs)
            assert isinstance(pager, AsyncPager)
            async for page in pager.pages():
                assert isinstance(page.items, list)
                break
        else:
            assert inspect.iscoroutinefunction(method)
            await method(*args, **kwargs)
    except TOLERATED as err:
        assert err.status in (400, 404, 409)
    check_logged(sim, e)


def test_every_endpoint_has_both_methods(client: Client, aclient: AsyncClient) -> None:
    for e in ENDPOINTS:
        sync, asy = target(client, e), target(aclient, e)
        assert inspect.signature(sync).parameters.keys() == inspect.signature(asy).parameters.keys()
        assert e["path"] in (sync.__doc__ or "")
