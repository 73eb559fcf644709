"""peakready's extensions: dead-man lease, toxic expiry, seed, live metrics, /peakready/info."""

from __future__ import annotations

import logging
import re
import select
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from peakready.faultproxy.thread import FaultProxyThread


def _wait_for(predicate: Callable[[], bool], timeout: float) -> float:
    """Poll until ``predicate`` holds; returns the seconds it took (fails after ``timeout``)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


def _faulted(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "erp", "listen": "127.0.0.1:0", "upstream": "x:1"})
    api.post("/proxies", json={"name": "crm", "listen": "127.0.0.1:0", "upstream": "x:2"})
    api.post("/proxies/erp/toxics", json={"type": "latency", "attributes": {"latency": 500}})
    api.post("/proxies/crm", json={"enabled": False})


def _healed(api: httpx.Client) -> bool:
    proxies = api.get("/proxies").json().values()
    return all(p["enabled"] and not p["toxics"] for p in proxies)


# -- lease ----------------------------------------------------------------------------------------

def test_lease_lapse_resets_within_ttl_plus_one_second(
        api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    _faulted(api)
    caplog.set_level(logging.WARNING, logger="peakready.faultproxy.lease")
    resp = api.post("/peakready/lease", json={"holder": "chaos-run-42", "ttl_ms": 300})
    assert resp.status_code == 201
    assert resp.json()["holder"] == "chaos-run-42"
    taken = time.monotonic()
    assert not _healed(api)
    _wait_for(lambda: _healed(api), timeout=0.3 + 1.0)
    assert time.monotonic() - taken >= 0.25  # not before the TTL ran out
    assert api.get("/peakready/lease").status_code == 404
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("chaos-run-42" in r.getMessage() for r in warnings)
    assert "peakready_lease_lapses_total 1" in api.get("/metrics").text


def test_renewals_keep_the_faults_and_release_does_not_reset(api: httpx.Client) -> None:
    _faulted(api)
    assert api.post("/peakready/lease", json={"holder": "ctl", "ttl_ms": 1000}).status_code == 201
    end = time.monotonic() + 1.3
    while time.monotonic() < end:
        assert api.post("/peakready/lease/renew", json={"holder": "ctl"}).status_code == 200
        time.sleep(0.1)
    assert not _healed(api)
    assert api.get("/peakready/lease").json()["renewals"] >= 5
    assert api.delete("/peakready/lease", params={"holder": "ctl"}).status_code == 204
    time.sleep(1.1)
    assert not _healed(api)


def test_lease_conflicts_and_errors(api: httpx.Client) -> None:
    assert api.post("/peakready/lease/renew", json={"holder": "a"}).status_code == 404
    assert api.post("/peakready/lease", json={"holder": "a", "ttl_ms": 5000}).status_code == 201
    # Same holder again: a renewal (200); another holder: 409 naming the holder.
    assert api.post("/peakready/lease", json={"holder": "a", "ttl_ms": 5000}).status_code == 200
    resp = api.post("/peakready/lease", json={"holder": "b", "ttl_ms": 5000})
    assert (resp.status_code, resp.json()["error"]) == (409, "lease held by a")
    assert api.delete("/peakready/lease", params={"holder": "b"}).status_code == 409
    assert api.post("/peakready/lease", json={"holder": "b", "ttl_ms": 0}).status_code == 400
    assert api.post("/peakready/lease", json={"ttl_ms": 10}).status_code == 400
    resp = api.post("/peakready/lease", json={"holder": "a", "ttl_ms": "x"})
    assert resp.json()["error"] == ("bad request body: json: cannot unmarshal string into Go "
                                    "struct field LeaseRequest.ttl_ms of type int64")
    assert api.delete("/peakready/lease").status_code == 204
    assert api.delete("/peakready/lease").status_code == 404


# -- toxic expiry ---------------------------------------------------------------------------------

def test_toxic_expires_and_shows_when(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "p", "listen": "127.0.0.1:0", "upstream": "x:1"})
    before = time.time()
    body = api.post("/proxies/p/toxics", json={"type": "latency", "expires_in_ms": 300}).json()
    assert before + 0.2 < body["expires_at"] < time.time() + 0.4
    kept = api.post("/proxies/p/toxics", json={"type": "noop"}).json()
    assert "expires_at" not in kept
    took = _wait_for(lambda: len(api.get("/proxies/p/toxics").json()) == 1, timeout=2.0)
    assert took >= 0.2
    assert [t["name"] for t in api.get("/proxies/p/toxics").json()] == ["noop_downstream"]
    assert 'peakready_toxics_expired_total{proxy="p"} 1' in api.get("/metrics").text


def test_update_extends_expiry_and_bad_values_are_refused(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "p", "listen": "127.0.0.1:0", "upstream": "x:1"})
    api.post("/proxies/p/toxics", json={"type": "latency", "expires_in_ms": 500})
    assert api.patch("/proxies/p/toxics/latency_downstream",
                     json={"expires_in_ms": 60_000}).status_code == 200
    time.sleep(0.7)
    assert api.get("/proxies/p/toxics/latency_downstream").status_code == 200
    for bad in (0, -5, 1.5, "10"):
        resp = api.post("/proxies/p/toxics", json={"type": "noop", "expires_in_ms": bad})
        assert resp.status_code == 400
        assert "expires_in_ms" in resp.json()["error"]


def test_a_same_named_successor_is_not_expired(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "p", "listen": "127.0.0.1:0", "upstream": "x:1"})
    api.post("/proxies/p/toxics", json={"type": "latency", "expires_in_ms": 500})
    assert api.delete("/proxies/p/toxics/latency_downstream").status_code == 204
    api.post("/proxies/p/toxics", json={"type": "latency"})
    time.sleep(0.7)
    assert api.get("/proxies/p/toxics/latency_downstream").status_code == 200


# -- seed ----------------------------------------------------------------------------------------

def test_same_seed_same_proxy_rng(make_server: Callable[..., FaultProxyThread]) -> None:
    a, b, c = make_server(seed=7), make_server(seed=7), make_server(seed=8)
    draws = []
    for fp in (a, b, c):
        httpx.post(fp.url + "/proxies", json={"name": "erp", "listen": "127.0.0.1:0",
                                              "upstream": "x:1"})
        rng = fp.server.registry.get("erp").rng
        draws.append([rng.random() for _ in range(5)])
    assert draws[0] == draws[1]
    assert draws[0] != draws[2]
    assert httpx.get(a.url + "/peakready/info").json()["seed"] == 7


def _delay_pattern(fp: FaultProxyThread, upstream: str, connections: int) -> list[bool]:
    listen = httpx.post(fp.url + "/proxies", json={"name": "p", "listen": "127.0.0.1:0",
                                                   "upstream": upstream}).json()["listen"]
    httpx.post(fp.url + "/proxies/p/toxics", json={"type": "latency", "toxicity": 0.5,
                                                    "attributes": {"latency": 120}})
    host, port = listen.rsplit(":", 1)
    pattern = []
    for _ in range(connections):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            start = time.monotonic()
            sock.sendall(b"x")
            assert sock.recv(10) == b"x"
            pattern.append(time.monotonic() - start > 0.06)
        # Draws come from one generator per proxy: let the proxy finish tearing this connection
        # down before the next one starts, so the order of draws is the same in every run.
        _wait_for(lambda: _metric(httpx.get(fp.url + "/metrics").text,
                                  "peakready_proxy_active_connections", proxy="p") == 0, 5.0)
    return pattern


def test_same_seed_same_toxicity_outcomes(make_server: Callable[..., FaultProxyThread],
                                          echo_upstream: str) -> None:
    first = _delay_pattern(make_server(seed=3), echo_upstream, 10)
    second = _delay_pattern(make_server(seed=3), echo_upstream, 10)
    assert first == second
    assert any(first) and not all(first)  # toxicity 0.5 really splits the connections


def _delay_pattern_all_open(fp: FaultProxyThread, upstream: str, connections: int) -> list[bool]:
    listen = httpx.post(fp.url + "/proxies", json={"name": "p", "listen": "127.0.0.1:0",
                                                   "upstream": upstream}).json()["listen"]
    httpx.post(fp.url + "/proxies/p/toxics", json={"type": "latency", "toxicity": 0.5,
                                                    "attributes": {"latency": 120}})
    host, port = listen.rsplit(":", 1)
    socks = [socket.create_connection((host, int(port)), timeout=5) for _ in range(connections)]
    try:
        for sock in socks:  # all sent before any is read: the links run side by side
            sock.sendall(b"x")
        start, arrived = time.monotonic(), {}
        while len(arrived) < len(socks) and time.monotonic() - start < 5:
            readable, _, _ = select.select([s for s in socks if s not in arrived], [], [], 1)
            for sock in readable:
                arrived[sock] = time.monotonic() - start
        # Toxic links hold the echo for 120 ms; clean ones answer in a few ms even when loaded.
        return [arrived.get(sock, 5.0) > 0.09 for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def test_same_seed_same_outcomes_with_connections_open_together(
        make_server: Callable[..., FaultProxyThread], echo_upstream: str) -> None:
    # Each connection derives its generator from the proxy's at accept time, so outcomes do
    # not depend on how concurrently open connections interleave their draws.
    first = _delay_pattern_all_open(make_server(seed=11), echo_upstream, 12)
    second = _delay_pattern_all_open(make_server(seed=11), echo_upstream, 12)
    assert first == second
    assert any(first) and not all(first)


def test_unseeded_servers_pick_and_report_a_random_seed(
        make_server: Callable[..., FaultProxyThread]) -> None:
    seeds = {httpx.get(make_server().url + "/peakready/info").json()["seed"] for _ in range(2)}
    assert len(seeds) == 2


# -- metrics -------------------------------------------------------------------------------------

def _metric(text: str, name: str, **labels: str) -> int:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return int(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in metrics")


def test_metrics_are_live_while_the_connection_is_open(api: httpx.Client,
                                                       echo_upstream: str) -> None:
    listen = api.post("/proxies", json={"name": "m", "listen": "127.0.0.1:0",
                                        "upstream": echo_upstream}).json()["listen"]
    host, port = listen.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"z" * 1000)
        got = b""
        while len(got) < 1000:
            got += sock.recv(4096)
        text = api.get("/metrics").text
        assert _metric(text, "toxiproxy_proxy_received_bytes_total", direction="upstream",
                       proxy="m", listener=listen, upstream=echo_upstream) == 1000
        assert _metric(text, "toxiproxy_proxy_sent_bytes_total", direction="downstream",
                       proxy="m") == 1000
        assert _metric(text, "peakready_proxy_active_connections", proxy="m") == 1
    api.post("/proxies/m/toxics", json={"type": "noop"})
    assert _metric(api.get("/metrics").text, "peakready_toxics_applied_total", proxy="m") == 1
    assert re.search(r"^# TYPE toxiproxy_proxy_sent_bytes_total counter$",
                     api.get("/metrics").text, re.M)
