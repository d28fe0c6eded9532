"""Shared by the examples: a client for Qualys when QUALYS_* credentials are set, else for the
embedded simulator (so every example runs anywhere)."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext

from qualys_cs import Client
from qualys_cs.testing import Simulator


def connect(images: int = 200) -> tuple[Client, AbstractContextManager[object]]:
    """The client, and a context that keeps the simulator (if any) running."""
    if os.environ.get("QUALYS_USERNAME") or os.environ.get("QUALYS_TOKEN"):
        return Client.from_env(), nullcontext()
    sim = Simulator(images=images)
    print(f"no QUALYS_* credentials: using the embedded simulator at {sim.url}", file=sys.stderr)
    return sim.client(), sim
