"""The GIL is released while calls wait, Ctrl-C interrupts a blocked call, asyncio cancellation
cancels the request, and one client is shared safely across threads."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from qualys_cs import Client
from qualys_cs.testing import Simulator


def test_gil_released_while_waiting(sim: Simulator) -> None:
    client = sim.client()
    client.sensors.activation_key()  # authenticate outside the measurement
    sim.inject_fault("delay", ms=1000, path_contains="/activationkey")
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.01)

    t = threading.Thread(target=spin)
    t.start()
    started = time.monotonic()
    client.sensors.activation_key()
    elapsed = time.monotonic() - started
    stop.set()
    t.join()
    assert elapsed >= 0.9
    # With the GIL held the spinner would not run at all during the call.
    assert ticks >= 40, ticks


def test_threads_overlap() -> None:
    with Simulator(latency=0.2) as slow:
        client = slow.client()
        client.sensors.activation_key()
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: client.sensors.activation_key(), range(8)))
        elapsed = time.monotonic() - started
        assert len(results) == 8 and all(r == results[0] for r in results)
        assert elapsed < 1.0, elapsed  # sequential would take 1.6 s


CHILD = textwrap.dedent(
    """
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from qualys_cs.testing import Simulator
    with Simulator() as sim:
        client = sim.client(max_retries=0)
        client.sensors.activation_key()
        sim.inject_fault("delay", ms=30000, path_contains="/activationkey")
        print("ready", flush=True)
        started = time.monotonic()
        try:
            client.sensors.activation_key()
        except KeyboardInterrupt:
            print(f"interrupted {time.monotonic() - started:.2f}", flush=True)
            sys.exit(0)
        print("not interrupted", flush=True)
        sys.exit(1)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_blocked_call() -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    waited = float(out.split()[-1])
    assert waited < 3.0, waited


async def test_async_cancellation_cancels_the_request(sim: Simulator) -> None:
    client = sim.async_client(max_retries=0)
    await client.sensors.activation_key()
    sim.inject_fault("delay", ms=5000, path_contains="/activationkey")
    task = asyncio.ensure_future(client.sensors.activation_key())
    await asyncio.sleep(0.3)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    # The client is still usable afterwards.
    assert await client.sensors.activation_key()


async def test_async_calls_run_concurrently() -> None:
    with Simulator(latency=0.2) as slow:
        client = slow.async_client()
        await client.sensors.activation_key()
        started = time.monotonic()
        results = await asyncio.gather(*(client.images.vulnerability_count("abc" * 4) for _ in range(8)),
                                       return_exceptions=True)  # fmt: skip
        assert len(results) == 8
        assert time.monotonic() - started < 1.0


def test_client_shared_across_threads(client: Client) -> None:
    def work(_: int) -> int:
        return len(client.images.list(page_size=50).to_list())

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, range(8))) == [250] * 8
