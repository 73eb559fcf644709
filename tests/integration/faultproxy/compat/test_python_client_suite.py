"""douglas/toxiproxy-python's suite (``test/toxiproxy_test.py``, ``test/toxiproxy_api_test.py``),
run with the REAL toxiproxy-python package (0.1.1, installed in the venv, unchanged) against a
real ``peakready proxy --port 0`` subprocess, plus every other public method of the package.

What the package sends: python-requests' headers; ``create`` posts ``{"upstream","name","listen"}``
(``listen`` defaults to ``127.0.0.1:0``, ``enabled`` only if given) after refusing locally when the
name is listed; enable/disable POST ``{"enabled": bool}`` and parse the JSON answer; ``add_toxic``
always sends name, type, stream, toxicity and attributes; ``populate`` is client-side (list, delete,
create); reset is a body-less POST. What it parses: ``/proxies`` as an object of proxies with
name/upstream/enabled/listen keys, toxics as an array of objects with a ``type`` key, ``/version``
raw, and errors by status alone (409 ProxyExists, 404 NotFound, 400 InvalidToxic).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from toxiproxy import Toxiproxy
from toxiproxy.api import APIConsumer, validate_response
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists
from toxiproxy.utils import can_connect_to


@pytest.fixture
def toxiproxy(cli_server: Any) -> Iterator[Toxiproxy]:
    """Aims the package's process-wide APIConsumer at our server; upstream's
    ``teardown_function`` (destroy_all) afterwards, then the original host/port back."""
    saved = APIConsumer.host, APIConsumer.port
    APIConsumer.host, APIConsumer.port = cli_server.host, cli_server.port
    client = Toxiproxy()
    try:
        yield client
    finally:
        APIConsumer.host, APIConsumer.port = cli_server.host, cli_server.port
        client.destroy_all()
        client.reset()
        APIConsumer.host, APIConsumer.port = saved


def _split(listen: str) -> tuple[str, int]:
    host, port = listen.split(":")
    return host, int(port)


# douglas/toxiproxy-python test/toxiproxy_test.py test_create_proxy (disabled, fixed listen).
def test_create_proxy(toxiproxy: Toxiproxy, kit: Any) -> None:
    listen = f"127.0.0.1:{kit.free_port()}"
    proxy = toxiproxy.create(upstream="localhost:3306", name="test_mysql_master",
                             enabled=False, listen=listen)
    assert (proxy.upstream, proxy.name, proxy.enabled, proxy.listen) == (
        "localhost:3306", "test_mysql_master", False, listen)
    assert can_connect_to(*_split(listen)) is False


# douglas/toxiproxy-python test/toxiproxy_test.py test_destroy_proxy / test_destroy_invalid_proxy.
def test_destroy_proxy(toxiproxy: Toxiproxy) -> None:
    proxy = toxiproxy.create(upstream="localhost:3306", name="test_mysql_master")
    assert toxiproxy.destroy(proxy) is True
    assert "test_mysql_master" not in toxiproxy.proxies()
    assert toxiproxy.destroy("invalid_proxy") is False
    with pytest.raises(NotFound):
        proxy.destroy()


# douglas/toxiproxy-python test/toxiproxy_test.py test_disable_proxy / test_enable_proxy.
def test_disable_and_enable_proxy(toxiproxy: Toxiproxy) -> None:
    proxy = toxiproxy.create(upstream="localhost:3306", name="test_mysql_master")
    proxy.disable()
    assert proxy.enabled is False
    assert toxiproxy.get_proxy("test_mysql_master").enabled is False
    assert can_connect_to(*_split(proxy.listen)) is False
    proxy.enable()
    assert proxy.enabled is True
    assert can_connect_to(*_split(proxy.listen)) is True


# douglas/toxiproxy-python test/toxiproxy_test.py test_find_invalid_proxy /
# test_create_and_find_proxy.
def test_find_proxy(toxiproxy: Toxiproxy) -> None:
    assert toxiproxy.get_proxy("invalid_proxy") is None
    toxiproxy.create(upstream="localhost:3306", name="test_mysql_master")
    proxy = toxiproxy.get_proxy("test_mysql_master")
    assert (proxy.upstream, proxy.name, proxy.enabled) == (
        "localhost:3306", "test_mysql_master", True)
    assert proxy.listen.startswith("127.0.0.1:")


# douglas/toxiproxy-python test/toxiproxy_test.py test_cant_create_proxies_same_name (refused
# client-side) and test/toxiproxy_api_test.py test_proxy_exists (the server's 409).
def test_cant_create_proxies_same_name(toxiproxy: Toxiproxy) -> None:
    toxiproxy.create(upstream="localhost:3306", name="test_mysql_master")
    with pytest.raises(ProxyExists):
        toxiproxy.create(upstream="localhost:3306", name="test_mysql_master")
    body = {"upstream": "localhost:3306", "name": "test_mysql_service"}
    APIConsumer.post("/proxies", json=body)
    with pytest.raises(ProxyExists) as info:
        APIConsumer.post("/proxies", json=body)
    assert b"proxy already exists" in info.value.args[0]


# douglas/toxiproxy-python test/toxiproxy_api_test.py test_not_found.
def test_not_found(toxiproxy: Toxiproxy, cli_server: Any) -> None:
    with pytest.raises(NotFound) as info:
        validate_response(requests.get(f"{cli_server.url}/not_found", timeout=5))
    assert info.value.args[0] == b"404 page not found\n"


# douglas/toxiproxy-python test/toxiproxy_test.py test_version_of_invalid_toxiproxy /
# test_proxy_not_running_with_bad_host / test_running_helper / test_version
# (Toxiproxy.update_api_consumer, running, version).
def test_running_version_and_update_api_consumer(toxiproxy: Toxiproxy, cli_server: Any,
                                                 kit: Any) -> None:
    assert toxiproxy.running() is True
    version = toxiproxy.version()
    assert isinstance(version, bytes) and version.startswith(b'{"version": "2.')
    toxiproxy.update_api_consumer("127.0.0.1", kit.free_port())  # nothing listens there
    assert toxiproxy.running() is False
    assert toxiproxy.version() is None
    toxiproxy.update_api_consumer(cli_server.host, cli_server.port)
    assert toxiproxy.running() is True


# douglas/toxiproxy-python test/toxiproxy_test.py test_populate_creates_proxies_array and
# test_populate_creates_proxies_update_listen (populate is client-side: list, delete, create).
def test_populate(toxiproxy: Toxiproxy, kit: Any) -> None:
    first, second, third = kit.free_port(), kit.free_port(), kit.free_port()
    proxies = toxiproxy.populate([
        {"name": "test_toxiproxy_populate1", "upstream": "localhost:3306",
         "listen": f"localhost:{first}"},
        {"name": "test_toxiproxy_populate2", "upstream": "localhost:3306",
         "listen": f"localhost:{second}"}])
    assert [p.listen for p in proxies] == [f"127.0.0.1:{first}", f"127.0.0.1:{second}"]
    assert all(can_connect_to(*_split(p.listen)) for p in proxies)
    moved = toxiproxy.populate([{"name": "test_toxiproxy_populate1",
                                 "upstream": "localhost:3306", "listen": f"localhost:{third}"}])
    assert [p.listen for p in moved] == [f"127.0.0.1:{third}"]
    assert can_connect_to("127.0.0.1", third) is True
    assert can_connect_to("127.0.0.1", first) is False
    # Same resolved address given literally: the package keeps it (nothing re-created).
    assert toxiproxy.populate([{"name": "test_toxiproxy_populate1",
                                "upstream": "localhost:3306",
                                "listen": f"127.0.0.1:{third}"}]) == []


# douglas/toxiproxy-python test/toxiproxy_test.py test_enable_and_disable_proxy_with_toxic.
def test_enable_and_disable_proxy_with_toxic(toxiproxy: Toxiproxy,
                                             echo_upstream: str) -> None:
    proxy = toxiproxy.create(upstream=echo_upstream, name="test_rubby_server")
    listen = proxy.listen
    proxy.add_toxic(type="latency", attributes={"latency": 123})
    proxy.disable()
    assert can_connect_to(*_split(listen)) is False
    proxy.enable()
    assert can_connect_to(*_split(listen)) is True
    assert proxy.get_toxic("latency_downstream").attributes["latency"] == 123
    assert toxiproxy.get_proxy("test_rubby_server").listen == listen


# douglas/toxiproxy-python test/toxiproxy_test.py test_delete_toxic.
def test_delete_toxic(toxiproxy: Toxiproxy, echo_upstream: str) -> None:
    proxy = toxiproxy.create(upstream=echo_upstream, name="test_rubby_server")
    proxy.add_toxic(type="latency", attributes={"latency": 123})
    assert proxy.get_toxic("latency_downstream").attributes["latency"] == 123
    assert proxy.destroy_toxic("latency_downstream") is True
    assert proxy.toxics() == {}
    assert proxy.get_toxic("latency_downstream") is None
    with pytest.raises(NotFound):
        proxy.destroy_toxic("latency_downstream")


# douglas/toxiproxy-python test/toxiproxy_test.py test_reset.
def test_reset(toxiproxy: Toxiproxy, echo_upstream: str) -> None:
    proxy = toxiproxy.create(upstream=echo_upstream, name="test_rubby_server")
    listen = proxy.listen
    proxy.disable()
    assert can_connect_to(*_split(listen)) is False
    proxy.add_toxic(type="latency", attributes={"latency": 123})
    assert toxiproxy.reset() is True
    assert can_connect_to(*_split(listen)) is True
    assert proxy.toxics() == {}
    assert toxiproxy.get_proxy("test_rubby_server").listen == listen


# Proxy.add_toxic with every key given, Toxic fields read back, InvalidToxic on 400s.
def test_add_toxic_all_fields_and_invalid(toxiproxy: Toxiproxy) -> None:
    proxy = toxiproxy.create(upstream="localhost:3306", name="p")
    proxy.add_toxic(name="slow", type="bandwidth", stream="upstream", toxicity=0.5,
                    attributes={"rate": 10})
    proxy.add_toxic(type="timeout")
    listed = proxy.toxics()
    assert list(listed) == ["slow", "timeout_downstream"]  # upstream toxics list first
    slow = listed["slow"]
    assert (slow.type, slow.stream, slow.toxicity, slow.attributes) == (
        "bandwidth", "upstream", 0.5, {"rate": 10})
    assert listed["timeout_downstream"].attributes == {"timeout": 0}
    with pytest.raises(InvalidToxic):
        proxy.add_toxic(type="bogus")
    with pytest.raises(InvalidToxic):
        proxy.add_toxic(type="latency", stream="sideways")
    with pytest.raises(ProxyExists):
        proxy.add_toxic(type="timeout")


# Proxy.down(): disabled inside the block, enabled again after it (even on error).
def test_down_context(toxiproxy: Toxiproxy) -> None:
    proxy = toxiproxy.create(upstream="localhost:3306", name="p")
    with pytest.raises(RuntimeError), proxy.down():
        assert can_connect_to(*_split(proxy.listen)) is False
        raise RuntimeError("inside")
    assert proxy.enabled is True and can_connect_to(*_split(proxy.listen)) is True


# Toxiproxy.proxies / destroy_all: every listed proxy is removed.
def test_proxies_and_destroy_all(toxiproxy: Toxiproxy) -> None:
    for name in ("a", "b", "c"):
        toxiproxy.create(upstream="localhost:3306", name=name)
    assert sorted(toxiproxy.proxies()) == ["a", "b", "c"]
    toxiproxy.destroy_all()
    assert toxiproxy.proxies() == {}


def _rtt_s(sock: socket.socket) -> float:
    start = time.perf_counter()
    sock.sendall(b"ping")
    got = b""
    while len(got) < 4:
        chunk = sock.recv(64)
        assert chunk, "connection closed"
        got += chunk
    return time.perf_counter() - start


# Toxics reach connections that are already open (spec §7), through add_toxic/destroy_toxic.
def test_toxic_applies_to_a_live_connection(toxiproxy: Toxiproxy, echo_upstream: str) -> None:
    proxy = toxiproxy.create(upstream=echo_upstream, name="live")
    with socket.create_connection(_split(proxy.listen), timeout=5) as sock:
        assert _rtt_s(sock) < 0.05
        proxy.add_toxic(type="latency", attributes={"latency": 100})
        assert _rtt_s(sock) >= 0.095
        proxy.destroy_toxic("latency_downstream")
        assert _rtt_s(sock) < 0.05


def _closed_by_peer(sock: socket.socket) -> bool:
    sock.settimeout(3)
    try:
        return sock.recv(64) == b""
    except ConnectionResetError:
        return True


# Proxy.disable / Proxy.destroy: "this will drop all active connections" (the package's and the
# Ruby gem's docstrings; spec §4) — an open client connection sees EOF or a reset.
@pytest.mark.parametrize("action", ["disable", "destroy"])
def test_disable_and_destroy_drop_live_connections(toxiproxy: Toxiproxy, echo_upstream: str,
                                                   action: str) -> None:
    proxy = toxiproxy.create(upstream=echo_upstream, name="live")
    with socket.create_connection(_split(proxy.listen), timeout=5) as sock:
        assert _rtt_s(sock) < 0.5
        getattr(proxy, action)()
        assert _closed_by_peer(sock)


# The package's client-side populate compares listen strings, so ``localhost:P`` never equals
# the reported ``127.0.0.1:P``: every repeat deletes the proxy and re-creates it on the SAME port
# at once. DELETE must have released the port before it answers.
def test_populate_repeat_rebinds_the_same_port(toxiproxy: Toxiproxy, kit: Any) -> None:
    port = kit.free_port()
    entry = {"name": "again", "upstream": "localhost:3306", "listen": f"localhost:{port}"}
    for _ in range(5):
        (proxy,) = toxiproxy.populate([entry])
        assert proxy.listen == f"127.0.0.1:{port}"
        assert can_connect_to("127.0.0.1", port) is True
