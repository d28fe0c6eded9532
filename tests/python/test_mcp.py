"""``qualys-cs mcp`` driven by the official MCP Python SDK, over stdio and streamable HTTP, against
the simulator: the tools listed, a listing followed to its end, a summary in one call, deletes
guarded, errors as tool errors, and no secret in any answer, log line or audit record."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from qualys_cs.testing import Simulator

# The console script, as tests/python/test_cli.py finds it.
SCRIPT = pathlib.Path(sys.executable).parent / "qualys-cs"
ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE: list[dict[str, Any]] = json.loads((ROOT / "spec" / "endpoints.json").read_text())["endpoints"]
PASSWORD = "pw-Mcp-Secret-4417"
HTTP_TOKEN = "tok-Mcp-Secret-99310"
SECRETS = (PASSWORD, HTTP_TOKEN)
# Every test is bounded: a server that stops answering fails the test instead of hanging it.
LIMIT = 90.0


def bounded(test: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        await asyncio.wait_for(test(*args, **kwargs), LIMIT)

    return run


def tool_name(ep: dict[str, Any]) -> str:
    return f"{ep['resource'].replace('.', '_')}_{ep['method']}"


def served(verbs: set[str]) -> set[str]:
    return {tool_name(e) for e in TABLE if e["http"] in verbs and e["resource"] != "auth"}


def server_env(sim: Simulator) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **sim.env()}


class Transcript:
    """Everything a server said: tool answers, and its stderr (read back from a file)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.stderr = tempfile.TemporaryFile("w+")

    def add(self, r: CallToolResult) -> CallToolResult:
        for c in r.content:
            assert isinstance(c, TextContent), c
            self.texts.append(c.text)
        return r

    def everything(self) -> str:
        self.stderr.seek(0)
        return "\n".join([*self.texts, self.stderr.read()])


@asynccontextmanager
async def over_stdio(
    sim: Simulator, *flags: str, mode: str = "auto", log: Transcript | None = None
) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=str(SCRIPT), args=["mcp", *flags], env=server_env(sim))
    errlog = log.stderr if log else tempfile.TemporaryFile("w+")
    async with Client(stdio_client(params, errlog=errlog), mode=mode) as c:
        yield c


@asynccontextmanager
async def http_server(sim: Simulator, *flags: str, log: Transcript | None = None) -> AsyncIterator[str]:
    """`qualys-cs mcp --http 127.0.0.1:0`; yields its URL (read from its first stderr line)."""
    env = {**server_env(sim), "QUALYS_CS_MCP_TOKEN": HTTP_TOKEN}
    proc = subprocess.Popen(
        [str(SCRIPT), "mcp", "--http", "127.0.0.1:0", *flags],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sink = log.stderr if log else tempfile.TemporaryFile("w+")
    first: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        # The stderr pipe is read to its end, so the server never blocks on a full pipe.
        assert proc.stderr is not None
        for line in proc.stderr:
            if not first:
                first.append(line)
                ready.set()
            sink.write(line)
        ready.set()

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    try:
        assert await asyncio.to_thread(ready.wait, 30), "the server did not start"
        m = re.search(r"http://\S+/mcp", first[0] if first else "")
        assert m, first
        yield m.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        t.join(timeout=10)


@asynccontextmanager
async def over_http(url: str, mode: str = "auto", token: str = HTTP_TOKEN) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as c,
    ):
        yield c


def answer(r: CallToolResult) -> Any:
    c = r.content[0]
    assert isinstance(c, TextContent), c
    return json.loads(c.text)


def tool_error(r: CallToolResult) -> dict[str, Any]:
    assert r.is_error, r
    e: dict[str, Any] = answer(r)["error"]
    assert e["hint"], e
    return e


