"""Every fault kind of the switch through the middleware, in-process (ASGITransport)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from peakready.mockkit import ConnectionDropped, MockKit


@pytest.fixture
def kit(kit_factory: Callable[..., MockKit]) -> MockKit:
    return kit_factory(seed=11)


@pytest.fixture
def client(kit: MockKit, make_client: Callable[[Any], Any]) -> Any:
    return make_client(kit.build())


def _faults(client: Any, rules: Any) -> Any:
    response = client.put("/__admin/faults", json=rules)
    assert response.status_code == 200, response.text
    return response.json()


def test_no_rule_passes_through_with_a_request_id(client: Any) -> None:
    r = client.get("/api/items/A")
    assert r.status_code == 200 and r.json()["sku"] == "A"
    assert r.headers["x-request-id"]
    echoed = client.get("/api/items/A", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


def test_status_fault_with_retry_after_on_503_and_429(client: Any) -> None:
    _faults(client, {"rules": [
        {"id": "down", "path": "/api/items/*", "status": 503, "retry_after": 7},
        {"id": "slowdown", "path": "/api/things", "methods": ["POST"], "status": 429,
         "retry_after": 2}]})
    r = client.get("/api/items/A")
    assert r.status_code == 503 and r.headers["retry-after"] == "7"
    assert r.headers["x-peakready-fault"] == "down"
    assert r.json()["error"]["code"] == "injected_fault"
    t = client.post("/api/things", content=b"x")
    assert t.status_code == 429 and t.headers["retry-after"] == "2"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_each_server_error_status(client: Any, status: int) -> None:
    _faults(client, {"status": status, "body": "upstream says no"})
    r = client.get("/api/items/A")
    assert r.status_code == status and r.text == "upstream says no"


def test_rate_over_1000_requests_with_seed_is_within_tolerance(
        kit_factory: Callable[..., MockKit], make_client: Callable[[Any], Any]) -> None:
    def run() -> list[int]:
        client = make_client(kit_factory(seed=5).build())
        _faults(client, {"id": "flaky", "status": 500, "rate": 0.25})
        return [client.get(f"/api/items/{i}").status_code for i in range(1000)]

    first = run()
    assert 190 <= first.count(500) <= 310
    assert first.count(200) + first.count(500) == 1000
    assert run() == first  # same seed, same requests hit


def test_fixed_delay_is_added(client: Any) -> None:
    _faults(client, {"delay_ms": 150, "path": "/api/items/*"})
    started = time.perf_counter()
    r = client.get("/api/items/A")
    elapsed = time.perf_counter() - started
    assert r.status_code == 200
    assert elapsed >= 0.14  # lower bound only: a loaded machine may add, never subtract


def test_distribution_delay_is_added(client: Any) -> None:
    _faults(client, {"delay_ms": {"distribution": "uniform", "min": 80, "max": 120}})
    started = time.perf_counter()
    client.get("/api/items/A")
    assert time.perf_counter() - started >= 0.075


def test_slow_body_dribbles_over_time(client: Any) -> None:
    # 200+ byte body at 2000 B/s in 50-byte chunks: ~0.1 s or more.
    _faults(client, {"slow_body": {"bytes_per_second": 2000, "chunk_size": 50}})
    started = time.perf_counter()
    r = client.get("/api/items/A")
    assert r.status_code == 200 and r.json()["body"] == "x" * 200
    assert time.perf_counter() - started >= 0.09


def test_truncated_body_is_short_and_drops(client: Any) -> None:
    _faults(client, {"truncate": {"bytes": 10}})
    with pytest.raises(ConnectionDropped):
        client.get("/api/items/A")


def test_close_without_response(client: Any, kit: MockKit) -> None:
    _faults(client, {"id": "cut", "close": True})
    with pytest.raises(ConnectionDropped):
        client.get("/api/items/A")
    assert kit.journal.count(status=0) == 1
    assert kit.journal.fault_count("cut") == 1


def test_expiry_ends_the_fault(client: Any) -> None:
    _faults(client, {"status": 503, "expires_in": 1.0})
    assert client.get("/api/items/A").status_code == 503
    time.sleep(1.1)
    assert client.get("/api/items/A").status_code == 200
    assert client.get("/__admin/faults").json() == {"rules": []}


def test_journal_shows_rules_and_counts_faults_against_the_route_template(
        client: Any) -> None:
    _faults(client, {"id": "flaky", "path": "/api/items/*", "status": 502, "rate": 0.5})
    for i in range(40):
        client.get(f"/api/items/{i}")
    journal = client.get("/__admin/journal").json()
    assert [r["id"] for r in journal["faults"]] == ["flaky"]
    per_status = journal["routes"]["/api/items/{sku}"]["GET"]
    assert per_status["200"] + per_status["502"] == 40
    assert journal["fault_hits"]["flaky"] == per_status["502"] == journal["faults"][0]["hits"]


def test_admin_add_remove_and_clear(client: Any) -> None:
    assert client.post("/__admin/faults", json={"id": "a", "status": 500}).status_code == 201
    assert client.post("/__admin/faults", json={"id": "b", "status": 502}).status_code == 201
    assert [r["id"] for r in client.get("/__admin/faults").json()["rules"]] == ["a", "b"]
    assert client.delete("/__admin/faults/a").status_code == 200
    assert client.delete("/__admin/faults/a").status_code == 404
    assert client.get("/api/items/A").status_code == 502
    assert client.delete("/__admin/faults").json() == {"rules": []}
    assert client.get("/api/items/A").status_code == 200


def test_bad_rules_are_a_400_naming_the_field(client: Any) -> None:
    r = client.put("/__admin/faults", json={"status": 503, "rate": 2})
    assert r.status_code == 400 and "rate" in r.json()["error"]["message"]
    r = client.put("/__admin/faults", content=b"{nope")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


def test_admin_routes_are_never_faulted(client: Any) -> None:
    _faults(client, {"path": "*", "status": 500})
    assert client.get("/__admin/health").status_code == 200


def test_rate_limit_answers_429_with_retry_after(kit: MockKit,
                                                 make_client: Callable[[Any], Any]) -> None:
    now = [500.5]
    kit.set_rate_limit(5, clock=lambda: now[0])
    client = make_client(kit.build())
    statuses = [client.get("/api/items/A") for _ in range(12)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 7
    assert {r.headers["retry-after"] for r in statuses[5:]} == {"1"}
    assert kit.journal.count(route="/api/items/{sku}", status=429) == 7
    now[0] = 501.0
    assert client.get("/api/items/A").status_code == 200
