"""Customers (§7), async/bulk (§6) and the order-event seam."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
NEW = {"customer": {"email": "new@example.com", "firstname": "New", "lastname": "Person",
                    "website_id": 1}, "password": "Str0ng-Pass"}


async def test_create_and_find_customers(client: Any) -> None:
    r = await client.post("/rest/V1/customers", json=NEW)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] > 0 and body["email"] == "new@example.com" and body["group_id"] == 1
    assert {"created_at", "created_in", "store_id", "website_id", "addresses",
            "disable_auto_group_change", "extension_attributes"} <= set(body)
    r = await client.post("/rest/V1/customers", json=NEW)
    assert r.json() == {"message": "A customer with the same email address already exists in "
                        "an associated website."}
    found = (await client.get(
        "/rest/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=email"
        "&searchCriteria[filter_groups][0][filters][0][value]=new@example.com",
        headers=ADMIN)).json()
    assert found["total_count"] == 1 and found["items"][0]["id"] == body["id"]
    r = await client.get(f"/rest/V1/customers/{body['id']}", headers=ADMIN)
    assert r.json()["lastname"] == "Person"
    r = await client.get("/rest/V1/customers/999", headers=ADMIN)
    assert (r.status_code, r.json()) == (404, {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "customerId", "fieldValue": 999}})
    token = (await client.post("/rest/V1/integration/customer/token", json={
        "username": "new@example.com", "password": "Str0ng-Pass"})).json()
    me = (await client.get("/rest/V1/customers/me",
                           headers={"Authorization": f"Bearer {token}"})).json()
    assert me["id"] == body["id"]


async def test_customer_validation(client: Any) -> None:
    def with_password(password: str) -> dict[str, Any]:
        return {**NEW, "password": password}

    r = await client.post("/rest/V1/customers", json=with_password("short"))
    assert r.json() == {"message": "The password needs at least %1 characters. Create a new "
                        "password and try again.", "parameters": [8]}
    r = await client.post("/rest/V1/customers", json=with_password("alllowercase"))
    assert r.json()["parameters"] == [3]
    r = await client.post("/rest/V1/customers", json={"customer": {"email": "x@y.z"}})
    assert r.json()["message"] == "One or more input exceptions have occurred."
    assert [e["parameters"]["fieldName"] for e in r.json()["errors"]] == ["firstname",
                                                                          "lastname"]
    r = await client.post("/rest/V1/customers", json={**NEW, "customer": {
        **NEW["customer"], "group_id": 4}})
    assert (r.status_code, r.json()["parameters"]) == (401, {
        "resources": "Magento_Customer::manage"})
    r = await client.post("/rest/V1/customers", headers=ADMIN, json={**NEW, "customer": {
        **NEW["customer"], "group_id": 4}})
    assert r.status_code == 200 and r.json()["group_id"] == 4


async def test_bulk_source_items_for_1000_skus(client: Any, app: Any) -> None:
    for n in range(1000):
        app.store.add_product(f"B-{n:04d}", price=1.0, qty=0)
    payload = [{"sourceItems": [{"sku": f"B-{n:04d}", "source_code": "default",
                                 "quantity": n, "status": 1}]} for n in range(1000)]
    r = await client.post("/rest/async/bulk/V1/inventory/source-items", headers=ADMIN,
                          json=payload)
    assert r.status_code == 202
    body = r.json()
    assert body["errors"] is False and len(body["request_items"]) == 1000
    assert body["request_items"][5]["status"] == "accepted"
    assert len(body["request_items"][5]["data_hash"]) == 64
    uuid = body["bulk_uuid"]
    await asyncio.wait_for(app.store.bulk.drain(), 30)
    r = await client.get(f"/rest/V1/bulk/{uuid}/operation-status/1", headers=ADMIN)
    assert r.json() == 1000
    status = (await client.get(f"/rest/V1/bulk/{uuid}/status", headers=ADMIN)).json()
    assert status["operation_count"] == 1000 and status["bulk_id"] == uuid
    assert status["description"] == ("Topic async.magento.inventoryapi.api."
                                     "sourceitemssaveinterface.execute.post")
    assert all(op["status"] == 1 for op in status["operations_list"])
    assert app.store.inventory.items[("B-0999", "default")].quantity == 999
    detailed = (await client.get(f"/rest/V1/bulk/{uuid}/detailed-status",
                                 headers=ADMIN)).json()
    assert detailed["operations_list"][0]["topic_name"].startswith("async.magento")
    assert "sourceItems" in detailed["operations_list"][0]["serialized_data"]


async def test_bulk_failures_and_rejections(client: Any, app: Any) -> None:
    payload = [{"product": {"sku": "AS-1", "name": "Async one", "price": 5}},
               {"product": {"sku": "AS-2", "price": 5}},
               {"nothing": True}]
    r = await client.post("/rest/async/bulk/V1/products", headers=ADMIN, json=payload)
    body = r.json()
    assert r.status_code == 202 and body["errors"] is True
    assert [i["status"] for i in body["request_items"]] == ["accepted", "accepted", "rejected"]
    await asyncio.wait_for(app.store.bulk.drain(), 10)
    uuid = body["bulk_uuid"]
    ops = (await client.get(f"/rest/V1/bulk/{uuid}/status", headers=ADMIN)).json()
    assert [op["status"] for op in ops["operations_list"]] == [1, 3]
    assert (await client.get("/rest/V1/products/AS-1", headers=ADMIN)).status_code == 200
    r = await client.get("/rest/V1/bulk/not-a-uuid/status", headers=ADMIN)
    assert r.status_code == 404


async def test_async_single_and_by_sku_bulk(client: Any, app: Any) -> None:
    r = await client.post("/rest/async/V1/products", headers=ADMIN,
                          json={"product": {"sku": "AS-9", "name": "Nine", "price": 9}})
    assert r.status_code == 202 and len(r.json()["request_items"]) == 1
    r = await client.post("/rest/default/async/V1/products", headers=ADMIN, json={})
    assert (r.status_code, r.json()["parameters"]) == (400, {"fieldName": "product"})
    r = await client.put("/rest/async/bulk/V1/products/bySku", headers=ADMIN, json=[
        {"sku": "24-MB01", "product": {"price": 99}}])
    assert r.status_code == 202
    await asyncio.wait_for(app.store.bulk.drain(), 10)
    assert (await client.get("/rest/V1/products/24-MB01", headers=ADMIN)).json()["price"] == 99
    assert (await client.get("/rest/V1/products/AS-9", headers=ADMIN)).status_code == 200
    r = await client.post("/rest/async/bulk/V1/products", json=[{"product": {"sku": "Z"}}])
    assert r.status_code == 401  # ACL is checked at publish time


async def test_order_placed_event_carries_what_an_integration_needs(client: Any, app: Any,
                                                                    sim: Any) -> None:
    seen: list[Any] = []

    async def subscriber(event: Any) -> None:
        seen.append(event)

    app.store.events.subscribe(subscriber)
    r = await sim.guest_checkout(client, "24-MB01", 2)
    order_id = r.json()
    placed = seen[0]
    assert placed.kind == "order_placed" and placed.entity_id == order_id
    assert placed.increment_id == f"{order_id:09d}"
    assert [(i.sku, i.qty, i.price) for i in placed.items] == [("24-MB01", 2, 34.0)]
    assert placed.grand_total == 78.0 and placed.customer_email == "guest@example.com"
    assert placed.billing_address["city"] == "Purchase" and placed.shipping_address
    assert (placed.payment_method, placed.shipping_method) == ("checkmo", "flatrate_flatrate")
    assert placed.created_at
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    changed = seen[1]
    assert (changed.kind, changed.action, changed.old_state, changed.new_state) == (
        "order_state_changed", "invoice", "new", "processing")
    assert [e.kind for e in app.store.events.drain()] == ["order_placed", "order_state_changed"]


async def test_failing_subscriber_does_not_fail_checkout(client: Any, app: Any,
                                                         sim: Any) -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("ERP down")

    app.store.events.subscribe(broken)
    assert (await sim.guest_checkout(client)).status_code == 200


async def test_admin_api_health_reset_evidence_capacity(app_factory: Any, sim: Any) -> None:
    app = app_factory(capacity_model="on")
    async with sim.client_for(app) as client:
        assert (await client.get("/__admin/health")).status_code == 200
        assert (await sim.guest_checkout(client)).status_code == 200
        evidence = (await client.get("/__admin/evidence")).json()["records"]
        assert len(evidence["orders"]) == 1
        assert evidence["reservations"][0]["metadata"]["event_type"] == "order_placed"
        assert any(i["sku"] == "24-MB01" for i in evidence["source_items"])
        capacity = (await client.get("/__admin/capacity")).json()
        assert capacity["enabled"] is True and capacity["workers"] >= 1
        assert capacity["state"]["served"] >= 6
        r = await client.get("/__admin/capacity?mix=product_get=60,place_order=7")
        assert r.json()["ceiling"]["source"] == "given"
        assert (await client.post("/__admin/reset")).status_code in (200, 204)
        assert app.store.orders.by_id == {}
    async with sim.client_for(app_factory()) as client:
        assert (await client.get("/__admin/capacity")).json()["enabled"] is False