async def follow(c: Client, tool: str, args: dict[str, Any], log: Transcript | None = None) -> tuple[list[Any], int]:
    """Every item of a listing, following its cursor; and how many calls it took."""
    items: list[Any] = []
    r = await c.call_tool(tool, args)
    calls = 1
    while True:
        if log:
            log.add(r)
        assert not r.is_error, r
        page = answer(r)
        items += page["items"]
        if page["cursor"] is None:
            return items, calls
        r = await c.call_tool(tool, {"cursor": page["cursor"]})
        calls += 1


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@bounded
async def test_tools_are_the_table_read_only_unless_the_flags_say(mode: str) -> None:
    with Simulator(images=3) as sim:
        async with over_stdio(sim, mode=mode) as c:
            # `auto` negotiates the newest protocol (discover); `legacy` the initialize handshake.
            assert c.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            tools = {t.name: t for t in (await c.list_tools()).tools}
            assert set(tools) == served({"GET"})
            images = tools["images_list"]
            assert images.annotations and images.annotations.read_only_hint is True
            assert images.description and "GET /csapi/v1.3/images" in images.description
            props = images.input_schema["properties"]
            assert {"filter", "sort", "cursor", "fields", "summary_by"} <= set(props)
            vulns = tools["images_vulnerabilities"].input_schema
            assert vulns["required"] == ["sha"]
        async with over_stdio(sim, "--allow-writes", mode=mode) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            assert names == served({"GET", "POST", "PUT"})
        async with over_stdio(sim, "--allow-writes", "--allow-deletes", mode=mode) as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            assert set(tools) == served({"GET", "POST", "PUT", "DELETE"})
            delete = tools["images_delete"]
            assert delete.annotations and delete.annotations.destructive_hint is True
            assert "confirm" in delete.input_schema["required"]


@pytest.mark.parametrize(("transport", "mode"), [("stdio", "auto"), ("http", "auto"), ("http", "legacy")])
@bounded
async def test_a_listing_followed_by_cursor_yields_every_item_once(transport: str, mode: str) -> None:
    with Simulator(images=57) as sim:
        expected = [i["sha"] for i in sim.client().images.list()]
        assert len(expected) == 57
        budget = 4096
        flags = ("--max-output-bytes", str(budget))
        log = Transcript()
        if transport == "stdio":
            async with over_stdio(sim, *flags, mode=mode, log=log) as c:
                items, calls = await follow(c, "images_list", {}, log)
        else:
            async with http_server(sim, *flags, log=log) as url, over_http(url, mode) as c:
                items, calls = await follow(c, "images_list", {}, log)
        assert [i["sha"] for i in items] == expected
        assert calls > 3, "the budget split the listing"
        assert all(len(t.encode()) <= budget for t in log.texts)
        assert all(json.loads(t)["count"] == 57 for t in log.texts)
        # `fields` keeps the keys named, and fewer bytes an item means fewer calls.
        async with over_stdio(sim, *flags) as c:
            slim, slim_calls = await follow(c, "images_list", {"fields": ["sha", "repo.repository"]})
        assert [i["sha"] for i in slim] == expected
        assert all(set(i) <= {"sha", "repo"} for i in slim)
        assert slim_calls < calls


@bounded
async def test_a_summary_counts_a_whole_listing_in_one_call() -> None:
    with Simulator(images=140, containers=90) as sim:
        client = sim.client()
        by_repo: Counter[Any] = Counter()
        for image in client.images.list():
            by_repo.update({r.get("repository") for r in image.get("repo") or []} or {None})
        running = "state:RUNNING"
        states: Counter[Any] = Counter(c.get("state") for c in client.containers.list(filter=running))
        async with over_stdio(sim, "--max-output-bytes", "2048") as c:
            sim.clear_requests()
            r = answer(await c.call_tool("images_list", {"summary_by": "repo.repository"}))
            assert r["items"] == r["count"] == 140
            groups = {g["value"]: g["count"] for g in r["groups"]}
            assert len(json.dumps(r)) <= 2048
            # Within the budget: the largest groups, the rest counted as omitted.
            assert len(groups) + r.get("groups_omitted", 0) == len(by_repo)
            assert {k: by_repo[k] for k in groups} == groups
            # The whole listing, in pages of the API's largest size: one request per page.
            assert len(sim.requests(endpoint="S17")) == 1
            r = answer(await c.call_tool("containers_list", {"filter": running, "summary_by": "state"}))
            assert {g["value"]: g["count"] for g in r["groups"]} == dict(states)


