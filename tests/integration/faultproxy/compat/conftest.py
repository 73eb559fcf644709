"""Fixtures of the client-compatibility tests: our fault proxy on 127.0.0.1:0, a ``Wire`` that
sends requests byte for byte the way a given third-party Toxiproxy client does (its method,
path, headers and body shape, including ``null``s and extra keys), and the small TCP servers the
upstream suites use (an echo server and Ruby's line server that answers ``omgs``).

Test modules here must not import each other (pytest runs with importlib mode), so everything
they share lives in this file.
"""

from __future__ import annotations

import json
import socket
import socketserver
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from peakready.faultproxy.thread import FaultProxyThread
from support.proxy_process import CliProxy
from support.sockets import EchoHandler, can_connect, echo_roundtrip, free_port, serve_tcp

_NO_BODY = object()


@dataclass
class WireResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class Wire:
    """One HTTP/1.1 request per connection, with exactly the headers given (plus ``Host``).

    ``body`` may be bytes, a JSON-able value (encoded compactly like Go/Node/Ruby do), or left
    out. ``content_length=False`` sends a body-less request with no ``Content-Length`` at all
    (Ruby's ``Net::HTTP::Post`` with no body).
    """

    def __init__(self, host: str, port: int, headers: Mapping[str, str]) -> None:
        self.host, self.port, self.headers = host, port, dict(headers)

    def send(self, method: str, path: str, body: Any = _NO_BODY, *,
             headers: Mapping[str, str] | None = None, content_length: bool = True,
             timeout: float = 10.0) -> WireResponse:
        all_headers = {"Host": f"{self.host}:{self.port}", **self.headers, **(headers or {})}
        data = b""
        if body is not _NO_BODY:
            data = body if isinstance(body, bytes) else json.dumps(
                body, separators=(",", ":")).encode()
            all_headers["Content-Length"] = str(len(data))
        elif content_length and method in ("POST", "PUT", "PATCH"):
            all_headers["Content-Length"] = "0"
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            sock.sendall(head.encode("latin-1") + data)
            return _read_response(sock, method)

    def get(self, path: str, **kw: Any) -> WireResponse:
        return self.send("GET", path, **kw)

    def post(self, path: str, body: Any = _NO_BODY, **kw: Any) -> WireResponse:
        return self.send("POST", path, body, **kw)

    def patch(self, path: str, body: Any = _NO_BODY, **kw: Any) -> WireResponse:
        return self.send("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> WireResponse:
        return self.send("DELETE", path, **kw)


GO_HEADERS = {"User-Agent": "toxiproxy-cli", "Content-Type": "application/json",
              "Accept-Encoding": "gzip"}


class GoWire(Wire):
    """A Wire speaking the Go client's dialect (``client/client.go``, ``proxy.go``, ``toxic.go``
    in Shopify/toxiproxy): its bodies, its typed decoding and its error texts."""

    @staticmethod
    def proxy_body(name: str, listen: str, upstream: str, enabled: bool = True,
                   toxics: list[Any] | None = None) -> dict[str, Any]:
        # json.Marshal(client.Proxy): name, listen, upstream, enabled, toxics (null if none).
        return {"name": name, "listen": listen, "upstream": upstream, "enabled": enabled,
                "toxics": toxics}

    @staticmethod
    def toxic_body(name: str, type_: str, stream: str, toxicity: float,
                   attributes: dict[str, Any] | None) -> dict[str, Any]:
        # client.Toxic: name is not omitempty (""), stream is; toxicity -1 means 1.
        body: dict[str, Any] = {"name": name, "type": type_}
        if stream:
            body["stream"] = stream
        body["toxicity"] = 1 if toxicity == -1 else toxicity
        body["attributes"] = attributes
        return body

    @staticmethod
    def error(op: str, resp: WireResponse) -> str:
        """``<Op>: HTTP <status>: <error>``; the body must decode into client.ApiError."""
        assert not 200 <= resp.status < 300, resp
        body = resp.json()
        assert isinstance(body["error"], str) and isinstance(body["status"], int), body
        return f"{op}: HTTP {body['status']}: {body['error']}"

    @classmethod
    def check_proxy(cls, obj: Any) -> dict[str, Any]:
        """``json.Unmarshal`` into client.Proxy fails on any other field type."""
        assert isinstance(obj["name"], str) and isinstance(obj["listen"], str)
        assert isinstance(obj["upstream"], str) and isinstance(obj["enabled"], bool)
        assert isinstance(obj["toxics"], list)
        for toxic in obj["toxics"]:
            cls.check_toxic(toxic)
        result: dict[str, Any] = obj
        return result

    @staticmethod
    def check_toxic(obj: Any) -> dict[str, Any]:
        for key in ("name", "type", "stream"):
            assert isinstance(obj[key], str), (key, obj)
        assert isinstance(obj["toxicity"], int | float) and not isinstance(obj["toxicity"], bool)
        assert isinstance(obj["attributes"], dict)
        result: dict[str, Any] = obj
        return result

    def create(self, name: str, listen: str, upstream: str) -> dict[str, Any]:
        """client.CreateProxy (Enabled: true)."""
        resp = self.post("/proxies", self.proxy_body(name, listen, upstream))
        assert resp.status == 201, resp
        return self.check_proxy(resp.json())

    def toxics(self, proxy: str) -> list[dict[str, Any]]:
        resp = self.get(f"/proxies/{proxy}/toxics")
        assert resp.status == 200, resp
        return [self.check_toxic(t) for t in resp.json()]


def _read_response(sock: socket.socket, method: str) -> WireResponse:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before the response head: {buf!r}")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if method == "HEAD" or status in (204, 304):
        return WireResponse(status, headers, b"")
    if "content-length" in headers:
        need = int(headers["content-length"])
        while len(rest) < need:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return WireResponse(status, headers, rest[:need])
    assert headers.get("transfer-encoding", "").lower() != "chunked", "chunked not expected"
    while chunk := sock.recv(65536):
        rest += chunk
    return WireResponse(status, headers, rest)


@pytest.fixture
def server() -> Iterator[FaultProxyThread]:
    srv = FaultProxyThread(seed=4242)
    yield srv
    srv.close()


@pytest.fixture
def make_wire(server: FaultProxyThread) -> Callable[[Mapping[str, str]], Wire]:
    return lambda headers: Wire(server.host, server.port, headers)


@pytest.fixture
def go(server: FaultProxyThread) -> GoWire:
    return GoWire(server.host, server.port, GO_HEADERS)


class _LineReply(socketserver.StreamRequestHandler):
    """Ruby suite's ``with_tcpserver(receive: true)``: read a line, answer ``omgs``, close."""

    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            self.rfile.readline()
            self.wfile.write(b"omgs\n")
            self.wfile.flush()
        except OSError:
            pass


@pytest.fixture
def echo_upstream() -> Iterator[str]:
    yield from serve_tcp(EchoHandler)


@pytest.fixture
def line_upstream() -> Iterator[str]:
    yield from serve_tcp(_LineReply)


def line_roundtrip_s(listen: str, timeout: float = 5.0) -> float:
    """Ruby's timing probe: connect, write ``omg\\n``, read one line; seconds taken."""
    host, port = listen.rsplit(":", 1)
    start = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(b"omg\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            got += chunk
    elapsed = time.perf_counter() - start
    assert got == b"omgs\n", got
    return elapsed


@pytest.fixture
def kit() -> types.SimpleNamespace:
    """The plain helpers above, for test modules (they cannot import this conftest)."""
    return types.SimpleNamespace(can_connect=can_connect, free_port=free_port,
                                 line_roundtrip_s=line_roundtrip_s,
                                 echo_roundtrip=echo_roundtrip)


@pytest.fixture(scope="module")
def cli_server() -> Iterator[CliProxy]:
    """One real ``peakready proxy`` subprocess per test module (tests clean up after themselves,
    as the upstream suites' teardowns do)."""
    proc = CliProxy("--port", "0", "--seed", "7")
    try:
        assert proc.url, f"no ready line: {proc.ready_line!r}"
        yield proc
    finally:
        proc.close()
