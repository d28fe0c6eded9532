"""Test your own scripts without Qualys: an embedded csapi simulator, started in-process.

    from qualys_cs.testing import Simulator

    with Simulator(images=50) as sim:
        client = sim.client()
        assert len(client.images.list().to_list()) == 50
        print(sim.requests()[-1]["path"])

Your own records, mixed with the generated ones or instead of them (``generated=False``)::

    with Simulator(generated=False, fixtures={"images": [{"sha": "ab" * 32, "operatingSystem": "Alpine"}]}) as sim:
        sim.add_containers([{"imageSha": "ab" * 32, "name": "web"}])

With pytest, the ``qualys_simulator`` fixture (registered by the package's pytest plugin) yields a
running :class:`Simulator`, and ``qualys_client`` a :class:`~qualys_cs.Client` bound to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from .._client import AsyncClient, Client
from .._native import NativeSimulator

__all__ = ["Simulator"]

FaultKind = Literal["status", "drop", "malformed", "truncate", "delay", "slow_body"]
Resource = Literal[
    "images",
    "containers",
    "registries",
    "tags",
    "sensors",
    "reports",
    "policies",
    "controls",
    "events",
    "k8s_postures",
    "k8s_clusters",
]
# Resource names as keys (checked when the simulator starts; a plain `dict[str, ...]` is accepted).
Fixtures = str | os.PathLike[str] | Mapping[str, Iterable[Mapping[str, Any]] | Mapping[str, Any]]


class Simulator:
    """A local csapi server on 127.0.0.1 (ephemeral port) with deterministic seeded data, Basic and
    JWT auth, every endpoint's pagination, QQL filters, Qualys error bodies, rate-limit headers and
    injected faults. It starts on construction and stops on :meth:`close` (or leaving ``with``).

    :param images, containers, sensors, registries: how many of each (generated on demand:
        millions cost no memory).
    :param counts: every count by name: images, containers, sensors, registries,
        repositories_per_registry, schedules_per_registry, controls, events, reports, k8s_postures,
        policies, tags (a count also given by its own keyword wins).
    :param latency: seconds added to every request (``latency_ms``: the same in milliseconds).
    :param faults: random fault rates: error_rate, drop_rate, malformed_rate, truncate_rate (0..1),
        slow_body (seconds between body chunks).
    :param rate_limits: ``True``/``"published"`` (Qualys' limits), a scale factor (``0.1`` = a
        tenth of them), or ``{family: (calls, window_seconds)}``, e.g. ``{"images": (10, 1.0)}``.
    :param retry_after: also send ``Retry-After`` beside ``X-RateLimit-ToWait-Sec`` on a 429 (no
        Qualys source mentions it; off by default).
    :param subscription: ``"full"`` (default), ``"trial"`` or ``"free"`` (reports answer 409).
    :param strict_accept: answer 406 when a success's content type is not one the request's
        ``Accept`` allows, as a strict gateway does.
    :param link_case, link_end: the bulk lists' ``link`` header: its name ``"lower"`` (``link``, the
        default) or ``"title"`` (``Link``); what the last page sends, ``"null"`` (the default),
        ``"absent"`` or ``"empty"``.
    :param link_host: the host that header's URL names (Qualys' samples name another host than
        the one asked; clients take only its cursor).
    :param fixtures: your own records, served like generated ones (filters, sort, paging, get,
        delete): a directory of ``images.json``, ``containers.json``, ``registries.json``,
        ``tags.json``, ``sensors.json``, ``reports.json``, ``policies.json``, ``controls.json``,
        ``events.json``, ``k8s_postures.json``, ``k8s_clusters.json`` (each a list answer
        ``{"data": [...]}`` or a bare list), or a mapping of those names to records. A record is
        shaped like an item of the list answer; missing fields are filled, unknown ones kept. A
        bad record raises ``ValueError`` naming the file, the record and the rule.
    :param generated: ``False``: no generated images, containers, sensors, registries or tags
        (only your records; ``images=``/``counts=`` still set counts explicitly).
    """

    def __init__(
        self,
        *,
        images: int | None = None,
        containers: int | None = None,
        sensors: int | None = None,
        registries: int | None = None,
        counts: Mapping[str, int] | None = None,
        latency: float | None = None,
        latency_ms: float | None = None,
        faults: Mapping[str, float] | None = None,
        rate_limits: bool | float | str | Mapping[str, tuple[int, float]] | None = None,
        retry_after: bool | None = None,
        subscription: Literal["full", "trial", "free"] | None = None,
        username: str | None = None,
        password: str | None = None,
        seed: int | None = None,
        token_ttl: float | None = None,
        port: int | None = None,
        request_log: int | None = None,
        strict_accept: bool | None = None,
        link_host: str | None = None,
        link_case: Literal["lower", "title"] | None = None,
        link_end: Literal["null", "absent", "empty"] | None = None,
        fixtures: Fixtures | None = None,
        generated: bool | None = None,
    ) -> None:
        # Every keyword goes to the simulator's one option reader as it is (it applies `counts`
        # before the single counts, and refuses a bad value naming the keyword).
        self._native = NativeSimulator(
            username=username,
            password=password,
            seed=seed,
            counts=dict(counts) if counts else None,
            images=images,
            containers=containers,
            sensors=sensors,
            registries=registries,
            latency=latency,
            latency_ms=latency_ms,
            faults=dict(faults) if faults else None,
            rate_limits=dict(rate_limits) if isinstance(rate_limits, Mapping) else rate_limits,
            retry_after=retry_after,
            subscription=subscription,
            token_ttl=token_ttl,
            port=port,
            request_log=request_log,
            strict_accept=strict_accept,
            link_host=link_host,
            link_case=link_case,
            link_end=link_end,
            fixtures=_fixtures(fixtures),
            generated=generated,
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: pass it as ``base_url``."""
        return self._native.url

    @property
    def username(self) -> str:
        return self._native.username

    @property
    def password(self) -> str:
        return self._native.password

    def client(self, **kwargs: Any) -> Client:
        """A :class:`~qualys_cs.Client` for this simulator (keyword arguments are passed on)."""
        kwargs.setdefault("base_url", self.url)
        kwargs.setdefault("username", self.username)
        kwargs.setdefault("password", self.password)
        return Client(**kwargs)

    def async_client(self, **kwargs: Any) -> AsyncClient:
        """An :class:`~qualys_cs.AsyncClient` for this simulator."""
        kwargs.setdefault("base_url", self.url)
        kwargs.setdefault("username", self.username)
        kwargs.setdefault("password", self.password)
        return AsyncClient(**kwargs)

    def env(self) -> dict[str, str]:
        """``QUALYS_*`` variables pointing at this simulator (for subprocesses and ``from_env``)."""
        return {"QUALYS_BASE_URL": self.url, "QUALYS_USERNAME": self.username, "QUALYS_PASSWORD": self.password}

    def requests(self, *, endpoint: str | None = None) -> list[dict[str, Any]]:
        """The request log, oldest first: dicts with ``method``, ``path``, ``decoded_path``,
        ``query``, ``query_pairs``, ``headers`` (authorization reduced to its scheme), ``body``,
        ``endpoint`` (the table id, e.g. ``"S17"``), ``status``, ``fault``. ``endpoint=`` filters."""
        log: list[dict[str, Any]] = self._native.requests()
        return [r for r in log if endpoint is None or r.get("endpoint") == endpoint]

    def clear_requests(self) -> None:
        self._native.clear_requests()

    def inject_fault(
        self,
        kind: FaultKind = "status",
        *,
        status: int | None = None,
        ms: int | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        path_contains: str | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` matching requests fail: ``status`` (with a Qualys error body,
        or ``body``), ``drop`` (close the connection), ``malformed`` (200 with broken JSON),
        ``truncate``, ``delay`` (``ms``) or ``slow_body`` (``ms`` between chunks)."""
        fault: dict[str, Any] = {"kind": kind, "times": times}
        for key, value in (("status", status), ("ms", ms), ("body", body), ("path_contains", path_contains),
                           ("method", method)):  # fmt: skip
            if value is not None:
                fault[key] = value
        if headers:
            fault["headers"] = dict(headers)
        self._native.inject(fault)

    def add(self, resource: Resource, records: Iterable[Mapping[str, Any]]) -> int:
        """Add records of one resource to the running simulator (all or none; ``ValueError``
        naming the record and the rule otherwise). Returns how many were added."""
        return self._native.add(resource, [dict(r) for r in records])

    def add_images(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add images (items shaped like ``images.list``'s)."""
        return self.add("images", records)

    def add_containers(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add containers (items shaped like ``containers.list``'s)."""
        return self.add("containers", records)

    def add_registries(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add registries (items shaped like ``registries.list``'s; ``registryUri`` required)."""
        return self.add("registries", records)

    def add_tags(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add tags (``{"name": ..., "tagId": ...}``, as ``tags.create`` answers)."""
        return self.add("tags", records)

    def add_sensors(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add sensors (items shaped like ``sensors.list``'s)."""
        return self.add("sensors", records)

    def set_latency(self, seconds: float) -> None:
        """Latency added to every request from now on."""
        self._native.set_latency(seconds)

    def close(self) -> None:
        """Stop the server (idempotent)."""
        self._native.shutdown()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Simulator(url={self.url!r})"


def _fixtures(f: Fixtures | None) -> str | Mapping[str, Any] | None:
    """A path as ``str``; a mapping with its records as lists (iterables are consumed once)."""
    if f is None:
        return None
    if isinstance(f, Mapping):
        return {k: (dict(v) if isinstance(v, Mapping) else [dict(r) for r in v]) for k, v in f.items()}
    return os.fspath(f)