@bounded
async def test_deletes_need_both_flags_and_a_matching_confirm() -> None:
    with Simulator(images=3) as sim:
        reports = [r["reportUuid"] for r in sim.client().reports.list()]
        assert len(reports) >= 2
        target = reports[0]
        async with over_stdio(sim) as c:
            e = tool_error(await c.call_tool("reports_delete", {"report_uuids": [target], "confirm": [target]}))
            assert e["code"] == "E_NOT_ALLOWED"
            assert "--allow-writes --allow-deletes" in e["hint"]
        async with over_stdio(sim, "--allow-writes") as c:
            e = tool_error(await c.call_tool("reports_delete", {"report_uuids": [target], "confirm": [target]}))
            assert e["code"] == "E_NOT_ALLOWED"
        async with over_stdio(sim, "--allow-writes", "--allow-deletes") as c:
            e = tool_error(await c.call_tool("reports_delete", {"report_uuids": [target]}))
            assert e["code"] == "E_VALIDATION" and e["field"] == "confirm"
            e = tool_error(await c.call_tool("reports_delete", {"report_uuids": [target], "confirm": [reports[1]]}))
            assert e["field"] == "confirm" and target in e["hint"]
            assert not sim.requests(endpoint="P22"), "nothing was sent"
            r = await c.call_tool("reports_delete", {"report_uuids": [target], "confirm": [target]})
            assert not r.is_error, r
            assert len(sim.requests(endpoint="P22")) == 1
        assert target not in [r["reportUuid"] for r in sim.client().reports.list()]


@bounded
async def test_invalid_arguments_and_api_refusals_are_tool_errors_naming_what_to_change() -> None:
    with Simulator(images=3) as sim:
        async with over_stdio(sim, "--max-wait", "2") as c:
            e = tool_error(await c.call_tool("images_list", {"filter": 5}))
            assert (e["code"], e["field"]) == ("E_VALIDATION", "filter")
            e = tool_error(await c.call_tool("images_list", {"colour": "red"}))
            assert e["field"] == "colour"
            e = tool_error(await c.call_tool("images_vulnerabilities", {}))
            assert e["field"] == "sha"
            e = tool_error(await c.call_tool("images_list", {"fields": "a..b"}))
            assert e["field"] == "fields"
            e = tool_error(await c.call_tool("images_list", {"cursor": "c0123"}))
            assert e["field"] == "cursor"
            e = tool_error(await c.call_tool("images_get", {"sha": "0" * 64}))
            assert e["code"] == "E_NOT_FOUND" and e["status"] == 404
            # A Qualys refusal keeps its errorCode and message.
            sim.inject_fault(
                status=400,
                body=json.dumps({"errorCode": "CMS-2001", "message": "Invalid filter", "timestamp": 1}),
                path_contains="/images",
            )
            e = tool_error(await c.call_tool("images_list", {"filter": "nonsense:"}))
            assert (e["code"], e["errorCode"], e["status"]) == ("E_BAD_REQUEST", "CMS-2001", 400)
            assert "Invalid filter" in e["message"] and "QQL" in e["hint"]
            # A rate limit asking for a longer wait than the server's budget: answered at once.
            sim.inject_fault(status=429, headers={"X-RateLimit-ToWait-Sec": "3600"}, path_contains="/images", times=10)
            e = tool_error(await c.call_tool("images_list", {}))
            assert e["code"] == "E_RATE_LIMITED" and e["retryAfterSeconds"] == 3600
            assert "--max-wait" in e["hint"]
            # The server goes on answering after every error.
            assert (await c.list_tools()).tools


