"""HTTP-level details: browser guard, request ids, keep-alive, chunked bodies, path cleaning,
malformed requests, and the §10 'must' that disable/delete drop live connections."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from peakready.faultproxy.thread import FaultProxyThread

REQUEST_ID = re.compile(r"^[0-9a-v]{20}$")


@pytest.mark.parametrize("path", ["/proxies", "/version", "/reset", "/nope"])
def test_browser_user_agent_is_refused(api: httpx.Client, path: str) -> None:
    resp = api.get(path, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    assert resp.status_code == 403
    assert resp.content == b"User agent not allowed\n"
    assert resp.headers["content-type"] == "text/plain; charset=utf-8"


def test_other_user_agents_are_served(api: httpx.Client) -> None:
    for agent in ("toxiproxy-cli/2.12.0 linux/amd64", "curl/8", "mozilla/5.0"):
        assert api.get("/proxies", headers={"User-Agent": agent}).status_code == 200


def test_every_response_carries_a_fresh_request_id(api: httpx.Client) -> None:
    ids = []
    for method, path in (("GET", "/version"), ("GET", "/nope"), ("PUT", "/proxies"),
                         ("POST", "/proxies"), ("POST", "/reset")):
        resp = api.request(method, path)
        ids.append(resp.headers["x-toxiproxy-request-id"])
    ids.append(api.get("/x", headers={"User-Agent": "Mozilla/5"}).headers[
        "x-toxiproxy-request-id"])
    assert all(REQUEST_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_keep_alive_serves_many_requests_on_one_connection(server: FaultProxyThread) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        for _ in range(3):
            sock.sendall(b"GET /proxies HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while not data.endswith(b"\r\n\r\n{}"):
                chunk = sock.recv(4096)
                assert chunk, "server closed a keep-alive connection"
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 OK\r\n")


def test_chunked_request_body(raw: Callable[[bytes], bytes]) -> None:
    body = b'{"name":"c1","listen":"127.0.0.1:0","upstream":"x:1"}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))
    resp = raw(b"POST /proxies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 201 Created\r\n")
    assert b'"name":"c1"' in resp


def test_expect_100_continue(raw: Callable[[bytes], bytes]) -> None:
    resp = raw(b"POST /populate HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               b"Content-Length: 2\r\nConnection: close\r\n\r\n[]")
    assert resp.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n")


def test_unclean_paths_redirect_like_gorilla_mux(raw: Callable[[bytes], bytes]) -> None:
    resp = raw(b"GET //proxies/../version?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 301 Moved Permanently\r\n")
    assert b"\r\nLocation: /version?x=1\r\n" in resp


@pytest.mark.parametrize("request_bytes", [
    b"garbage\r\n\r\n",
    b"GET /proxies HTTP/9.9\r\n\r\n",
    b"GET /proxies%zz HTTP/1.1\r\n\r\n",
    b"GET /proxies HTTP/1.1\r\nbad header line\r\n\r\n",
    b"POST /proxies HTTP/1.1\r\nContent-Length: -4\r\n\r\n",
    b"POST /proxies HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\r\n" * 20,
])
def test_malformed_requests_get_400_and_close(raw: Callable[[bytes], bytes],
                                              request_bytes: bytes) -> None:
    resp = raw(request_bytes)
    assert resp.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"\r\nX-Toxiproxy-Request-Id: " in resp
    assert resp.endswith(b"400 Bad Request")


def test_truncated_body_does_not_hang_the_server(server: FaultProxyThread) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"POST /proxies HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""
    assert httpx.get(server.url + "/version").status_code == 200


def _connect(listen: str) -> socket.socket:
    host, port = listen.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=3)


def test_disable_and_delete_drop_live_connections(api: httpx.Client, echo_upstream: str,
                                                   roundtrip: Callable[..., bytes]) -> None:
    listen = api.post("/proxies", json={"name": "e", "listen": "127.0.0.1:0",
                                        "upstream": echo_upstream}).json()["listen"]
    assert roundtrip(listen, b"hello") == b"hello"
    live = _connect(listen)
    live.sendall(b"x")
    assert live.recv(10) == b"x"
    api.post("/proxies/e", json={"enabled": False})
    assert live.recv(10) == b""  # EOF: the connection was dropped
    live.close()
    with pytest.raises(ConnectionRefusedError):
        _connect(listen)
    api.post("/proxies/e", json={"enabled": True})
    assert roundtrip(listen, b"again") == b"again"
    live = _connect(listen)
    live.sendall(b"y")
    assert live.recv(10) == b"y"
    assert api.delete("/proxies/e").status_code == 204
    assert live.recv(10) == b""
    live.close()
    with pytest.raises(ConnectionRefusedError):
        _connect(listen)


def test_same_upstream_update_keeps_connections(api: httpx.Client, echo_upstream: str) -> None:
    listen = api.post("/proxies", json={"name": "e", "listen": "127.0.0.1:0",
                                        "upstream": echo_upstream}).json()["listen"]
    with _connect(listen) as live:
        live.sendall(b"a")
        assert live.recv(10) == b"a"
        api.patch("/proxies/e", json={"upstream": echo_upstream, "listen": listen})
        live.sendall(b"b")
        assert live.recv(10) == b"b"


def test_listen_outside_loopback_needs_allow_host(api: httpx.Client) -> None:
    resp = api.post("/proxies", json={"name": "wide", "listen": "0.0.0.0:0", "upstream": "x:1"})
    assert resp.status_code == 403
    assert "--allow-host 0.0.0.0" in resp.json()["error"]
    assert api.get("/proxies/wide").status_code == 404


def test_toxic_changes_reach_a_live_connection(api: httpx.Client, echo_upstream: str) -> None:
    listen = api.post("/proxies", json={"name": "e", "listen": "127.0.0.1:0",
                                        "upstream": echo_upstream}).json()["listen"]

    def rtt(sock: socket.socket) -> float:
        start = time.monotonic()
        sock.sendall(b"x")
        assert sock.recv(10) == b"x"
        return time.monotonic() - start

    with _connect(listen) as live:
        assert rtt(live) < 0.1
        api.post("/proxies/e/toxics", json={"type": "latency", "attributes": {"latency": 200}})
        assert rtt(live) >= 0.19
        api.delete("/proxies/e/toxics/latency_downstream")
        assert rtt(live) < 0.1


def test_a_name_with_a_slash_can_be_created_but_not_addressed(api: httpx.Client) -> None:
    assert api.post("/proxies", json={"name": "a/b", "listen": "127.0.0.1:0",
                                      "upstream": "x:1"}).status_code == 201
    assert "a/b" in api.get("/proxies").json()
    resp = api.get("/proxies/a%2Fb")
    assert (resp.status_code, resp.content) == (404, b"404 page not found\n")


def test_http10_closes_unless_keep_alive_is_asked(raw: Callable[[bytes], bytes],
                                                  server: FaultProxyThread) -> None:
    resp = raw(b"GET /version HTTP/1.0\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in resp
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"GET /proxies HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        data = b""
        while not data.endswith(b"{}"):
            data += sock.recv(4096)
        assert b"\r\nConnection: keep-alive\r\n" in data
        sock.sendall(b"GET /proxies HTTP/1.0\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK")


def test_a_large_response_is_not_cut_when_the_connection_closes(
        api: httpx.Client, raw: Callable[[bytes], bytes]) -> None:
    resp = api.post("/populate", json=[{"name": f"proxy-{n:03d}-" + "x" * 300,
                                        "upstream": "x:1", "enabled": False}
                                       for n in range(600)])
    assert resp.status_code == 201
    data = raw(b"GET /proxies HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert length > 200_000
    assert len(body) == length
    assert len(json.loads(body)) == 600
