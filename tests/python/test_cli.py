"""The ``qualys-cs`` console script (the shared Rust command line) against the simulator."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from qualys_cs.testing import Simulator


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "-m", "qualys_cs._cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_console_script_is_installed() -> None:
    script = pathlib.Path(sys.executable).parent / "qualys-cs"
    assert script.exists(), script
    r = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert "Exit codes:" in r.stdout and "images" in r.stdout


def test_list_all_pages_dry_run_and_gate() -> None:
    with Simulator(images=9, password="pw-Secret-9") as sim:
        env = {"QUALYS_BASE_URL": sim.url, "QUALYS_USERNAME": sim.username, "QUALYS_PASSWORD": sim.password}
        r = cli(["images", "list", "--page-size", "4", "--all", "-o", "jsonl"], env)
        assert r.returncode == 0, r.stderr
        items = [json.loads(line) for line in r.stdout.splitlines()]
        assert len(items) == 9
        # `-v` sees every page's request, those the runtime's worker threads fetched included.
        verbose = cli(["images", "list", "--page-size", "4", "--all", "-o", "jsonl", "-vv"], env)
        assert verbose.returncode == 0, verbose.stderr
        assert verbose.stderr.count("GET /csapi/v1.3/images -> 200") == 3, verbose.stderr
        dry = cli(["sensors", "activation-key", "--dry-run"], env)
        assert dry.returncode == 0 and json.loads(dry.stdout)["method"] == "GET"
        assert "pw-Secret-9" not in dry.stdout + dry.stderr
        gate = cli(["gate", "vulns", items[0]["sha"], "--max-severity", "0", "-v"], env)
        assert gate.returncode == 1, gate.stdout + gate.stderr
        assert gate.stdout.startswith("FAIL")
        missing = cli(["images", "list"], {"QUALYS_BASE_URL": sim.url})
        assert missing.returncode == 3 and "no credentials" in missing.stderr


def test_ctrl_c_stops_a_long_listing_with_130() -> None:
    # 2,000 images, 2 a page, 0.25 s a request: even with pages fetched ahead, the listing would
    # take well over 10 s.
    with Simulator(images=2000, latency=0.25) as sim:
        script = pathlib.Path(sys.executable).parent / "qualys-cs"
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **sim.env()}
        proc = subprocess.Popen(
            [str(script), "images", "list", "--page-size", "2", "--all", "-o", "jsonl"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            # Interrupt mid-listing: once a few pages have been asked for.
            while len(sim.requests(endpoint="S17")) < 3:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the listing did not start"
                time.sleep(0.05)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
            took = time.monotonic() - sent
        finally:
            proc.kill()
            proc.wait()
        assert took < 3, f"took {took:.1f}s to stop"
        assert len(out.splitlines()) < 2000, "the listing ran to its end"
        assert proc.returncode == 130, (proc.returncode, err)
        assert "Traceback" not in err, err
        assert "interrupted" in err, err


def test_csv_is_what_to_csv_writes(tmp_path: pathlib.Path) -> None:
    # The same bytes: the command line's `-o csv` and `to_csv` both write core's CSV of the list.
    with Simulator(images=23, containers=11) as sim:
        client = sim.client()
        lists: list[tuple[list[str], Callable[[pathlib.Path], int]]] = [
            (["images", "list", "--page-size", "7"], lambda p: client.images.list(page_size=7).to_csv(p)),
            (["containers", "list"], lambda p: client.containers.list().to_csv(p)),
        ]
        for words, to_csv in lists:
            r = subprocess.run(
                [sys.executable, "-m", "qualys_cs._cli", *words, "--all", "-o", "csv"],
                env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **sim.env()},
                capture_output=True,
                timeout=60,
                check=False,
            )
            assert r.returncode == 0, r.stderr
            path = tmp_path / f"{words[0]}.csv"
            to_csv(path)
            assert r.stdout == path.read_bytes()


def test_sim_serves_from_the_console_script(tmp_path: pathlib.Path) -> None:
    # The pip install ships only `qualys-cs`: `qualys-cs sim` is its simulator, on the binding's
    # runtime, answering another `qualys-cs`. SIGTERM is the interpreter's to handle: it ends the
    # process, and the simulator with it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualys_cs._cli", "sim", "--port", "0", "--images", "5"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        env = {"QUALYS_BASE_URL": url, "QUALYS_USERNAME": "qualys", "QUALYS_PASSWORD": "qualys"}
        r = cli(["images", "list", "-o", "jsonl"], env)
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) == 5
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == -signal.SIGTERM, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
