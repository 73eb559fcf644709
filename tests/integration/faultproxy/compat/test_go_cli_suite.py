"""The Go side beyond ``api_test.go``: ``toxiproxy-cli`` (``cmd/cli/cli.go``), Toxiproxy's
``proxy_test.go`` cases driven through the HTTP API, the older Go clients' exact-status checks and
the keep-alive reuse of one ``http.Client`` — all sent the way the Go client sends them (see
``GoWire`` in conftest.py and test_go_client_suite.py).
"""

from __future__ import annotations

import http.client
import socket
from typing import Any


# client/client.go: one http.Client for every call, so requests share a keep-alive connection;
# every answer (201 JSON, 204 empty, 4xx JSON, 405 empty) must be framed so the next one parses.
def test_requests_share_one_keep_alive_connection(go: Any) -> None:
    conn = http.client.HTTPConnection(go.host, go.port, timeout=5)
    try:
        steps = [("POST", "/proxies", b'{"name":"ka","listen":"127.0.0.1:0","upstream":"x:1",'
                  b'"enabled":true,"toxics":null}', 201),
                 ("DELETE", "/proxies/ka", None, 204),
                 ("DELETE", "/proxies/ka", None, 404),
                 ("PUT", "/proxies", None, 405),
                 ("POST", "/reset", b"", 204),
                 ("GET", "/version", None, 200)]
        first_sock = None
        for method, path, body, status in steps:
            conn.request(method, path, body=body, headers=go.headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == status, (method, path, resp.status)
            first_sock = first_sock or conn.sock
            assert conn.sock is first_sock, f"connection dropped after {method} {path}"
    finally:
        conn.close()


# -- proxy_test.go, through the HTTP API -----------------------------------------------------

# Shopify/toxiproxy proxy_test.go TestProxyUpdate: listen "localhost:0" moves the proxy to a new
# port; the same listen again is a no-op; enabled false takes it down.
def test_proxy_update(go: Any, kit: Any, echo_upstream: str) -> None:
    before = go.create("test", "localhost:0", echo_upstream)["listen"]
    moved = go.patch("/proxies/test", {"listen": "localhost:0", "upstream": echo_upstream,
                                       "enabled": True}).json()["listen"]
    assert moved not in (before, "localhost:0") and moved.startswith("127.0.0.1:")
    assert kit.can_connect(moved) and not kit.can_connect(before)
    same = go.patch("/proxies/test", {"listen": moved, "upstream": echo_upstream,
                                      "enabled": True}).json()["listen"]
    assert same == moved and kit.can_connect(moved)
    go.patch("/proxies/test", {"listen": moved, "upstream": echo_upstream, "enabled": False})
    assert not kit.can_connect(moved)


# Shopify/toxiproxy proxy_test.go TestRestartFailedToStartProxy: enabling on a taken port fails
# (500, proxy stays disabled) and succeeds once the conflict is gone.
def test_restart_failed_to_start_proxy(go: Any, kit: Any, echo_upstream: str) -> None:
    conflict = go.create("test2", "localhost:0", echo_upstream)["listen"]
    resp = go.post("/proxies", go.proxy_body("test", conflict, echo_upstream, enabled=False))
    assert resp.status == 201
    failed = go.post("/proxies/test", {"enabled": True})
    assert go.error("Save", failed) == \
        f"Save: HTTP 500: listen tcp {conflict}: bind: address already in use"
    assert go.get("/proxies/test").json()["enabled"] is False
    assert go.delete("/proxies/test2").status == 204
    assert not kit.can_connect(conflict)
    started = go.post("/proxies/test", {"enabled": True})
    assert started.status == 200 and started.json()["enabled"] is True
    assert kit.can_connect(conflict)


# Shopify/toxiproxy proxy_test.go TestProxyToDownUpstream: the client connects, then sees EOF.
def test_proxy_to_down_upstream(go: Any, kit: Any) -> None:
    listen = go.create("test", "localhost:0", f"127.0.0.1:{kit.free_port()}")["listen"]
    host, port = listen.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.settimeout(2)
        try:
            got = sock.recv(1)
        except ConnectionResetError:
            got = b""
        assert got == b""


# Shopify/toxiproxy proxy_test.go TestProxySimpleMessage / TestProxyTwoPartMessage /
# TestProxyBigMessage: bytes pass unchanged (64 KiB of hex here).
def test_proxy_big_message(go: Any, kit: Any, echo_upstream: str) -> None:
    listen = go.create("test", "localhost:0", echo_upstream)["listen"]
    msg = bytes(32 * 1024).hex().encode()
    assert kit.echo_roundtrip(listen, b"hello world" + b"hello world") == b"hello worldhello world"
    assert kit.echo_roundtrip(listen, msg) == msg


# -- cmd/cli/cli.go (toxiproxy-cli, built on the Go client) -----------------------------------

def _cli_inspect(go: Any, proxy: str) -> list[dict[str, Any]]:
    """``inspect``: GET the proxy; ``sortedAttributes`` type-asserts every attribute value to
    float64, so a non-number would panic the CLI."""
    shown = go.check_proxy(go.get(f"/proxies/{proxy}").json())
    for toxic in shown["toxics"]:
        assert all(isinstance(v, int | float) and not isinstance(v, bool)
                   for v in toxic["attributes"].values()), toxic
    toxic_list: list[dict[str, Any]] = shown["toxics"]
    return toxic_list


# Shopify/toxiproxy cmd/cli/cli.go create / toxic add / toxic update / inspect / toggle / list /
# toxic remove / delete: each command is a Proxy() GET followed by the Go client call; attributes
# are parsed with ParseFloat (float64 100 marshals as `100`), toxicity defaults to 1.0 on update.
def test_toxiproxy_cli_session(go: Any, kit: Any, echo_upstream: str) -> None:
    cli = {"User-Agent": "toxiproxy-cli/v2.12.0 (linux/amd64)"}
    resp = go.post("/proxies", go.proxy_body("myProxy", "localhost:0", echo_upstream),
                   headers=cli)
    assert resp.status == 201
    listen = resp.json()["listen"]
    assert go.get("/proxies/myProxy", headers=cli).status == 200
    added = go.post("/proxies/myProxy/toxics", go.toxic_body(
        "myToxic", "latency", "downstream", 0.5, {"latency": 100, "jitter": 50}),
        headers=cli)
    assert added.status == 200
    assert (added.json()["stream"], added.json()["type"], added.json()["name"]) == (
        "downstream", "latency", "myToxic")
    updated = go.patch("/proxies/myProxy/toxics/myToxic",
                       {"attributes": {"jitter": 25}, "toxicity": 1}, headers=cli)
    assert updated.status == 200
    (toxic,) = _cli_inspect(go, "myProxy")
    assert (toxic["toxicity"], toxic["attributes"]) == (1, {"latency": 100, "jitter": 25})
    proxy = go.get("/proxies/myProxy", headers=cli).json()  # toggle: flip and Save()
    proxy["enabled"] = not proxy["enabled"]
    toggled = go.post("/proxies/myProxy", {k: proxy[k] for k in (
        "name", "listen", "upstream", "enabled", "toxics")}, headers=cli)
    assert toggled.json()["enabled"] is False and not kit.can_connect(listen)
    listed = go.get("/proxies", headers=cli).json()
    assert [(n, len(p["toxics"])) for n, p in listed.items()] == [("myProxy", 1)]
    assert go.delete("/proxies/myProxy/toxics/myToxic", headers=cli).status == 204
    assert go.delete("/proxies/myProxy", headers=cli).status == 204


# Older Go clients (2.0 to 2.4, client/client.go checkError) demand the exact success status of each
# call (201 create/populate, 200 get/save/toxic add/update, 204 delete/toxic remove/reset) and
# reset with http.Post(…, "text/plain", empty) under Go's default user agent.
def test_older_go_client_exact_statuses(go: Any) -> None:
    old = {"User-Agent": "Go-http-client/1.1"}
    assert go.post("/proxies", go.proxy_body("p", "localhost:0", "x:1"), headers=old).status \
        == 201
    assert go.get("/proxies/p", headers=old).status == 200
    assert go.post("/proxies/p", {"enabled": False}, headers=old).status == 200
    assert go.post("/proxies/p/toxics", go.toxic_body("", "noop", "", 1, None),
                   headers=old).status == 200
    assert go.post("/proxies/p/toxics/noop_downstream", {"toxicity": 0.5},
                   headers=old).status == 200
    assert go.delete("/proxies/p/toxics/noop_downstream", headers=old).status == 204
    assert go.post("/populate", [go.proxy_body("q", "localhost:0", "x:1")],
                   headers=old).status == 201
    assert go.post("/reset", b"", headers={**old, "Content-Type": "text/plain"}).status == 204
    assert go.delete("/proxies/p", headers=old).status == 204
