"""``peakready.chaos.FaultProxyClient`` against the real server (and its error translation)."""

from __future__ import annotations

import time

import pytest

from peakready.chaos import FaultProxyClient, FaultProxyRequestError
from peakready.errors import FaultControlError
from peakready.faultproxy.thread import FaultProxyThread
from support.sockets import free_port


def test_proxy_and_toxic_lifecycle(server: FaultProxyThread) -> None:
    with FaultProxyClient(server.url) as client:
        assert client.version() == "2.12.0"
        assert client.is_peakready()
        created = client.create_proxy("erp", "127.0.0.1:1")
        assert created.port > 0 and created.enabled
        toxic = client.add_toxic("erp", "latency", attributes={"latency": 50}, toxicity=0.5)
        assert (toxic.name, toxic.attributes, toxic.toxicity) == (
            "latency_downstream", {"latency": 50, "jitter": 0}, 0.5)
        updated = client.update_toxic("erp", toxic.name, attributes={"jitter": 5})
        assert updated.attributes == {"latency": 50, "jitter": 5}
        assert [t.name for t in client.toxics("erp")] == ["latency_downstream"]
        assert client.disable("erp").enabled is False
        assert client.enable("erp").enabled is True
        assert client.get_proxy("erp").toxics[0].name == "latency_downstream"
        client.remove_toxic("erp", toxic.name)
        assert client.toxics("erp") == []
        populated = client.populate([{"name": "crm", "upstream": "127.0.0.1:2"}])
        assert [p.name for p in populated] == ["crm"]
        assert sorted(client.proxies()) == ["crm", "erp"]
        client.add_toxic("crm", "timeout")
        client.disable("erp")
        client.reset()
        assert all(p.enabled and not p.toxics for p in client.proxies().values())
        client.delete_proxy("crm")
        assert sorted(client.proxies()) == ["erp"]


def test_errors_carry_status_and_server_message(server: FaultProxyThread) -> None:
    with FaultProxyClient(server.url) as client:
        client.create_proxy("erp", "127.0.0.1:1")
        with pytest.raises(FaultProxyRequestError) as info:
            client.create_proxy("erp", "127.0.0.1:1")
        assert (info.value.status, info.value.message) == (409, "proxy already exists")
        assert isinstance(info.value, FaultControlError)
        with pytest.raises(FaultProxyRequestError) as info:
            client.add_toxic("nope", "latency")
        assert str(info.value) == "add toxic latency to nope: HTTP 404: proxy not found"


def test_unreachable_server_is_a_fault_control_error() -> None:
    # A port just released, not a well-known one: something may listen on port 9 here.
    with FaultProxyClient(f"http://127.0.0.1:{free_port()}", timeout=0.5) as client, \
            pytest.raises(FaultControlError) as info:
        client.proxies()
    assert info.value.status == 0  # type: ignore[attr-defined]


def test_lease_and_expiry_extensions(server: FaultProxyThread) -> None:
    with FaultProxyClient(server.url) as client:
        assert client.lease() is None
        lease = client.take_lease("ci-job", 5000)
        assert lease.holder == "ci-job" and 0 < lease.expires_in_ms <= 5000
        assert client.renew_lease("ci-job", 8000).ttl_ms == 8000
        client.release_lease("ci-job")
        assert client.lease() is None
        client.create_proxy("erp", "127.0.0.1:1")
        toxic = client.add_toxic("erp", "latency", expires_in_ms=60_000)
        assert toxic.expires_at is not None and toxic.expires_at > time.time() + 50


def test_toxiproxy_globals_are_restored(server: FaultProxyThread) -> None:
    from toxiproxy.api import APIConsumer

    before = (APIConsumer.host, APIConsumer.port)
    with FaultProxyClient(server.url) as client, client.toxiproxy() as toxiproxy:
        assert (APIConsumer.host, APIConsumer.port) == (server.host, server.port)
        toxiproxy.create(upstream="127.0.0.1:1", name="lib")
    assert (APIConsumer.host, APIConsumer.port) == before
    assert "lib" in FaultProxyClient(server.url).proxies()


def test_holding_lease_renews_in_the_background_and_releases(server: FaultProxyThread) -> None:
    with FaultProxyClient(server.url) as client:
        client.create_proxy("erp", "127.0.0.1:1")
        client.add_toxic("erp", "latency")
        with client.holding_lease("timeline", ttl_ms=300) as lease:
            assert lease.holder == "timeline"
            time.sleep(0.8)  # well past the TTL: only renewals keep the toxic alive
            current = client.lease()
            assert current is not None and current.renewals >= 2
            assert [t.name for t in client.toxics("erp")] == ["latency_downstream"]
        assert client.lease() is None
        time.sleep(0.4)
        assert [t.name for t in client.toxics("erp")] == ["latency_downstream"]


def test_from_env_prefers_toxiproxy_url(monkeypatch: pytest.MonkeyPatch,
                                        server: FaultProxyThread) -> None:
    monkeypatch.setenv("TOXIPROXY_URL", server.url)
    with FaultProxyClient.from_env("http://127.0.0.1:9") as client:
        assert client.url == server.url
        assert client.version() == "2.12.0"
    monkeypatch.delenv("TOXIPROXY_URL")
    with FaultProxyClient.from_env("http://127.0.0.1:9") as client:
        assert client.url == "http://127.0.0.1:9"
