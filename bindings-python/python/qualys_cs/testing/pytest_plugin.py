"""pytest fixtures for scripts that use qualys_cs, registered through the ``pytest11`` entry point.

``qualys_simulator``: a running :class:`~qualys_cs.testing.Simulator` for the test (fresh per test;
mark a test with ``@pytest.mark.qualys_simulator(images=500, latency=0.05)`` to configure it).
``qualys_client``: a :class:`~qualys_cs.Client` bound to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .._client import Client
from . import Simulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "qualys_simulator(**options): options of the qualys_simulator fixture")


@pytest.fixture
def qualys_simulator(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    marker = request.node.get_closest_marker("qualys_simulator")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    with Simulator(**options) as sim:
        yield sim


@pytest.fixture
def qualys_client(qualys_simulator: Simulator) -> Client:
    return qualys_simulator.client()
