"""Every process model: fork (pools and os.fork, sync and async clients, a pager in flight), spawn with
pickled clients, the environment as the default configuration, many processes sharing one rate limit.

Every wait is bounded (pool results with a timeout, children polled with a deadline) so a hang fails.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import qualys_cs
from qualys_cs import AsyncClient, Client
from qualys_cs.testing import Simulator

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX")

TIMEOUT = 60.0

# What forked children inherit: set before the fork (pool workers run module-level functions).
_CLIENT: Client | None = None
_URL = ""


@pytest.fixture(scope="module")
def psim() -> Iterator[Simulator]:
    with Simulator(images=40) as s:
        yield s


def _get_with_parent_client(sha: str) -> tuple[int, str]:
    assert _CLIENT is not None
    return os.getpid(), _CLIENT.images.get(sha)["sha"]


def _get_with_new_client(sha: str) -> tuple[int, str]:
    client = Client(base_url=_URL, username="qualys", password="qualys")
    return os.getpid(), client.images.get(sha)["sha"]


def _fork_pool() -> Any:
    return multiprocessing.get_context("fork").Pool(2)


def _wait_child(pid: int, timeout: float = TIMEOUT) -> int:
    """The exit code of a forked child, killing it (and failing) if it outlives `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"child {pid} still running after {timeout} s")


def _in_child(body: Callable[[], None]) -> int:
    """Run `body` in a forked child; its exit code (0: it returned, 1: it raised)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return _wait_child(pid)


@pytest.mark.parametrize("make", [_get_with_parent_client, _get_with_new_client], ids=["parent", "new"])
def test_a_used_client_in_a_fork_pool(psim: Simulator, make: Callable[[str], tuple[int, str]]) -> None:
    global _CLIENT, _URL
    _CLIENT, _URL = psim.client(), psim.url
    # Used before the fork: a token, pooled connections and runtime threads in the parent.
    sha = next(iter(_CLIENT.images.list(page_size=5)))["sha"]
    for _ in range(2):  # a second pool forks children of a parent that has served the first
        with _fork_pool() as pool:
            results = pool.map_async(make, [sha] * 6).get(TIMEOUT)
        assert [s for _, s in results] == [sha] * 6
        assert {pid for pid, _ in results} - {os.getpid()}, "ran in the children"
    # The parent keeps working, on its own connections.
    assert _CLIENT.images.get(sha)["sha"] == sha


def test_a_forked_child_keeps_the_token_and_opens_its_own_connections(psim: Simulator) -> None:
    client = psim.client()  # JWT: one POST /auth
    client.images.list(page_size=5).to_list()
    psim.clear_requests()

    def child() -> None:
        assert len(client.images.list(page_size=10).to_list()) == 40

    assert _in_child(child) == 0
    paths = [r["path"] for r in psim.requests()]
    assert paths and "/auth" not in paths, "the still-valid token was reused"
    client.images.list(page_size=40).to_list()


def test_os_fork_with_a_prefetching_pager_in_flight(psim: Simulator) -> None:
    client = psim.client()
    pages = client.images.list(page_size=4, prefetch=4).pages()
    first = next(pages)  # the next pages are being fetched by the parent's runtime

    def child() -> None:
        # The list belongs to the parent: a clear error, not a hang.
        with pytest.raises(qualys_cs.ForkError, match="fork") as info:
            next(pages)
        assert info.value.code == "E_FORK"
        # The client itself works: a new list in the child.
        assert len(client.images.list(page_size=10).to_list()) == 40

    assert _in_child(child) == 0
    # The parent's list goes on where it was, every item once.
    shas = [i["sha"] for i in first.items] + [i["sha"] for p in pages for i in p.items]
    assert len(shas) == len(set(shas)) == 40


def test_async_clients_across_fork(psim: Simulator) -> None:
    aclient = psim.async_client()

    async def count(c: AsyncClient) -> int:
        n = 0
        async for _ in c.images.list(page_size=10):
            n += 1
        return n

    assert asyncio.run(count(aclient)) == 40

    def child() -> None:
        assert asyncio.run(count(aclient)) == 40  # the parent's client
        assert asyncio.run(count(psim.async_client())) == 40  # a new one

    assert _in_child(child) == 0
    assert asyncio.run(count(aclient)) == 40


def _get_with(client: Client, sha: str) -> str:
    return str(client.images.get(sha)["sha"])


def test_spawn_with_a_pickled_client(psim: Simulator) -> None:
    client = psim.client()
    sha = next(iter(client.images.list(page_size=5)))["sha"]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.starmap_async(_get_with, [(client, sha)] * 4).get(TIMEOUT) == [sha] * 4
        # Exceptions come back typed, with their attributes.
        with pytest.raises(qualys_cs.NotFoundError) as info:
            pool.apply_async(_get_with, (client, "nope")).get(TIMEOUT)
    assert info.value.status == 404 and info.value.request == ("GET", "/csapi/v1.3/images/nope")


def _provider() -> str:
    return "not-a-real-token"


class _Unpicklable:
    """A token provider holding a lock: neither pickle nor cloudpickle can ship it."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def __call__(self) -> str:
        return "t"


def test_pickle_carries_the_configuration(psim: Simulator) -> None:
    client = psim.client(timeout=5.0, max_retries=1).with_options(extra_headers={"x-trace": "1"})
    clone = pickle.loads(pickle.dumps(client))
    assert type(clone) is Client and clone.base_url == client.base_url and clone.username == "qualys"
    assert clone._config == client._config and clone._call_options == client._call_options
    psim.clear_requests()
    clone.images.list(page_size=5).to_list()
    assert ("x-trace", "1") in [tuple(h) for h in psim.requests()[-1]["headers"]]
    # Explicit credentials travel in the pickle (documented).
    assert b"qualys" in pickle.dumps(client)

    raw = pickle.loads(pickle.dumps(client.with_raw_response))
    assert type(raw) is qualys_cs.RawClient and raw.images.list(page_size=5).status == 200
    aclone = pickle.loads(pickle.dumps(psim.async_client()))
    assert type(aclone) is AsyncClient and aclone.base_url == psim.url

    # A token provider must pickle itself: a module-level function does, a lambda does not.
    assert (
        pickle.loads(pickle.dumps(Client(base_url=psim.url, token_provider=_provider)))._config["token_provider"]
        is _provider
    )
    with pytest.raises(TypeError, match=r"token_provider .* does not pickle"):
        pickle.dumps(Client(base_url=psim.url, token_provider=_Unpicklable()))
    # What cloudpickle ships (Dask, Ray) may hold a lambda.
    cloudpickle = pytest.importorskip("cloudpickle")
    clone = cloudpickle.loads(cloudpickle.dumps(Client(base_url=psim.url, token_provider=lambda: "t")))
    assert clone._config["token_provider"]() == "t"


def test_a_client_from_the_environment_reads_it_again_when_unpickled(
    psim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in psim.env().items():
        monkeypatch.setenv(k, v)
    data = pickle.dumps(Client(timeout=7.0))
    assert b"password" not in data and b"username" not in data, "read from the environment, not carried"
    monkeypatch.setenv("QUALYS_BASE_URL", "http://127.0.0.1:9")
    clone = pickle.loads(data)
    assert clone.base_url == "http://127.0.0.1:9" and clone._config == {"timeout": 7.0}
    assert pickle.loads(pickle.dumps(Client.from_env())).base_url == "http://127.0.0.1:9"


def test_the_environment_is_the_default(psim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("QUALYS_USERNAME", "QUALYS_PASSWORD", "QUALYS_TOKEN", "QUALYS_PLATFORM", "QUALYS_BASE_URL",
              "QUALYS_AUTH_URL", "QUALYS_AUTH", "QUALYS_PROXY"):  # fmt: skip
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(qualys_cs.ConfigError) as info:
        Client(base_url=psim.url)
    for name in ("username", "token", "QUALYS_USERNAME", "QUALYS_PASSWORD", "QUALYS_TOKEN"):
        assert name in str(info.value)
    with pytest.raises(qualys_cs.ConfigError, match="QUALYS_PLATFORM or QUALYS_BASE_URL"):
        Client(username="u", password="p")

    for k, v in psim.env().items():
        monkeypatch.setenv(k, v)
    for client in (Client(), Client.from_env()):
        assert client.base_url == psim.url and client.username == psim.username
        assert len(client.images.list(page_size=20).to_list()) == 40
    assert asyncio.run(AsyncClient().images.get(next(iter(Client().images.list()))["sha"]))
    # Explicit arguments win over the environment.
    assert Client(base_url="http://127.0.0.1:9").base_url == "http://127.0.0.1:9"
    with pytest.raises(qualys_cs.AuthenticationError):
        Client.from_env(username=psim.username, password="wrong", max_retries=0).images.list().to_list()


def _list_all(url: str) -> tuple[int, int, float]:
    """List every image with a client of this process: (items, failed calls, seconds)."""
    client = Client(base_url=url, username="qualys", password="qualys", auth="basic")
    start = time.monotonic()
    try:
        n = len(client.images.list(page_size=5).to_list())
        return n, 0, time.monotonic() - start
    except qualys_cs.QualysError:
        return 0, 1, time.monotonic() - start


def test_many_processes_share_one_rate_limit() -> None:
    # The images family at 10 calls a second for the whole subscription; 4 processes of 20 pages
    # each: the others' calls draw 429s, which are waited out as the server asks, never failed.
    with Simulator(images=100, rate_limits={"images": (10, 1.0)}, request_log=10_000) as sim:
        with multiprocessing.get_context("spawn").Pool(4) as pool:
            results = pool.map_async(_list_all, [sim.url] * 4).get(TIMEOUT)
        calls = sim.requests(endpoint="S17")
    assert [(n, failed) for n, failed, _ in results] == [(100, 0)] * 4, results
    answered = sum(1 for r in calls if r["status"] == 200)
    assert answered == 4 * 20


class _ClosingServer:
    """A keep-alive HTTP server of the test's own that closes connections as a server's idle timeout
    does. ``drop_second``: answer the first request of a connection, then read the next one and close
    without answering; otherwise answer, then close the idle connection 50 ms later."""

    def __init__(self, drop_second: bool) -> None:
        import socket
        import threading

        self.drop_second = drop_second
        self.log: list[tuple[int, str]] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        n = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            n += 1
            threading.Thread(target=self._serve, args=(conn, n), daemon=True).start()

    @staticmethod
    def _read(conn: Any) -> str | None:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        length = next(
            (
                int(v)
                for k, _, v in (ln.partition(b":") for ln in head.split(b"\r\n"))
                if k.lower() == b"content-length"
            ),
            0,
        )
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            body += chunk
        return head.split(b"\r\n", 1)[0].decode()

    def _serve(self, conn: Any, n: int) -> None:
        with conn:
            first = self._read(conn)
            if first is None:
                return
            self.log.append((n, first))
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
            if self.drop_second:
                second = self._read(conn)
                if second is not None:
                    self.log.append((n, second))
            else:
                time.sleep(0.05)

    def close(self) -> None:
        self._sock.close()


def test_a_get_on_a_connection_the_server_closed_is_sent_again() -> None:
    server = _ClosingServer(drop_second=True)
    try:
        client = Client(base_url=server.url, token="t", max_retries=0, timeout=10.0)
        assert client.request("GET", "/csapi/v1.3/images/abc") == {}
        # The HTTP stack puts an answered connection back in its pool on a task of its own: give
        # it the moment, so the next call does take that connection (on a busy machine it could
        # otherwise open a second one, and the case under test would not happen).
        time.sleep(0.2)
        assert client.request("GET", "/csapi/v1.3/images/abc") == {}  # the server drops it: sent again
        assert [n for n, _ in server.log] == [1, 1, 2]
        # A write that was written before the connection closed is not sent twice.
        server.log.clear()
        client.request("POST", "/csapi/v1.3/tags", body={"name": "t"})
        time.sleep(0.2)
        with pytest.raises(qualys_cs.APIConnectionError):
            client.request("POST", "/csapi/v1.3/tags", body={"name": "t"})
        assert len(server.log) == 2
    finally:
        server.close()


_FROZEN_CLIENT = """
import sys, qualys_cs
c = qualys_cs.Client(base_url=sys.argv[1], token="t", max_retries=0, timeout=10.0)
c.request("GET", "/csapi/v1.3/images/abc")
c.request("POST", "/csapi/v1.3/tags", body={"name": "t"})  # each pool now holds a connection
print("ready", flush=True)
sys.stdin.readline()  # frozen (SIGSTOP) before this line is sent, thawed (SIGCONT) after
for method, body in (("POST", {"name": "t"}), ("GET", None)):
    c.request(method, "/csapi/v1.3/images/abc" if method == "GET" else "/csapi/v1.3/tags", body=body)
print("done", flush=True)
"""


def test_after_a_freeze_and_thaw_the_next_calls_succeed() -> None:
    """AWS Lambda freezes the process between invocations; the server closes the idle connection
    meanwhile. On thaw, a GET and a POST both succeed, each written once."""
    import subprocess

    server = _ClosingServer(drop_second=False)
    child = subprocess.Popen(
        [sys.executable, "-c", _FROZEN_CLIENT, server.url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGSTOP)
        time.sleep(1.5)  # the server closes the connection while the client is frozen
        child.send_signal(signal.SIGCONT)
        child.stdin.write("go\n")
        child.stdin.flush()
        out, _ = child.communicate(timeout=TIMEOUT)
        assert out.strip() == "done" and child.returncode == 0
        assert len(server.log) == 4, server.log
        assert len({n for n, _ in server.log}) == 4, "each call on a new connection"
    finally:
        child.kill()
        server.close()
