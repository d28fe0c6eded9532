"""The request log matches the seed samples: each request fixture of tests/fixtures/index.json, sent
through its generated method, reaches the wire with the sample's method, path, query and body.

v1.1 samples are compared against their v1.3 form (the client targets v1.3: API.md §3.1).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest

import qualys_cs
from qualys_cs import Client
from qualys_cs.testing import Simulator

from .conftest import ENDPOINTS, FIXTURES, fixture_json

INDEX: dict[str, Any] = fixture_json("index.json")


def match_endpoint(method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    path = path.replace("/csapi/v1.1/", "/csapi/v1.3/").rstrip("/")
    # Literal segments win over placeholders (`registry/aws-base` is not `registry/{registryId}`).
    for e in sorted(ENDPOINTS, key=lambda e: e["path"].count("{")):
        if e["http"] != method or e["id"] == "S20":
            continue
        names = re.findall(r"\{([^}]+)\}", e["path"])
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(e["path"])) + "$"
        m = re.match(rx, path)
        if m:
            return e, dict(zip(names, m.groups(), strict=True))
    return None


def cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for rel, meta in INDEX.items():
        sample = meta.get("sample") or {}
        if not sample.get("url") or "…" in sample["url"]:
            continue
        if rel.endswith(".request.json") or (
            not rel.endswith(".request.json") and not any(k.startswith(rel.split(".")[0] + ".request") for k in INDEX)
        ):
            found = match_endpoint(sample["method"], urllib.parse.urlsplit(sample["url"]).path)
            body = found and found[0].get("body")
            if (body and body["kind"] != "json_object") or (body and body.get("required_fields")):
                if not rel.endswith(".request.json"):
                    continue  # a response-only sample of a call that needs a body
            out.append((rel, sample))
    return out


def build_call(rel: str, sample: dict[str, Any]) -> tuple[dict[str, Any], list[Any], dict[str, Any], Any]:
    url = urllib.parse.urlsplit(sample["url"])
    found = match_endpoint(sample["method"], url.path)
    assert found, f"no endpoint for {sample}"
    e, path_values = found
    args: list[Any] = [path_values[p["name"]] for p in e["path_params"]]
    kwargs: dict[str, Any] = {}
    pg = e.get("pagination") or {}
    for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
        if k in (pg.get("page_param"), "pageNo", "pageNumber") or v == "":
            continue
        if k == pg.get("size_param"):
            kwargs["page_size"] = int(v)
            continue
        q = next(q for q in e["query"] if q["name"] == k)
        if q.get("required"):
            args.append(v)
        elif q["type"] == "string[]":
            kwargs.setdefault(q["arg"], []).append(v)
        else:
            kwargs[q["arg"]] = v
    body = fixture_json(rel) if rel.endswith(".request.json") else None
    if body is not None and e.get("body"):
        args.append(body)
    elif isinstance(body, dict):
        # v1.1 took these ids as a JSON body; v1.3 takes them as query parameters (open question 1).
        for k, v in body.items():
            q = next(q for q in e["query"] if q["name"] == k)
            kwargs[q["arg"]] = v
    return e, args, kwargs, body


CASES = cases()


@pytest.mark.parametrize(("rel", "sample"), CASES, ids=[c[0] for c in CASES])
def test_request_matches_sample(rel: str, sample: dict[str, Any], sim: Simulator) -> None:
    # Some samples hold placeholders ("IMAGE / CONTAINER"): skip client-side validation, compare the wire.
    client = sim.client(validate=False, max_retries=0)
    sim.clear_requests()
    e, args, kwargs, body = build_call(rel, sample)
    method: Any = client
    for part in e["resource"].split("."):
        method = getattr(method, part)
    method = getattr(method, e["method"])
    try:
        result = method(*args, **kwargs)
        if e.get("pagination"):
            next(iter(result.pages()))
    except qualys_cs.APIError:
        pass  # the sample's ids need not exist in the simulator: the request is what is compared
    log = sim.requests(endpoint=e["id"])
    assert log, f"{rel}: nothing logged for {e['id']}"
    got = log[0]
    want = urllib.parse.urlsplit(sample["url"])
    assert got["method"] == sample["method"]
    assert got["decoded_path"] == urllib.parse.unquote(want.path).replace("/csapi/v1.1/", "/csapi/v1.3/").rstrip("/")
    wire = [tuple(p) for p in got["query_pairs"]]
    for k, v in urllib.parse.parse_qsl(want.query):
        if k in ("pageNo", "pageNumber"):
            assert ("pageNumber", "1") in wire  # v1.3 pages from 1 (S003's pageNo=0 is superseded)
        else:
            assert (k, v) in wire, (k, v, wire)
    if body is not None and e.get("body"):
        assert got["body"] == body
    elif isinstance(body, dict):
        for k, v in body.items():
            assert [p[1] for p in wire if p[0] == k] == (v if isinstance(v, list) else [v])


def test_response_fixture_is_returned_unchanged(client: Client, sim: Simulator) -> None:
    # tags.delete answers text, exactly as the seed shows it.
    client.tags.create({"name": "static_1"})
    out = client.tags.delete("static_1")
    assert out == (FIXTURES / "000" / "tag_delete.response.txt").read_text().strip()
