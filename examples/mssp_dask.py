#!/usr/bin/env python3
"""Inventory many Qualys subscriptions (tenants) in parallel on Dask distributed.

    pip install "qualys-cs[dask]"
    python examples/mssp_dask.py --tenants tenants.json -o inventory/
    python examples/mssp_dask.py --tenants tenants.json --scheduler tcp://scheduler:8786
    python examples/mssp_dask.py --demo 3          # three embedded simulators as tenants

``tenants.json`` is a list of objects: ``name`` plus the ``Client`` arguments of that tenant
(``platform`` or ``base_url``, ``username`` and ``password`` or ``token``, ``auth``...); an entry with
only a name reads ``QUALYS_<NAME>_*`` on the workers (``QUALYS_ACME_USERNAME``...). Without
``--scheduler`` the work runs on a ``LocalCluster`` of worker processes.

Each worker keeps one client per tenant (its connections, token and rate limiter: Qualys limits each
subscription on its own), built on the worker by a worker plugin; a task lists one resource of one
tenant and returns its items, which are written to ``OUTPUT/<tenant>.jsonl`` as tasks finish (with a
DataFrame summary when pandas is installed). Credentials given in the file travel to the workers
inside the plugin: on a real cluster, use Dask's TLS security or the environment form.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from distributed import Client as DaskClient
from distributed import LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

import qualys_cs

#: What a task lists: (resource, method) on the client.
RESOURCES = ("images", "containers")
PLUGIN = "qualys-cs-tenants"


class Tenants(WorkerPlugin):
    """One qualys_cs client per tenant per worker, built on first use in the worker process."""

    name = PLUGIN

    def __init__(self, tenants: dict[str, dict[str, Any]]) -> None:
        self.tenants = tenants
        self.clients: dict[str, qualys_cs.Client] = {}

    def client(self, tenant: str) -> qualys_cs.Client:
        if tenant not in self.clients:
            config = self.tenants[tenant]
            if config:
                self.clients[tenant] = qualys_cs.Client(**config)
            else:  # QUALYS_<NAME>_* on the worker, read as QUALYS_* would be
                prefix = f"QUALYS_{tenant.upper().replace('-', '_')}_"
                env: dict[str, Any] = {
                    k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)
                }
                self.clients[tenant] = qualys_cs.Client(**env)
        return self.clients[tenant]


def inventory(tenant: str, resource: str) -> tuple[str, str, list[dict[str, Any]]]:
    """One resource of one tenant, with this worker's client for that tenant."""
    plugin: Tenants = get_worker().plugins[PLUGIN]  # type: ignore[assignment]
    client = plugin.client(tenant)
    items = getattr(client, resource).list(page_size=100).to_list()
    return tenant, resource, items


def run(dask: DaskClient, tenants: dict[str, dict[str, Any]], out_dir: Path) -> dict[str, dict[str, int]]:
    """Submit every (tenant, resource), write each tenant's JSONL as results arrive; counts per tenant."""
    dask.register_plugin(Tenants(tenants))
    futures = [dask.submit(inventory, t, r, pure=False) for t in tenants for r in RESOURCES]
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {t: open(out_dir / f"{t}.jsonl", "w") for t in tenants}
    counts: dict[str, dict[str, int]] = {t: {} for t in tenants}
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            tenant, resource, items = future.result()
            for item in items:
                files[tenant].write(json.dumps({"tenant": tenant, "resource": resource, **item}) + "\n")
            counts[tenant][resource] = len(items)
            print(f"{tenant}: {len(items)} {resource}", file=sys.stderr)
    finally:
        for f in files.values():
            f.close()
    return counts


def summary(out_dir: Path, tenants: dict[str, dict[str, Any]]) -> None:
    """A DataFrame of what was written, when pandas is installed."""
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return
    frame = pd.concat([pd.read_json(out_dir / f"{t}.jsonl", lines=True) for t in tenants], ignore_index=True)
    print(frame.groupby(["tenant", "resource"]).size().unstack(fill_value=0), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--tenants", type=Path, help="JSON list of {name, Client arguments...}")
    ap.add_argument("--demo", type=int, default=0, help="this many embedded simulators as tenants")
    ap.add_argument("--scheduler", help="a Dask scheduler address (default: a LocalCluster of processes)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("-o", "--output", type=Path, default=Path("inventory"), help="directory of <tenant>.jsonl")
    args = ap.parse_args(argv)

    with ExitStack() as stack:
        if args.tenants:
            entries = json.loads(args.tenants.read_text())
            tenants = {e["name"]: {k: v for k, v in e.items() if k != "name"} for e in entries}
        elif args.demo:
            from qualys_cs.testing import Simulator

            tenants = {}
            for i in range(args.demo):
                sim = stack.enter_context(Simulator(images=50 + 25 * i, containers=20 + 10 * i, seed=i + 1))
                tenants[f"tenant{i + 1}"] = {"base_url": sim.url, "username": sim.username, "password": sim.password}
        else:
            ap.error("give --tenants FILE or --demo N")
        if args.scheduler:
            dask = stack.enter_context(DaskClient(args.scheduler))  # type: ignore[no-untyped-call]
        else:
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=args.workers, threads_per_worker=2, processes=True, dashboard_address=None
                )
            )
            dask = stack.enter_context(DaskClient(cluster))  # type: ignore[no-untyped-call]
        started = time.monotonic()
        counts = run(dask, tenants, args.output)
        took = time.monotonic() - started
        print(json.dumps({"tenants": counts, "seconds": round(took, 2)}))
        summary(args.output, tenants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
