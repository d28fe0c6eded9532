"""Hostile input and hostile servers: the client refuses what it cannot send faithfully and stops
on what a broken server answers, with typed errors (never a crash, a hang or a leak). The servers
here are small ones of the test's own (``http.server`` on a loopback port)."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from qualys_cs import APIError, AsyncClient, Client, DecodeError, ValidationError
from qualys_cs.testing import Simulator

Reply = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A loopback HTTP server answering every request with ``reply``; ``seen`` logs the paths."""

    def __init__(self, reply: Reply) -> None:
        self.seen: list[str] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                seen.append(self.path)
                reply(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def client(self, **kw: Any) -> Client:
        kw.setdefault("max_retries", 1)
        kw.setdefault("timeout", 30)
        return Client(base_url=self.url, username="user", password="s3cr3t-pass", auth="basic", **kw)


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


def send_json(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def read_body(h: BaseHTTPRequestHandler) -> bytes:
    n = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(n) if n else b""


def circular() -> dict[str, Any]:
    d: dict[str, Any] = {"name": "t"}
    d["self"] = d
    return d


def deep(levels: int) -> dict[str, Any]:
    v: dict[str, Any] = {"name": "t"}
    for _ in range(levels):
        v = {"a": v}
    return v


@pytest.mark.parametrize("body", [circular(), deep(10_000), [deep(200)]], ids=["cycle", "deep", "list"])
def test_circular_or_deep_bodies_are_refused_not_crashing(body: Any, client: Client, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        client.tags.create(body)
    assert e.value.field == "body"
    with pytest.raises(ValidationError) as e:
        client.request("POST", "/csapi/v1.3/tags", body=body)
    assert e.value.field == "body"
    assert sim.requests() == []


def test_circular_bodies_are_refused_async(aclient: AsyncClient) -> None:
    async def main() -> None:
        body: Any = circular()  # not a body a type checker would let through
        with pytest.raises(ValidationError) as e:
            await aclient.tags.create(body)
        assert e.value.field == "body"
        assert "circular" in str(e.value)

    asyncio.run(main())


def test_the_depth_bound_is_one_hundred(client: Client, sim: Simulator) -> None:
    # `deep(n)` nests n + 1 objects; the body is the outermost.
    with pytest.raises(ValidationError, match="100 levels"):
        client.request("POST", "/csapi/v1.3/tags", body=deep(100))
    try:
        client.request("POST", "/csapi/v1.3/tags", body=deep(99))
    except APIError:
        pass  # the server's verdict on the content: the client sent it
    assert [r["path"] for r in sim.requests() if r["path"] != "/auth"] == ["/csapi/v1.3/tags"]


@pytest.mark.parametrize("name", ["max_retries", "max_concurrency", "prefetch", "max_response_bytes"])
@pytest.mark.parametrize("value", [-1, 2**70, 1.5, True, "3"])
def test_numeric_options_are_validated_with_their_name(name: str, value: Any, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        Client(base_url=sim.url, username="u", password="p", **{name: value})
    assert e.value.field == name


def test_per_list_prefetch_is_validated(client: Client) -> None:
    with pytest.raises(ValidationError) as e:
        client.images.list(prefetch=-1)
    assert e.value.field == "prefetch"


@pytest.mark.parametrize("sha", [123, True, 1.5, "x" * 2048])
def test_ids_must_be_strings_of_bounded_length(sha: Any, client: Client, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        client.images.get(sha)
    assert e.value.field == "sha"
    assert sim.requests() == []


def test_a_control_id_may_be_a_number(client: Client, sim: Simulator) -> None:
    """The API's control ids are numbers: an int is taken as its text; a bool or a float is not."""
    bad: Any
    for bad in (True, 1.5, -1):
        with pytest.raises(ValidationError) as e:
            client.controls.get(bad)
        assert e.value.field == "control_id"
    assert sim.requests() == []
    assert client.controls.get(19388) == client.controls.get("19388")
    assert [r["path"] for r in sim.requests() if "/controls/" in r["path"]] == ["/csapi/v1.3/controls/19388"] * 2


def test_over_long_filters_are_refused_before_sending(client: Client, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        client.images.list(filter="x" * 65536).to_list()
    assert e.value.field == "filter"
    assert sim.requests() == []


@pytest.mark.parametrize("path", ["/csapi/../anything", "/csapi/%2e%2e/x", "/csapi/./v1.3", "/csapi/v1.3\r\nX: 1"])
def test_request_paths_stay_under_the_base_url(path: str, client: Client, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        client.request("GET", path)
    assert e.value.field == "path"
    assert sim.requests() == []


@pytest.mark.parametrize("header", ["Authorization", "authorization", "Host", "Content-Length", "Transfer-Encoding"])
def test_reserved_extra_headers_are_refused(header: str, client: Client, sim: Simulator) -> None:
    with pytest.raises(ValidationError) as e:
        client.images.list(extra_headers={header: "x"}).to_list()
    assert e.value.field == "extra_headers"
    assert header in str(e.value)
    assert sim.requests() == []


def test_plain_http_needs_loopback_or_an_opt_in() -> None:
    with pytest.raises(ValidationError) as e:
        Client(base_url="http://qualysapi.qualys.com", username="u", password="p")
    assert e.value.field == "base_url"
    assert "allow_insecure_http" in str(e.value)
    Client(base_url="http://qualysapi.qualys.com", username="u", password="p", allow_insecure_http=True)
    Client(base_url="http://localhost:9", username="u", password="p")


def test_an_endless_body_stops_at_max_response_bytes(serve: Callable[[Reply], Server]) -> None:
    def endless(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b" " * 65536
        try:
            while True:
                h.wfile.write(chunk)
        except OSError:
            pass

    s = serve(endless)
    c = s.client(max_response_bytes=1 << 20)
    with pytest.raises(DecodeError) as e:
        c.request("GET", "/csapi/v1.3/images")
    assert e.value.code == "E_RESPONSE_TOO_LARGE"
    assert len(s.seen) == 1, "not retried"


def test_a_declared_two_gib_body_is_refused(serve: Callable[[Reply], Server]) -> None:
    def huge(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(2 << 30))
        h.end_headers()
        try:
            h.wfile.write(b"[")
        except OSError:
            pass

    s = serve(huge)
    with pytest.raises(DecodeError) as e:
        s.client().request("GET", "/csapi/v1.3/images")
    assert e.value.code == "E_RESPONSE_TOO_LARGE"


def test_a_huge_wait_header_is_a_rate_limit_error_not_a_panic(serve: Callable[[Reply], Server]) -> None:
    s = serve(
        lambda h: send_json(
            h,
            429,
            b'{"message": "slow down"}',
            {"X-RateLimit-Remaining": "0", "X-RateLimit-ToWait-Sec": "18446744073709551615"},
        )
    )
    with pytest.raises(APIError) as e:
        s.client(max_retry_wait=1).request("GET", "/csapi/v1.3/images/list")
    assert e.value.code == "E_RATE_LIMITED"


def test_cross_origin_redirects_are_not_followed(serve: Callable[[Reply], Server]) -> None:
    other = serve(lambda h: send_json(h, 200, b'{"stolen": true}'))

    def redirect(h: BaseHTTPRequestHandler) -> None:
        read_body(h)
        h.send_response(307)
        h.send_header("Location", f"{other.url}/collect?token=abc")
        h.send_header("Content-Length", "0")
        h.end_headers()

    s = serve(redirect)
    c = s.client(max_retries=0)
    with pytest.raises(APIError) as e:
        c.request("POST", "/csapi/v1.3/registry", body={"password": "registry-pass"})
    assert e.value.status == 307
    assert f"{other.url}/collect" in str(e.value) and "token=abc" not in str(e.value)
    assert other.seen == []


def test_echoed_credentials_are_scrubbed(serve: Callable[[Reply], Server]) -> None:
    def echo(h: BaseHTTPRequestHandler) -> None:
        auth = h.headers.get("Authorization", "")
        send_json(h, 400, json.dumps({"message": f"you sent {auth}"}).encode())

    s = serve(echo)
    with pytest.raises(APIError) as e:
        s.client().request("GET", "/csapi/v1.3/images")
    text = str(e.value) + repr(e.value) + str(e.value.message)
    assert "s3cr3t-pass" not in text
    assert base64.b64encode(b"user:s3cr3t-pass").decode() not in text
    assert "[REDACTED]" in text


def cycling_cursor(h: BaseHTTPRequestHandler) -> None:
    nxt = "B" if "paginationQuery=A" in h.path else "A"
    link = f"<http://x/csapi/v1.3/images/list?paginationQuery={nxt}>;rel=next"
    body = json.dumps({"data": [{"sha": h.path}]}).encode()
    send_json(h, 200, body, {"Link": link})


def repeating_page(h: BaseHTTPRequestHandler) -> None:
    send_json(h, 200, json.dumps({"count": -5, "data": [{"sha": f"s{i}"} for i in range(5)]}).encode())


def test_a_cursor_cycle_stops_with_a_pagination_error(serve: Callable[[Reply], Server]) -> None:
    s = serve(cycling_cursor)
    with pytest.raises(DecodeError) as e:
        s.client().images.bulk_list().to_list()
    assert e.value.code == "E_PAGINATION"
    assert len(s.seen) <= 4


def test_a_repeated_page_stops_with_a_pagination_error(serve: Callable[[Reply], Server]) -> None:
    s = serve(repeating_page)
    with pytest.raises(DecodeError) as e:
        s.client().images.list(page_size=5).to_list()
    assert e.value.code == "E_PAGINATION"
    assert len(s.seen) == 2


def test_pagination_errors_async(serve: Callable[[Reply], Server]) -> None:
    s = serve(cycling_cursor)

    async def main() -> None:
        ac = AsyncClient(base_url=s.url, username="user", password="s3cr3t-pass", auth="basic", max_retries=0)
        with pytest.raises(DecodeError) as e:
            async for _ in ac.images.bulk_list():
                pass
        assert e.value.code == "E_PAGINATION"

    asyncio.run(main())
