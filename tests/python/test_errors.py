"""The exception hierarchy, its attributes and pickling; validation before any request."""

from __future__ import annotations

import pickle
import socket

import pytest

import qualys_cs
from qualys_cs import Client, errors
from qualys_cs.testing import Simulator

STATUS_CLASSES = [
    (400, errors.BadRequestError, "E_BAD_REQUEST"),
    (401, errors.AuthenticationError, "E_AUTHENTICATION"),
    (403, errors.PermissionDeniedError, "E_PERMISSION_DENIED"),
    (404, errors.NotFoundError, "E_NOT_FOUND"),
    (409, errors.ConflictError, "E_CONFLICT"),
    (429, errors.RateLimitError, "E_RATE_LIMITED"),
    (500, errors.ServerError, "E_SERVER"),
    (503, errors.ServerError, "E_SERVER"),
    (418, errors.APIError, "E_API"),
]


@pytest.mark.parametrize(("status", "cls", "code"), STATUS_CLASSES)
def test_status_maps_to_class(status: int, cls: type[errors.APIError], code: str, sim: Simulator) -> None:
    client = sim.client(max_retries=0)
    client.images.list(page_size=1).to_list()  # authenticate first: the fault must hit the call
    # A 401 is retried once after a token refresh: make it stick for both attempts.
    headers = {"X-RateLimit-ToWait-Sec": "7"} if status == 429 else None
    sim.inject_fault(status=status, path_contains="/images/abc", method="GET", times=2 if status == 401 else 1,
                     headers=headers)  # fmt: skip
    with pytest.raises(cls) as info:
        client.images.get("abc")
    e = info.value
    assert type(e) is cls and isinstance(e, errors.APIError) and isinstance(e, errors.QualysError)
    assert e.status == status and e.code == code
    assert e.request == ("GET", "/csapi/v1.3/images/abc")
    assert e.message and str(status) in str(e)
    if status == 429:
        assert e.retry_after == 7.0
    clone = pickle.loads(pickle.dumps(e))
    assert type(clone) is cls and clone.status == status and clone.code == code and str(clone) == str(e)


def test_not_found_attributes(client: Client) -> None:
    with pytest.raises(qualys_cs.NotFoundError) as info:
        client.images.get("nope")
    e = info.value
    assert e.error_code and e.timestamp and "nope" in e.message


def test_connection_error(sim: Simulator) -> None:
    client = sim.client(max_retries=0)
    client.sensors.activation_key()
    # Twice: a read on a connection closed without an answer is sent again once, even without retries.
    sim.inject_fault("drop", path_contains="/activationkey", times=2)
    with pytest.raises(qualys_cs.APIConnectionError) as info:
        client.sensors.activation_key()
    assert info.value.code == "E_CONNECTION"


def test_connection_error_chains_its_cause() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(base_url=f"http://127.0.0.1:{port}", token="tok-not-to-leak", max_retries=0)
    with pytest.raises(qualys_cs.APIConnectionError) as info:
        client.images.get("abc")
    chain: list[BaseException] = []
    cause = info.value.__cause__
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__
    # The transport's chain, down to the OS error Python itself would raise for it.
    assert chain and isinstance(chain[0], ConnectionError)
    refused = [c for c in chain if isinstance(c, ConnectionRefusedError)]
    assert refused and isinstance(refused[0].errno, int)
    assert not any("tok-not-to-leak" in str(c) for c in chain)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone.__cause__) is type(chain[0]) and str(clone.__cause__) == str(chain[0])


def test_timeout_error(sim: Simulator) -> None:
    client = sim.client(max_retries=0)
    client.sensors.activation_key()
    sim.inject_fault("delay", ms=2000, path_contains="/activationkey")
    with pytest.raises(qualys_cs.APITimeoutError) as info:
        client.sensors.activation_key(timeout=0.2)
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, qualys_cs.APIConnectionError)
    assert info.value.code == "E_TIMEOUT"


def test_decode_error(sim: Simulator) -> None:
    client = sim.client(max_retries=0)
    client.sensors.activation_key()
    sim.inject_fault("malformed", path_contains="/activationkey")
    with pytest.raises(qualys_cs.DecodeError) as info:
        client.sensors.activation_key()
    assert info.value.code == "E_DECODE"
    # The JSON parser's own error is the cause, as json.JSONDecodeError (a ValueError) would be.
    cause = info.value.__cause__
    assert type(cause) is ValueError and str(cause) and str(cause) in str(info.value)


def test_retries_then_success(sim: Simulator) -> None:
    client = sim.client(max_retries=2, backoff=(0.01, 0.02))
    raw = client.with_raw_response.sensors.activation_key()
    sim.inject_fault(status=503, path_contains="/activationkey", times=2)
    raw = client.with_raw_response.sensors.activation_key()
    assert raw.status == 200 and raw.attempts == 3


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [
        (lambda c: c.images.vulnerabilities("abc", type="EVERYTHING"), "type", "enum"),
        (lambda c: c.images.get(""), "sha", "non_empty"),
        (lambda c: c.registries.schedules.create("r1", {"scheduleScanIntervalInDays": 400}), None, "range"),
        (lambda c: c.registries.delete_many([]), None, None),
        (lambda c: c.images.list(page_size=5000), "page_size", "range"),
        (lambda c: c.tags.assign({"entityType": "IMAGE"}), None, None),
        (lambda c: c.images.get(object()), "sha", "type"),
        (lambda c: c.images.get("abc", timeout=-1), "timeout", "range"),
    ],
)
def test_validation_before_any_request(call, field, rule, client: Client, sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    sim.clear_requests()
    with pytest.raises(qualys_cs.ValidationError) as info:
        call(client)
    assert sim.requests() == []  # nothing was sent, not even /auth
    e = info.value
    assert isinstance(e, ValueError) and e.code == "E_VALIDATION" and e.field
    if field:
        assert e.field.endswith(field)
    if rule:
        assert e.rule == rule
    assert pickle.loads(pickle.dumps(e)).field == e.field


def test_config_errors() -> None:
    with pytest.raises(qualys_cs.ConfigError):
        Client(base_url="http://127.0.0.1:1")  # no credentials
    with pytest.raises(qualys_cs.ConfigError):
        Client(username="u", password="p")  # no platform
    with pytest.raises(qualys_cs.ValidationError):
        Client(platform="MARS1", username="u", password="p")  # type: ignore[arg-type]  # the types refuse it too
    with pytest.raises(qualys_cs.ValidationError):
        Client(base_url="http://127.0.0.1:1", username="u", password="p", auth="kerberos")  # type: ignore[arg-type]


def test_wrong_password(sim: Simulator) -> None:
    client = sim.client(password="wrong", max_retries=0)
    with pytest.raises(qualys_cs.AuthenticationError) as info:
        client.images.get("abc")
    assert info.value.status == 401
    assert "wrong" not in str(info.value)


def test_every_class_is_picklable() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.QualysError):
            e = cls("boom", code="E_X", field="f", status=500, method="GET", path="/p")
            clone = pickle.loads(pickle.dumps(e))
            assert type(clone) is cls and str(clone) == "boom" and clone.code == "E_X"
            assert clone.request == ("GET", "/p")
