"""ERP mock business rules, in-process with an injected clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from peakready.mockkit import MockSettings


def _order(increment_id: str = "000000001", **extra: Any) -> dict[str, Any]:
    return {"increment_id": increment_id, "customer_email": "ann@example.com",
            "items": [{"sku": "A", "qty": 2, "price": 9.5}, {"sku": "B", "qty": 1, "price": 3}],
            "totals": {"grand_total": 22.0, "currency": "USD"},
            "shipping_address": {"firstname": "Ann", "lastname": "Lee", "city": "Austin",
                                 "postcode": "78701", "country_id": "US", "street": ["1 Main"]},
            **extra}


def test_idempotent_replay_creates_nothing(erp: Callable[..., Any]) -> None:
    client = erp()
    first = client.post("/api/orders", json=_order(), headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/orders", json=_order(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    evidence = client.get("/__admin/evidence").json()
    orders = evidence["records"]["orders"]
    assert len(orders) == 1
    assert orders[0]["attempts"] == 2 and len(orders[0]["attempt_times"]) == 2
    assert orders[0]["idempotency_key"] == "k-1"
    assert evidence["summary"]["duplicate_order_count"] == 0
    outcomes = [r["outcome"] for r in evidence["records"]["requests"]]
    assert outcomes == ["created", "replayed"]


def test_without_a_key_every_retry_is_a_duplicate(erp: Callable[..., Any]) -> None:
    client = erp()
    ids = [client.post("/api/orders", json=_order()).json()["erp_order_id"] for _ in range(3)]
    assert len(set(ids)) == 3
    summary = client.get("/__admin/evidence").json()["summary"]
    assert summary["duplicate_increment_ids"] == {"000000001": ids}
    assert summary["duplicate_order_count"] == 2
    listed = client.get("/api/orders", params={"increment_id": "000000001"}).json()
    assert listed["total_count"] == 3


def test_every_request_is_evidence_with_arrival_time_even_when_faulted(
        erp: Callable[..., Any]) -> None:
    client = erp()
    client.put("/__admin/faults", json={"id": "down", "path": "/api/orders", "status": 503,
                                        "max_hits": 2})
    statuses = [client.post("/api/orders", json=_order(), headers={"Idempotency-Key": "r"}
                            ).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    requests = client.get("/__admin/evidence?kind=requests").json()["records"]["requests"]
    assert [r["status"] for r in requests] == [503, 503, 201]
    assert [r["faults"] for r in requests] == [["down"], ["down"], []]
    assert all(r["increment_id"] == "000000001" and r["idempotency_key"] == "r"
               for r in requests)
    assert all(r["arrived_at"].endswith("Z") for r in requests)
    assert requests[0]["ts"] <= requests[1]["ts"] <= requests[2]["ts"]


@pytest.mark.parametrize(("body", "field"), [
    ({**_order(), "items": [{"sku": "A", "qty": "two", "price": 1}]}, "items.0.qty"),
    ({**_order(), "items": []}, "items"),
    ({k: v for k, v in _order().items() if k != "totals"}, "totals"),
    ({**_order(), "customer_email": "not-an-email"}, "customer_email"),
    ({**_order(), "increment_id": 12}, "increment_id"),
    ([1, 2], "(body)"),
])
def test_bad_input_is_422_naming_the_field(erp: Callable[..., Any], body: Any,
                                           field: str) -> None:
    r = erp().post("/api/orders", json=body)
    assert r.status_code == 422, r.text
    assert field in [f["field"] for f in r.json()["error"]["fields"]]


def test_malformed_json_is_400(erp: Callable[..., Any]) -> None:
    r = erp().post("/api/orders", content=b'{"increment_id": ',
                   headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


def test_status_updates_feed_with_cursor(erp: Callable[..., Any], clock: Any) -> None:
    client = erp()
    created = client.post("/api/orders", json=_order()).json()
    assert client.get("/api/order-updates").json()["items"] == []
    clock.now += 2.5
    feed = client.get("/api/order-updates").json()
    assert [(u["status"]) for u in feed["items"]] == ["picked", "shipped"]
    shipped = feed["items"][1]
    assert shipped["tracking_number"] and shipped["carrier"]
    clock.now += 1
    later = client.get("/api/order-updates", params={"since": feed["next_cursor"]}).json()
    assert [u["status"] for u in later["items"]] == ["invoiced"]
    assert later["items"][0]["invoice_id"]
    order = client.get(f"/api/orders/{created['erp_order_id']}").json()
    assert order["status"] == "invoiced"
    assert [h["status"] for h in order["status_history"]] == \
        ["received", "picked", "shipped", "invoiced"]


def test_shipping_decrements_on_hand_and_stock_history_records_it(
        erp: Callable[..., Any], clock: Any) -> None:
    client = erp()
    client.post("/api/orders", json=_order())
    assert client.get("/api/stock/A").json()["qty"] == 100
    clock.now += 2
    assert client.get("/api/stock/A").json()["qty"] == 98
    assert client.get("/api/stock/B").json()["qty"] == 4
    history = client.get("/__admin/evidence?kind=stock_history").json()["records"]
    assert {(h["sku"], h["delta"], h["reason"]) for h in history["stock_history"]} == \
        {("A", -2, "order_shipped"), ("B", -1, "order_shipped")}


def test_stock_delta_feed_and_cursor(erp: Callable[..., Any], clock: Any) -> None:
    client = erp()
    full = client.get("/api/stock").json()
    assert [i["sku"] for i in full["items"]] == ["A", "B", "C"] and not full["has_more"]
    cursor = full["next_cursor"]
    assert client.get("/api/stock", params={"updated_since": cursor}).json()["items"] == []
    client.post("/api/orders", json=_order(items=[{"sku": "C", "qty": 3, "price": 1}]))
    clock.now += 2
    delta = client.get("/api/stock", params={"updated_since": cursor}).json()
    assert [(i["sku"], i["qty"]) for i in delta["items"]] == [("C", 4)]
    assert delta["next_cursor"] > cursor
    paged = client.get("/api/stock", params={"updated_since": 0, "limit": 2}).json()
    assert len(paged["items"]) == 2 and paged["has_more"]
    rest = client.get("/api/stock", params={"updated_since": paged["next_cursor"]}).json()
    assert [i["sku"] for i in paged["items"] + rest["items"]] == ["A", "B", "C"]
    assert client.get("/api/stock", params={"updated_since": "yesterday"}).status_code == 400
    # An ISO time works as a cursor too (zone-less means UTC); year 1 is just "everything".
    since_time = client.get("/api/stock", params={"updated_since": "2027-01-15T08:00:00"})
    assert [i["sku"] for i in since_time.json()["items"]] == ["C"]
    assert len(client.get("/api/stock", params={"updated_since": "0001-01-01T00:00:00Z"}
                          ).json()["items"]) == 3
    assert client.get("/api/stock/NOPE").status_code == 404


def test_warehouse_movements_change_stock_over_time(erp: Callable[..., Any],
                                                    clock: Any) -> None:
    client = erp(movements_per_second=10)
    cursor = client.get("/api/stock").json()["next_cursor"]
    clock.now += 3
    delta = client.get("/api/stock", params={"updated_since": cursor}).json()
    assert delta["items"], "movements should have changed some SKUs"
    history = client.get("/__admin/evidence?kind=stock_history").json()["records"]
    moves = history["stock_history"]
    assert len(moves) == 30
    assert {m["reason"] for m in moves} <= {"receipt", "other_channel_sale"}


def test_rate_limit_answers_429_with_retry_after(erp: Callable[..., Any],
                                                 clock: Any) -> None:
    clock.now = 1_800_000_000.25   # a quarter into a one-second window, frozen
    client = erp(rate_limit=3)
    statuses = [client.get("/api/stock/A") for _ in range(10)]
    assert [r.status_code for r in statuses] == [200] * 3 + [429] * 7
    assert {r.headers["retry-after"] for r in statuses[3:]} == {"1"}
    assert client.get("/__admin/evidence").json()["summary"]["rate_limited"] == 7
    clock.now += 1
    assert client.get("/api/stock/A").status_code == 200


def test_restart_on_the_same_data_dir_keeps_orders_and_keys(
        erp: Callable[..., Any]) -> None:
    first = erp()
    created = first.post("/api/orders", json=_order(), headers={"Idempotency-Key": "k"})
    second = erp()
    replay = second.post("/api/orders", json=_order(), headers={"Idempotency-Key": "k"})
    assert replay.json() == created.json()
    fresh = second.post("/api/orders", json=_order("000000002")).json()
    assert fresh["erp_order_id"] == "SO-0000002"


def test_seeds_stock_from_the_fixture_profile(mock_module: Callable[[str], ModuleType],
                                              make_client: Callable[[Any], Any],
                                              tmp_path: Path) -> None:
    settings = MockSettings("erp", seed=0, data_dir=tmp_path,
                            options={"profile": "tiny", "movements_per_second": 0})
    client = make_client(mock_module("erp").create_app(settings))
    items = client.get("/api/stock", params={"limit": 50000}).json()["items"]
    assert len(items) > 0
    sku = items[0]["sku"]
    assert client.get(f"/api/stock/{sku}").json()["qty"] == items[0]["qty"]
