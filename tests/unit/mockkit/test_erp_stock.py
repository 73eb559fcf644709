"""ERP stock: the ERP's own adjustments, movements at runtime, the feed's head, Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def _history(client: Any) -> list[dict[str, Any]]:
    body = client.get("/__admin/evidence", params={"kind": "stock_history"}).json()
    return list(body["records"]["stock_history"])


def test_adjustment_by_delta_and_by_set_answers_the_new_on_hand(erp: Callable[..., Any],
                                                                clock: Any) -> None:
    client = erp()
    r = client.post("/api/stock/adjustments", json={"sku": "A", "delta": 5})
    assert r.status_code == 200, r.text
    assert (r.json()["qty"], r.json()["qty_before"]) == (105, 100)
    clock.now += 1
    r = client.post("/api/stock/adjustments", json={"sku": "A", "set": 10})
    assert (r.json()["qty"], r.json()["qty_before"], r.json()["delta"]) == (10, 105, -95)
    assert client.get("/api/stock/A").json()["qty"] == 10
    history = _history(client)
    assert [(h["sku"], h["qty_before"], h["qty_after"], h["source"]) for h in history] == \
        [("A", 100, 105, "api"), ("A", 105, 10, "api")]
    assert history[1]["ts"] == clock.now and history[1]["at"].endswith("Z")


def test_batch_is_applied_all_or_nothing(erp: Callable[..., Any]) -> None:
    client = erp()
    ok = client.post("/api/stock/adjustments", json={"adjustments": [
        {"sku": "A", "delta": -1}, {"sku": "B", "set": 50, "reason": "stock count"}]})
    assert ok.status_code == 200, ok.text
    assert [(i["sku"], i["qty"]) for i in ok.json()["items"]] == [("A", 99), ("B", 50)]
    refused = client.post("/api/stock/adjustments", json={"adjustments": [
        {"sku": "A", "delta": 1}, {"sku": "NOPE", "delta": 1}]})
    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["adjustments.1.sku"]
    assert client.get("/api/stock/A").json()["qty"] == 99
    assert [h["reason"] for h in _history(client)] == ["adjustment", "stock count"]


@pytest.mark.parametrize(("body", "field"), [
    ({"sku": "A"}, "(body)"),
    ({"sku": "A", "delta": 1, "set": 2}, "(body)"),
    ({"sku": "A", "set": -1}, "set"),
    ({"sku": "A", "delta": 1, "colour": "red"}, "colour"),
    ({"sku": "NOPE", "delta": 1}, "sku"),
    ({"adjustments": []}, "adjustments"),
])
def test_bad_adjustment_is_422_naming_the_field(erp: Callable[..., Any], body: Any,
                                                field: str) -> None:
    r = erp().post("/api/stock/adjustments", json=body)
    assert r.status_code == 422, r.text
    assert field in [f["field"] for f in r.json()["error"]["fields"]]


def test_every_stock_change_records_its_source(erp: Callable[..., Any], clock: Any) -> None:
    client = erp(movements_per_second=1)
    order = {"increment_id": "1", "customer_email": "a@b.c",
             "items": [{"sku": "C", "qty": 1, "price": 1}], "totals": {"grand_total": 1}}
    assert client.post("/api/orders", json=order).status_code == 201
    client.post("/api/stock/adjustments", json={"sku": "C", "delta": 3})
    clock.now += 2.5
    client.get("/api/stock")
    sources = {h["source"] for h in _history(client)}
    assert sources == {"api", "movement", "order"}
    assert all(h["qty_after"] - h["qty_before"] == h["delta"] for h in _history(client))


def test_movement_rate_is_set_at_runtime_and_zero_pauses(erp: Callable[..., Any],
                                                         clock: Any) -> None:
    client = erp(movements_per_second=10)
    clock.now += 1
    client.get("/api/stock")
    assert len(_history(client)) == 10
    paused = client.put("/__admin/movements", json={"per_second": 0})
    assert paused.status_code == 200 and paused.json() == {"per_second": 0}
    clock.now += 100
    client.get("/api/stock")
    assert len(_history(client)) == 10
    client.put("/__admin/movements", json={"per_second": 2})
    clock.now += 3
    client.get("/api/stock")
    assert len(_history(client)) == 16
    assert client.get("/__admin/movements").json() == {"per_second": 2}
    assert client.put("/__admin/movements", json={"per_second": -1}).status_code == 422
    assert client.put("/__admin/movements", json={"rate": 1}).status_code == 422


def test_stock_feed_refuses_a_cursor_past_its_head(erp: Callable[..., Any]) -> None:
    client = erp()
    head = client.get("/api/stock").json()["next_cursor"]
    assert client.get("/api/stock", params={"updated_since": head}).status_code == 200
    r = client.get("/api/stock", params={"updated_since": head + 1})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "cursor_past_head" and str(head) in error["message"]
    assert error["fields"] == [{"field": "updated_since", "reason": "past the head"}]


def test_restart_keeps_the_feed_head_so_old_cursors_stay_valid(erp: Callable[..., Any]) -> None:
    first = erp()
    for _ in range(3):
        first.post("/api/stock/adjustments", json={"sku": "A", "delta": 1})
    head = first.get("/api/stock").json()["next_cursor"]
    again = erp()
    assert again.get("/api/stock", params={"updated_since": head}).status_code == 200
    assert again.get("/api/stock/A").json()["qty"] == 103


def test_request_evidence_carries_the_retry_after_sent(erp: Callable[..., Any]) -> None:
    client = erp()
    order = {"increment_id": "1", "customer_email": "a@b.c",
             "items": [{"sku": "A", "qty": 1, "price": 1}], "totals": {"grand_total": 1}}
    client.put("/__admin/faults", json={"id": "busy", "path": "/api/orders", "status": 429,
                                        "retry_after": 7, "max_hits": 1})
    assert client.post("/api/orders", json=order).headers["retry-after"] == "7"
    assert client.post("/api/orders", json=order).status_code == 201
    requests = client.get("/__admin/evidence", params={"kind": "requests"}).json()
    assert [r["retry_after"] for r in requests["records"]["requests"]] == [7, None]


def test_request_evidence_carries_the_rate_limits_retry_after(erp: Callable[..., Any],
                                                              clock: Any) -> None:
    client = erp(rate_limit=1, retry_after=3)
    order = {"increment_id": "1", "customer_email": "a@b.c",
             "items": [{"sku": "A", "qty": 1, "price": 1}], "totals": {"grand_total": 1}}
    statuses = [client.post("/api/orders", json=order).status_code for _ in range(2)]
    assert statuses == [201, 429]
    requests = client.get("/__admin/evidence", params={"kind": "requests"}).json()
    assert [r["retry_after"] for r in requests["records"]["requests"]] == [None, 3]


def test_openapi_documents_adjustments_and_movements(erp: Callable[..., Any]) -> None:
    paths = erp().get("/__admin/openapi.json").json()["paths"]
    assert "post" in paths["/api/stock/adjustments"]
    assert {"get", "put"} <= set(paths["/__admin/movements"])


def test_fractional_retry_after_is_recorded_as_a_number(erp: Callable[..., Any]) -> None:
    client = erp()
    client.put("/__admin/faults", json={"id": "b", "path": "/api/orders", "status": 503,
                                        "retry_after": 1.5})
    client.post("/api/orders", json={"increment_id": "1"})
    requests = client.get("/__admin/evidence", params={"kind": "requests"}).json()
    assert requests["records"]["requests"][0]["retry_after"] == 1.5
