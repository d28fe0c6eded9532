"""A call's ``deadline`` and its budget of waits, sync and async, against loopback servers of the
tests' own: one that answers 429 forever, one that never answers, ones that ask for a wait longer
than a call may wait (on a 429 and on a 200 with ``X-RateLimit-Remaining: 0``). Also the checks made
before anything is sent (``filter`` and header values) and the message of a refused API-client
token. Every call is bounded: a hang fails the test."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

from qualys_cs import (
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    Client,
    DeadlineExceededError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)

Reply = Callable[[BaseHTTPRequestHandler, int], None]
HUGE = "9223372036854775807"


class Server:
    """A loopback server answering the n-th request (from 1) with ``reply(handler, n)``."""

    def __init__(self, reply: Reply) -> None:
        self.seen: list[str] = []
        seen = self.seen
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with lock:
                    seen.append(self.path)
                    n = len(seen)
                reply(self, n)

            do_GET = do_POST = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def images(self) -> int:
        return sum(1 for p in self.seen if p.startswith("/csapi/"))


@pytest.fixture
def serve() -> Iterator[Callable[[Reply], Server]]:
    servers: list[Server] = []

    def start(reply: Reply) -> Server:
        s = Server(reply)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


def answer(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str] | None = None, body: Any = None) -> None:
    data = json.dumps(body if body is not None else {"errorCode": "CMS-1", "message": "no"}).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)


def too_many(h: BaseHTTPRequestHandler, n: int) -> None:
    answer(h, 429, {"X-RateLimit-ToWait-Sec": "0"})


def silent(h: BaseHTTPRequestHandler, n: int) -> None:
    # Never answers within any test's bound; the thread ends on its own.
    time.sleep(20)


def exhausted(wait: str) -> Reply:
    """A 200 saying nothing remains of the family's window, and to wait ``wait`` seconds."""

    def reply(h: BaseHTTPRequestHandler, n: int) -> None:
        answer(
            h,
            200,
            {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Window-Sec": "60",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-ToWait-Sec": wait,
            },
            {"sha": "abc"},
        )

    return reply


def client(server: Server, **kw: Any) -> Client:
    kw.setdefault("backoff", (0.2, 2))
    return Client(base_url=server.url, token="t0ken-value", **kw)


def aclient(server: Server, **kw: Any) -> AsyncClient:
    kw.setdefault("backoff", (0.2, 2))
    return AsyncClient(base_url=server.url, token="t0ken-value", **kw)


def bounded(f: Callable[[], Any]) -> tuple[BaseException, float]:
    """Run ``f`` on a thread bounded in time; the exception it raised and how long it took."""
    out: list[Any] = []

    def run() -> None:
        try:
            f()
            out.append(None)
        except BaseException as e:  # handed back to the test
            out.append(e)

    started = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(30)
    assert out, "the call ended within 30 s"
    assert isinstance(out[0], BaseException), "the call failed"
    return out[0], time.monotonic() - started


def assert_deadline(err: BaseException, deadline: float, took: float) -> None:
    assert isinstance(err, DeadlineExceededError), repr(err)
    # A timeout error to every handler of timeouts.
    assert isinstance(err, APITimeoutError) and isinstance(err, TimeoutError)
    assert err.code == "E_DEADLINE_EXCEEDED"
    assert took <= deadline + 0.5, took
    assert err.attempts is not None and err.attempts >= 1
    assert err.elapsed is not None and err.elapsed <= took
    assert err.deadline == deadline
    assert f"gave up after {err.attempts} attempt" in str(err), str(err)
    assert f"in {err.elapsed:.1f} s (deadline" in str(err), str(err)


def test_a_429_storm_ends_at_the_deadline(serve: Callable[[Reply], Server]) -> None:
    s = serve(too_many)
    c = client(s, deadline=2)
    err, took = bounded(lambda: c.images.get("abc"))
    assert_deadline(err, 2, took)
    assert "HTTP 429" in str(err)
    assert s.images() >= 2


def test_a_silent_server_ends_at_the_deadline(serve: Callable[[Reply], Server]) -> None:
    s = serve(silent)
    c = client(s, timeout=120)
    err, took = bounded(lambda: c.images.get("abc", deadline=1.5))
    assert_deadline(err, 1.5, took)
    assert isinstance(err, DeadlineExceededError) and err.attempts == 1
    # The same default through with_options, and 0 lifting it (the attempt's timeout ends it).
    err, took = bounded(lambda: c.with_options(deadline=1).images.get("abc"))
    assert_deadline(err, 1, took)
    err, _ = bounded(lambda: c.with_options(deadline=1).images.get("abc", deadline=0, timeout=1.5, max_retries=0))
    assert type(err) is APITimeoutError, repr(err)
    assert err.attempts == 1 and err.elapsed is not None and err.elapsed >= 1.5


