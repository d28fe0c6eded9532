"""The client's events as records of the ``qualys_cs`` logger: one DEBUG record per attempt (method,
path template, status, milliseconds, attempt), INFO for retries and rate-limit waits, WARNING when
a call gives up; no secret, body or query value in any record."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from qualys_cs import QualysError
from qualys_cs.bodies import RegistriesValidateBody
from qualys_cs.testing import Simulator


@pytest.fixture(scope="module")
def lsim() -> Iterator[Simulator]:
    with Simulator(images=30, containers=10, password="pw-Secret-9") as s:
        yield s


def fields(rec: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = rec.__dict__["qualys"]
    return out


def ours(caplog: pytest.LogCaptureFixture, event: str | None = None) -> list[logging.LogRecord]:
    recs = [r for r in caplog.records if r.name == "qualys_cs"]
    return [r for r in recs if event is None or fields(r)["event"] == event]


def test_each_attempt_is_a_debug_record(lsim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    client = lsim.client(max_retries=0)
    with caplog.at_level(logging.DEBUG, logger="qualys_cs"):
        list(client.images.list(filter="repo.repository:secret-filter-value", page_size=5))
        client.images.get(next(iter(client.images.list(page_size=1)))["sha"])
    reqs = ours(caplog, "request")
    assert len(reqs) >= 3
    first = fields(reqs[0])
    assert reqs[0].levelno == logging.DEBUG
    assert first["method"] == "GET" and first["path"] == "/csapi/v1.3/images"
    assert first["status"] == 200 and first["attempt"] == 1 and isinstance(first["elapsed_ms"], int)
    assert first["endpoint"] == "S17" and first["name"] == "images.list"
    assert reqs[0].getMessage().startswith("GET /csapi/v1.3/images -> 200 in ")
    # A path parameter is logged as the table's template, never filled in.
    get = fields(reqs[-1])
    assert get["path"] == "/csapi/v1.3/images/{imageSha}" and get["name"] == "images.get"
    text = caplog.text + repr([r.__dict__ for r in caplog.records])
    assert "secret-filter-value" not in text


def test_no_secret_or_body_in_records(lsim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    client = lsim.client()
    with caplog.at_level(logging.DEBUG, logger="qualys_cs"):
        body: RegistriesValidateBody = {
            "registryType": "V2_PRIVATE",
            "registryUri": "https://r.example",
            "credentialType": "BasicAuth",
            "credential": {"username": "dXNlcg==", "password": "cHctc2VjcmV0LTI="},
        }
        client.registries.validate(body)
    recs = ours(caplog)
    assert any(fields(r).get("name") == "registries.validate" for r in recs)
    assert any(r.getMessage().startswith("POST /auth -> 201 in ") for r in recs)
    text = caplog.text + repr([r.__dict__ for r in caplog.records])
    assert "/csapi/v1.3/registry/validate" in text
    assert "cHctc2VjcmV0LTI=" not in text and "r.example" not in text
    assert lsim.password not in text and "Authorization" not in text


def test_retries_are_info_and_giving_up_is_warning(lsim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    client = lsim.client(max_retries=1, backoff=(0.001, 0.01))
    lsim.inject_fault("status", status=503, path_contains="/activationkey", times=2)
    with caplog.at_level(logging.DEBUG, logger="qualys_cs"), pytest.raises(QualysError):
        client.sensors.activation_key()
    retries = ours(caplog, "retrying")
    assert [r.levelno for r in retries] == [logging.INFO]
    assert fields(retries[0])["status"] == 503 and fields(retries[0])["wait_ms"] >= 0
    assert "status 503, retrying in" in retries[0].getMessage()
    gave_up = ours(caplog, "giving up")
    assert [r.levelno for r in gave_up] == [logging.WARNING]
    assert fields(gave_up[0])["attempts"] == 2
    assert [fields(r)["status"] for r in ours(caplog, "request")] == [503, 503]
    lsim.clear_requests()


def test_level_filters_records_and_changes_take_effect(lsim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    client = lsim.client(max_retries=2, backoff=(0.001, 0.01))
    lsim.inject_fault("status", status=503, path_contains="/activationkey", times=1)
    with caplog.at_level(logging.INFO, logger="qualys_cs"):
        client.sensors.activation_key()
    assert ours(caplog, "request") == []
    assert len(ours(caplog, "retrying")) == 1
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="qualys_cs"):
        client.sensors.activation_key()
    assert len(ours(caplog, "request")) == 1


def test_async_calls_and_rate_limit_waits(caplog: pytest.LogCaptureFixture) -> None:
    with Simulator(images=5, rate_limits={"images": (2, 1.0)}) as s:
        client = s.async_client()
        sha = next(iter(s.client().images.list(page_size=1)))["sha"]

        async def run() -> None:
            for _ in range(3):
                await client.images.vulnerability_count(sha)

        with caplog.at_level(logging.DEBUG, logger="qualys_cs"):
            asyncio.run(run())
    waits = ours(caplog, "rate limit: waiting")
    assert waits and all(r.levelno == logging.INFO and fields(r)["family"] == "images" for r in waits)
    assert "for the images family" in waits[0].getMessage()
    assert len(ours(caplog, "request")) == 3
