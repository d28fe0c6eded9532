"""API-client auth from Python: ``client_id``/``client_secret`` with ``auth="oidc"`` or ``"oauth"``
(also from ``QUALYS_CLIENT_ID``/``QUALYS_CLIENT_SECRET``), the token fetched from the gateway's
``/auth/oidc`` or ``/auth/oauth`` with the client's headers, the secret never shown."""

from __future__ import annotations

import pickle
from typing import Literal

import pytest

import qualys_cs
from qualys_cs import Client
from qualys_cs.testing import Simulator

# The API client every simulator knows (README: the simulator).
CLIENT_ID, CLIENT_SECRET = "qualys-client", "qualys-client-secret"


@pytest.mark.parametrize(("auth", "endpoint", "path"), [("oidc", "P49", "/auth/oidc"), ("oauth", "P50", "/auth/oauth")])
def test_a_token_for_the_api_client(sim: Simulator, auth: Literal["oidc", "oauth"], endpoint: str, path: str) -> None:
    sim.clear_requests()
    client = Client(base_url=sim.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth=auth)
    assert next(iter(client.images.list(page_size=1)))["sha"]
    [r] = sim.requests(endpoint=endpoint)
    headers = dict(r["headers"])
    assert (r["method"], r["path"]) == ("POST", path)
    assert headers["clientid"] == CLIENT_ID and headers["clientsecret"] == "***"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(sim.requests(endpoint="S17")[-1]["headers"])["authorization"] == "Bearer ***"
    assert CLIENT_SECRET not in repr(client)


def test_a_wrong_secret_is_refused_without_showing_it(sim: Simulator) -> None:
    client = Client(base_url=sim.url, client_id=CLIENT_ID, client_secret="wrong-secret-value", auth="oauth")
    with pytest.raises(qualys_cs.AuthenticationError) as e:
        client.images.get("0" * 64)
    assert e.value.status == 401 and "wrong-secret-value" not in str(e.value)


def test_from_the_environment(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {"QUALYS_CLIENT_ID": CLIENT_ID, "QUALYS_CLIENT_SECRET": CLIENT_SECRET, "QUALYS_AUTH": "oidc"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("QUALYS_BASE_URL", sim.url)
    for k in ("QUALYS_USERNAME", "QUALYS_PASSWORD", "QUALYS_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    assert next(iter(Client().images.list(page_size=1)))["sha"]


def test_the_id_and_secret_go_together(sim: Simulator) -> None:
    with pytest.raises(qualys_cs.ValidationError, match="client_secret"):
        Client(base_url=sim.url, client_id=CLIENT_ID, auth="oidc")
    client = Client(base_url=sim.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth="oidc")
    again = pickle.loads(pickle.dumps(client))
    assert next(iter(again.images.list(page_size=1)))["sha"]
