"""A script whose async calls have just finished exits cleanly.

pyo3-async-runtimes hands an awaitable's result to asyncio on a tokio thread, taking the GIL just
after the Rust future ends; when the interpreter was already finalizing, the process aborted (seen in
about 30% of runs before the `atexit` drain in ``qualys_cs/__init__.py``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import asyncio
    from qualys_cs import AsyncClient
    from qualys_cs.testing import Simulator

    async def main() -> None:
        with Simulator(images=3000, latency=0.001) as sim:
            async with AsyncClient(base_url=sim.url, username=sim.username, password=sim.password) as ac:
                n = 0
                async for _ in ac.images.bulk_list(limit=50):
                    n += 1
                assert n == 3000, n

    asyncio.run(main())
    """
)


def test_async_scripts_exit_cleanly() -> None:
    for _ in range(8):
        done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
