"""ERP mock after the order: partial shipments, cancellations, credit memos (injected clock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unit.mockkit.test_erp import _order


def _feed(client: Any) -> list[dict[str, Any]]:
    return list(client.get("/api/order-updates").json()["items"])


def test_a_partial_order_ships_in_two_parts_line_by_line(erp: Callable[..., Any],
                                                          clock: Any) -> None:
    client = erp(partial_share=1.0, partial_gap=5)
    created = client.post("/api/orders", json=_order()).json()
    clock.now += 2.5
    shipped = [u for u in _feed(client) if u["status"] in ("partially_shipped", "shipped")]
    assert [u["status"] for u in shipped] == ["partially_shipped"]
    first = shipped[0]
    assert first["items"] == [{"sku": "A", "qty": 1}] and first["complete"] is False
    assert client.get("/api/stock/A").json()["qty"] == 99      # only the part left
    clock.now += 3.0
    assert [u["status"] for u in _feed(client)][-1] == "partially_shipped"  # not yet
    clock.now += 2.5
    updates = _feed(client)
    rest = next(u for u in updates if u["status"] == "shipped")
    assert rest["items"] == [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 1}]
    assert rest["complete"] is True and rest["tracking_number"] != first["tracking_number"]
    clock.now += 1.5
    statuses = [u["status"] for u in _feed(client)]
    assert statuses == ["picked", "partially_shipped", "shipped", "invoiced"]
    order = client.get(f"/api/orders/{created['erp_order_id']}").json()
    assert [len(s["items"]) for s in order["shipments"]] == [1, 2]


def test_partial_share_zero_ships_whole_orders(erp: Callable[..., Any], clock: Any) -> None:
    client = erp()
    client.post("/api/orders", json=_order())
    clock.now += 2.5
    shipped = [u for u in _feed(client) if u["status"] == "shipped"]
    assert shipped[0]["items"] == [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]
    assert shipped[0]["complete"] is True


def test_cancel_before_shipping_stops_fulfilment(erp: Callable[..., Any], clock: Any) -> None:
    client = erp()
    erp_id = client.post("/api/orders", json=_order()).json()["erp_order_id"]
    answer = client.post(f"/api/orders/{erp_id}/cancel")
    assert answer.status_code == 200 and answer.json()["outcome"] == "cancelled"
    assert client.post(f"/api/orders/{erp_id}/cancel").json()["outcome"] == \
        "already_cancelled"
    clock.now += 10
    assert [u["status"] for u in _feed(client)] == ["cancelled"]
    assert client.get("/api/stock/A").json()["qty"] == 100      # nothing left the warehouse
    order = client.get(f"/api/orders/{erp_id}").json()
    assert order["status"] == "cancelled" and order["shipments"] == []
    assert [r["outcome"] for r in order["cancel_requests"]] == ["cancelled",
                                                                 "already_cancelled"]


def test_cancel_after_a_shipment_left_is_refused_and_recorded(erp: Callable[..., Any],
                                                              clock: Any) -> None:
    client = erp()
    erp_id = client.post("/api/orders", json=_order()).json()["erp_order_id"]
    clock.now += 2.1
    answer = client.post(f"/api/orders/{erp_id}/cancel")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_shipped"
    order = client.get(f"/api/orders/{erp_id}").json()
    assert order["status"] == "shipped"
    assert order["cancel_requests"][0]["outcome"] == "refused_shipped"


def test_credit_memo_is_booked_once_per_memo_id(erp: Callable[..., Any]) -> None:
    client = erp()
    erp_id = client.post("/api/orders", json=_order()).json()["erp_order_id"]
    memo = {"credit_memo_id": "7", "amount": 22.0, "items": [{"sku": "A", "qty": 2}]}
    assert client.post(f"/api/orders/{erp_id}/credit-memos", json=memo).status_code == 201
    assert client.post(f"/api/orders/{erp_id}/credit-memos", json=memo).status_code == 200
    assert client.post("/api/orders/SO-9/credit-memos", json=memo).status_code == 404
    orders = client.get("/__admin/evidence?kind=orders").json()["records"]["orders"]
    assert [(m["credit_memo_id"], m["amount"]) for m in orders[0]["credit_memos"]] == \
        [("7", 22.0)]