async def test_async_a_429_storm_and_a_silent_server_end_at_the_deadline(serve: Callable[[Reply], Server]) -> None:
    for reply, deadline in ((too_many, 2.0), (silent, 1.5)):
        s = serve(reply)
        async with aclient(s, deadline=deadline, timeout=120) as c:
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError) as info:
                await asyncio.wait_for(c.images.get("abc"), 30)
            assert_deadline(info.value, deadline, time.monotonic() - started)


async def test_async_per_call_deadline(serve: Callable[[Reply], Server]) -> None:
    s = serve(silent)
    async with aclient(s) as c:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as info:
            await asyncio.wait_for(c.request("GET", "/csapi/v1.3/images/abc", deadline=1), 30)
        assert_deadline(info.value, 1, time.monotonic() - started)


@pytest.mark.parametrize("path", ["429", "remaining-0"])
def test_a_huge_wait_fails_at_once_on_both_paths(serve: Callable[[Reply], Server], path: str) -> None:
    def reply(h: BaseHTTPRequestHandler, n: int) -> None:
        if path == "429":
            answer(h, 429, {"X-RateLimit-ToWait-Sec": HUGE})
        else:
            exhausted(HUGE)(h, n)

    s = serve(reply)
    c = client(s)
    if path == "429":
        err, took = bounded(lambda: c.images.get("abc"))
        assert isinstance(err, RateLimitError) and took < 0.5, (err, took)
    else:
        assert c.images.get("abc")["sha"] == "abc"
    # The next call: the family's wait does not fit in max_retry_wait; refused at once, unsent.
    err, took = bounded(lambda: c.images.get("abc"))
    assert isinstance(err, RateLimitError), repr(err)
    assert err.retry_after is not None and err.retry_after > 3600
    assert took < 0.5, took
    assert s.images() == 1


def test_a_wait_past_the_deadline_fails_at_once(serve: Callable[[Reply], Server]) -> None:
    s = serve(exhausted("5"))
    c = client(s, deadline=2)
    c.images.get("abc")
    err, took = bounded(lambda: c.images.get("abc"))
    assert isinstance(err, RateLimitError) and took < 0.5, (err, took)
    assert "left of the deadline" in str(err)
    assert err.retry_after is not None and 4 < err.retry_after <= 5


def test_arguments_are_checked_before_sending(serve: Callable[[Reply], Server]) -> None:
    s = serve(lambda h, n: answer(h, 200, body={"data": [], "count": 0}))
    c = client(s)
    with pytest.raises(ValidationError) as info:
        c.images.list(filter=123)  # type: ignore[arg-type]
    assert info.value.field == "filter" and "must be a string" in str(info.value)
    with pytest.raises(ValidationError) as info:
        c.images.get("abc", extra_headers={"X-A": 1})  # type: ignore[dict-item]
    assert info.value.field == "extra_headers" and "X-A" in str(info.value)
    with pytest.raises(ValidationError) as info:
        c.with_options(extra_headers={"X-A": True})  # type: ignore[dict-item]
    assert info.value.field == "extra_headers"
    with pytest.raises(ValidationError) as info:
        c.request("GET", "/csapi/v1.3/images", extra_headers=[("X-A", 2)])  # type: ignore[list-item]
    assert info.value.field == "extra_headers"
    assert s.seen == [], "nothing was sent"


async def test_async_arguments_are_checked_before_sending(serve: Callable[[Reply], Server]) -> None:
    s = serve(lambda h, n: answer(h, 200, body={"data": [], "count": 0}))
    async with aclient(s) as c:
        with pytest.raises(ValidationError) as info:
            c.images.list(filter=123)  # type: ignore[arg-type]
        assert info.value.field == "filter"
        with pytest.raises(ValidationError) as info:
            await c.images.get("abc", extra_headers={"X-A": 1})  # type: ignore[dict-item]
        assert info.value.field == "extra_headers"
    assert s.seen == []


@pytest.mark.parametrize(("mode", "status"), [("oauth", 401), ("oidc", 403)])
def test_a_refused_api_client_token_names_the_flow(
    serve: Callable[[Reply], Server], mode: Literal["oauth", "oidc"], status: int
) -> None:
    def reply(h: BaseHTTPRequestHandler, n: int) -> None:
        if h.path.startswith("/auth/"):
            data = b"eyJ.token.value"
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        else:
            answer(h, status)

    s = serve(reply)
    c = Client(base_url=s.url, client_id="my-client", client_secret="client-s3cret", auth=mode, max_retries=0)
    with pytest.raises(AuthenticationError if status == 401 else PermissionDeniedError) as info:
        c.images.get("abc")
    text = str(info.value)
    assert f"the API-client token ({mode}, POST /auth/{mode}) was refused by csapi: no" in text, text
    assert "client-s3cret" not in text