@bounded
async def test_no_secret_in_any_answer_log_or_audit_record() -> None:
    with Simulator(images=12, password=PASSWORD) as sim:
        audit = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
        log = Transcript()
        flags = ("--allow-writes", "--audit", str(audit), "-vv")
        async with http_server(sim, *flags, log=log) as url:
            async with over_http(url) as c:
                await follow(c, "images_list", {"fields": ["sha"]}, log)
                log.add(await c.call_tool("images_get", {"sha": "0" * 64}))
                body = {"registryType": "DockerHub", "registryUri": "https://r.example", "credentialType": "None"}
                body["password"] = PASSWORD
                log.add(await c.call_tool("registries_validate", {"body": body}))
                log.add(await c.call_tool("images_list", {"filter": PASSWORD}))
            # Without the bearer token the HTTP server answers 401 and nothing else.
            async with httpx2.AsyncClient() as http:
                r = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
                assert r.status_code == 401
        records = [json.loads(line) for line in audit.read_text().splitlines()]
        assert [r["tool"] for r in records][-3:] == ["images_get", "registries_validate", "images_list"]
        assert {"time", "tool", "arguments", "status", "duration_ms"} <= set(records[0])
        assert records[-3]["status"] == "E_NOT_FOUND"
        assert records[-2]["arguments"]["body"]["password"] == "***"
        everything = log.everything() + audit.read_text()
        assert "GET /csapi/v1.3/images" in everything, "the -vv log was read"
        for secret in SECRETS:
            assert secret not in everything


def test_a_non_loopback_address_needs_a_bearer_token() -> None:
    r = subprocess.run(
        [str(SCRIPT), "mcp", "--http", "0.0.0.0:0"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2, r.stderr
    assert "bearer token" in r.stderr and "QUALYS_CS_MCP_TOKEN" in r.stderr


def test_the_readme_agent_example_runs_against_the_simulator(tmp_path: pathlib.Path) -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## MCP server.*?```python\n(.*?)```", text, re.S)
    assert block, "the README has the agent example"
    script = tmp_path / "agent.py"
    script.write_text(block.group(1))
    with Simulator(images=30) as sim:
        env = {**server_env(sim), "PATH": f"{SCRIPT.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        r = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=LIMIT, check=False
        )
    assert r.returncode == 0, r.stderr
    assert "tools" in r.stdout and "'count':" in r.stdout


@bounded
async def test_an_assistant_session_of_fifty_calls_stays_within_scaled_down_limits() -> None:
    # Qualys' limits scaled down to a few calls a second per family: the session below would draw
    # 429s from a client that did not pace itself. Every one of its 50 calls must succeed.
    limits = {"images": (8, 1.0), "containers": (8, 1.0), "sensors": (8, 1.0), "registry": (8, 1.0)}
    with Simulator(images=120, containers=60, rate_limits=limits) as sim:
        # The default budget (64 KB), as an assistant would run it.
        async with over_stdio(sim) as c:
            calls: list[tuple[str, dict[str, Any]]] = [
                ("images_list", {"filter": "vulnerabilities.severity:5", "fields": ["sha", "repo"]}),
                ("images_list", {"summary_by": "repo.repository"}),
                ("containers_list", {"summary_by": "state"}),
                ("sensors_list", {}),
                ("registries_list", {}),
            ]
            first = answer(await c.call_tool("images_list", {"fields": ["sha"]}))
            shas = [i["sha"] for i in first["items"]]
            containers = answer(await c.call_tool("containers_list", {"fields": ["sha"]}))
            for i, sha in enumerate(shas[:40]):
                calls.append(("images_vulnerabilities", {"sha": sha}) if i % 2 else ("images_get", {"sha": sha}))
            calls.append(("containers_get", {"sha": containers["items"][0]["sha"]}))
            calls.append(("containers_vulnerabilities", {"sha": containers["items"][1]["sha"]}))
            calls.append(("images_vulnerability_count", {"sha": shas[0]}))
            assert len(calls) + 2 >= 50
            failed = []
            for tool, args in calls:
                r = await c.call_tool(tool, args)
                if r.is_error:
                    failed.append((tool, tool_error(r)))
            assert failed == [], failed
