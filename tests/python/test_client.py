"""Client configuration, output fidelity, per-call options, raw responses, escape hatch (logging: test_logging.py)."""

from __future__ import annotations

import base64
import json
import pathlib
import subprocess
import sys
import urllib.request
from typing import Any

import pytest

import qualys_cs
from qualys_cs import AsyncClient, Client, RawResponse
from qualys_cs.testing import Simulator


def raw_json(sim: Simulator, path: str) -> Any:
    """The server's JSON for `path`, fetched without qualys_cs (Basic auth)."""
    req = urllib.request.Request(sim.url + path)
    token = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    req.add_header("Accept", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def test_dicts_equal_the_api_json(client: Client, sim: Simulator, samples: dict[str, Any]) -> None:
    sha = samples["sha"]
    for got, path in [
        (client.images.get(sha), f"/csapi/v1.3/images/{sha}"),
        (client.images.compliance(sha), f"/csapi/v1.3/images/{sha}/compliance"),
        (client.images.vulnerabilities(sha), f"/csapi/v1.3/images/{sha}/vuln"),
        (client.registries.aws.connectors(), "/csapi/v1.3/registry/aws/connectors"),
        (client.with_raw_response.registries.list().data, "/csapi/v1.3/registry?pageNumber=1&pageSize=1000"),
    ]:
        want = raw_json(sim, path)
        assert got == want
        if isinstance(want, dict):
            assert list(got) == list(want)  # key order kept


def test_text_empty_and_bytes_results(client: Client, samples: dict[str, Any], tmp_path: pathlib.Path) -> None:
    client.tags.create({"name": "to-delete"})
    assert isinstance(client.tags.delete("to-delete"), str)
    data = client.reports.download(samples["report_uuid"])
    assert isinstance(data, bytes) and data
    target = tmp_path / "report.csv"
    out = client.reports.download(samples["report_uuid"], path=target)
    assert out == {"path": str(target), "size": len(data)}
    assert target.read_bytes() == data


def test_from_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in sim.env().items():
        monkeypatch.setenv(k, v)
    client = Client.from_env()
    assert client.base_url == sim.url and client.username == sim.username
    assert client.sensors.activation_key()
    aclient = AsyncClient.from_env(max_retries=1)
    assert aclient.base_url == sim.url


def test_repr_has_no_secret(sim: Simulator) -> None:
    client = sim.client(password="s3cr3t-pw")
    text = repr(client)
    assert sim.url in text and "qualys" in text and "s3cr3t" not in text
    assert "tok-123" not in repr(Client(base_url=sim.url, token="tok-123"))


def test_per_call_options_and_with_options(client: Client, sim: Simulator) -> None:
    client.sensors.activation_key(extra_headers={"X-Trace": "abc"}, extra_query={"debug": "1"})
    r = sim.requests(endpoint="P14")[-1]
    assert dict(r["headers"])["x-trace"] == "abc" and ["debug", "1"] in r["query_pairs"]
    tuned = client.with_options(extra_headers={"X-Team": "sec"}, timeout=30)
    tuned.sensors.activation_key()
    assert dict(sim.requests(endpoint="P14")[-1]["headers"])["x-team"] == "sec"
    assert isinstance(tuned, Client) and tuned.base_url == client.base_url
    with pytest.raises(qualys_cs.ValidationError):
        client.sensors.activation_key(bogus=1)  # type: ignore[arg-type]


def test_raw_response(client: Client) -> None:
    raw = client.with_raw_response.sensors.activation_key()
    assert isinstance(raw, RawResponse) and raw.status == 200 and raw.attempts == 1
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.method == "GET" and raw.path == "/csapi/v1.3/activationkey"
    page = client.with_raw_response.images.list(page_size=10)
    assert len(page.data["data"]) == 10 and page.data["count"] == 250


async def test_async_raw_and_request(aclient: AsyncClient) -> None:
    raw = await aclient.with_raw_response.images.list(page_size=5)
    assert raw.data["count"] == 250
    body = await aclient.request("GET", "/csapi/v1.3/images", query={"pageSize": 3, "pageNumber": 1})
    assert len(body["data"]) == 3


def test_request_escape_hatch(client: Client, sim: Simulator) -> None:
    out = client.request("get", "/csapi/v1.3/images", query={"pageSize": 2, "sort": "created:desc"})
    assert len(out["data"]) == 2
    with pytest.raises(qualys_cs.NotFoundError):
        client.request("DELETE", "/csapi/v1.3/images", query={"imageIds": ["a", "b"]})
    r = sim.requests()[-1]
    assert r["method"] == "DELETE" and [p for p in r["query_pairs"] if p[0] == "imageIds"] == [
        ["imageIds", "a"],
        ["imageIds", "b"],
    ]
    with pytest.raises(qualys_cs.ValidationError):
        client.request("GET", "https://elsewhere.example/x")


def test_context_managers(sim: Simulator) -> None:
    with sim.client() as c:
        assert c.sensors.activation_key()


async def test_async_context_manager(sim: Simulator) -> None:
    async with sim.async_client() as c:
        assert await c.sensors.activation_key()


def test_token_provider(sim: Simulator) -> None:
    calls: list[int] = []

    def provide() -> str:
        calls.append(1)
        # The simulator issues JWTs; borrow one through a password client's raw /auth.
        req = urllib.request.Request(
            sim.url + "/auth", data=b"username=qualys&password=qualys&token=true", method="POST"
        )
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(req) as r:
            token: bytes = r.read()
            return token.decode()

    client = Client(base_url=sim.url, token_provider=provide)
    assert client.sensors.activation_key()
    assert calls


def test_import_is_cheap_and_lazy() -> None:
    code = (
        "import sys, threading; before = threading.active_count(); import qualys_cs; "
        "assert threading.active_count() == before, 'a thread started on import'; "
        # asyncio is loaded by the first async call, not by the import (sync scripts never pay for it).
        "assert 'asyncio' not in sys.modules, 'asyncio was imported on import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_json_results_are_exact_as_json_loads(client: Client, sim: Simulator) -> None:
    # Every JSON result is built from the response bytes in one pass (jiter): integers of any size
    # stay exact, floats round-trip, key order and unicode are kept, as `json.loads` gives them.
    body = (
        '{"huge": 123456789012345678901234567890, "neg": -9223372036854775809, "f": 0.1,'
        ' "e": 1.5e300, "s": "caf\\u00e9 \\ud83d\\ude00", "nested": [{"b": 1, "a": [null, true]}]}'
    )
    sim.inject_fault(status=200, body=body, path_contains="/csapi/v1.3/images/")
    got = client.images.get("a" * 64)
    assert got == json.loads(body)
    assert list(got) == list(json.loads(body))
    assert qualys_cs._native.loads(body.encode()) == json.loads(body)
    with pytest.raises(ValueError):
        qualys_cs._native.loads(b'{"a": ')


def test_auth_modes_are_the_cores(sim: Simulator) -> None:
    # "bearer" is the core's other spelling of "jwt" (the scheme the token is sent with).
    for mode, scheme in [("bearer", "Bearer ***"), ("JWT", "Bearer ***"), ("basic", "Basic ***")]:
        client = sim.client(auth=mode)
        assert client.sensors.activation_key()
        assert dict(sim.requests(endpoint="P14")[-1]["headers"])["authorization"] == scheme
    with pytest.raises(qualys_cs.ValidationError) as info:
        sim.client(auth="kerberos")
    assert info.value.field == "auth" and "bearer" in str(info.value) and "basic" in str(info.value)


def test_per_call_options_are_read_by_the_core(client: Client, sim: Simulator) -> None:
    paired = client.with_options(extra_query=[("tag", "a"), ("tag", "b")])
    paired.sensors.activation_key(extra_headers={"X-N": "7"})
    r = sim.requests(endpoint="P14")[-1]
    assert [p for p in r["query_pairs"] if p[0] == "tag"] == [["tag", "a"], ["tag", "b"]]
    assert dict(r["headers"])["x-n"] == "7"
    # A list value repeats the name, as in Node.
    client.with_options(extra_query={"tag": ["c", "d"]}).sensors.activation_key()
    r = sim.requests(endpoint="P14")[-1]
    assert [p for p in r["query_pairs"] if p[0] == "tag"] == [["tag", "c"], ["tag", "d"]]
    for bad, field in [({"timeout": -1.0}, "timeout"), ({"max_retries": "x"}, "max_retries")]:
        with pytest.raises(qualys_cs.ValidationError) as info:
            client.with_options(**bad)  # type: ignore[arg-type]
        assert info.value.field == field
