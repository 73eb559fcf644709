"""Order lifecycle (spec §5) and its MSI bookkeeping (spec §4.3)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def _order(client: Any, sim: Any, sku: str = "24-MB04", qty: float = 2) -> int:
    r = await sim.guest_checkout(client, sku, qty)
    assert r.status_code == 200, r.text
    return int(r.json())


async def _get(client: Any, order_id: int) -> dict[str, Any]:
    r = await client.get(f"/rest/V1/orders/{order_id}", headers=ADMIN)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


async def _source_qty(client: Any, sku: str) -> float:
    return float((await client.get(f"/rest/V1/stockItems/{sku}", headers=ADMIN)).json()["qty"])


async def test_invoice_then_ship_completes(client: Any, sim: Any, app: Any) -> None:
    order_id = await _order(client, sim)
    assert await sim.salable(client, "24-MB04") == 3
    r = await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN,
                          json={"capture": True, "notify": False})
    assert r.status_code == 200 and isinstance(r.json(), int)
    order = await _get(client, order_id)
    assert (order["state"], order["status"]) == ("processing", "processing")
    assert order["total_paid"] == order["grand_total"] == 74.0 and order["total_due"] == 0
    r = await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={
        "tracks": [{"track_number": "1Z999", "title": "UPS", "carrier_code": "ups"}]})
    assert r.status_code == 200
    order = await _get(client, order_id)
    assert (order["state"], order["status"]) == ("complete", "complete")
    assert order["items"][0]["qty_shipped"] == 2
    # source deducted, reservation compensated: salable unchanged, physical down
    assert await _source_qty(client, "24-MB04") == 3
    assert await sim.salable(client, "24-MB04") == 3
    assert app.store.inventory.reservations_for(order_id) == 0
    r = await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    assert r.json() == {"message": "Invoice Document Validation Error(s):\nThe order does not "
                        "allow an invoice to be created."}
    r = await client.post(f"/rest/V1/orders/{order_id}/cancel", headers=ADMIN)
    assert (r.status_code, r.json()) == (200, False)


async def test_ship_first_then_invoice(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    assert (await _get(client, order_id))["state"] == "processing"
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    assert (await _get(client, order_id))["state"] == "complete"


async def test_partial_shipment_stays_processing(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    item_id = (await _get(client, order_id))["items"][0]["item_id"]
    r = await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN,
                          json={"items": [{"order_item_id": item_id, "qty": 1}]})
    assert r.status_code == 200
    order = await _get(client, order_id)
    assert order["state"] == "processing" and order["items"][0]["qty_shipped"] == 1


async def test_cancel_restores_salable_quantity(client: Any, sim: Any, app: Any) -> None:
    order_id = await _order(client, sim)
    assert await sim.salable(client, "24-MB04") == 3
    r = await client.post(f"/rest/V1/orders/{order_id}/cancel", headers=ADMIN)
    assert (r.status_code, r.json()) == (200, True)
    order = await _get(client, order_id)
    assert (order["state"], order["status"]) == ("canceled", "canceled")
    assert await sim.salable(client, "24-MB04") == 5
    assert [r.metadata["event_type"] for r in app.store.inventory.reservations] == [
        "order_placed", "order_canceled"]
    r = await client.post(f"/rest/V1/orders/{order_id}/cancel", headers=ADMIN)
    assert r.json() is False
    r = await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    assert r.json()["message"] == ("Shipment Document Validation Error(s):\nThe order does not "
                                   "allow a shipment to be created.")


async def test_refund_with_return_to_stock(client: Any, sim: Any, app: Any) -> None:
    order_id = await _order(client, sim)
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    assert await _source_qty(client, "24-MB04") == 3
    item_id = (await _get(client, order_id))["items"][0]["item_id"]
    r = await client.post(f"/rest/V1/order/{order_id}/refund", headers=ADMIN, json={
        "items": [{"order_item_id": item_id, "qty": 2}], "notify": False,
        "arguments": {"shipping_amount": 10, "extension_attributes": {
            "return_to_stock_items": [item_id]}}})
    assert r.status_code == 200, r.text
    order = await _get(client, order_id)
    assert (order["state"], order["status"]) == ("closed", "closed")
    assert order["total_refunded"] == 74.0
    assert await _source_qty(client, "24-MB04") == 5
    assert await sim.salable(client, "24-MB04") == 5
    r = await client.post(f"/rest/V1/order/{order_id}/refund", headers=ADMIN, json={})
    assert r.json()["message"] == ("Creditmemo Document Validation Error(s):\nThe order does not "
                                   "allow a creditmemo to be created.")


async def test_refund_of_unshipped_units_returns_the_reservation(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    item_id = (await _get(client, order_id))["items"][0]["item_id"]
    r = await client.post(f"/rest/V1/order/{order_id}/refund", headers=ADMIN, json={
        "items": [{"order_item_id": item_id, "qty": 1}],
        "arguments": {"shipping_amount": 0, "extension_attributes": {
            "return_to_stock_items": [item_id]}}})
    assert r.status_code == 200
    assert (await _get(client, order_id))["state"] == "processing"
    assert await sim.salable(client, "24-MB04") == 4
    assert await _source_qty(client, "24-MB04") == 5


async def test_partial_refund_keeps_complete(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    item_id = (await _get(client, order_id))["items"][0]["item_id"]
    r = await client.post(f"/rest/V1/order/{order_id}/refund", headers=ADMIN, json={
        "items": [{"order_item_id": item_id, "qty": 1}], "arguments": {"shipping_amount": 0}})
    assert r.status_code == 200
    assert (await _get(client, order_id))["state"] == "complete"
    r = await client.post(f"/rest/V1/order/{order_id}/refund", headers=ADMIN, json={
        "items": [{"order_item_id": item_id, "qty": 5}]})
    assert r.status_code == 400
    assert r.json()["message"].startswith("Creditmemo Document Validation Error(s):\n")


async def test_hold_and_unhold(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    assert (await client.post(f"/rest/V1/orders/{order_id}/hold", headers=ADMIN)).json() is True
    order = await _get(client, order_id)
    assert (order["state"], order["hold_before_state"]) == ("holded", "new")
    r = await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN, json={})
    assert r.status_code == 400
    assert (await client.post(f"/rest/V1/orders/{order_id}/cancel", headers=ADMIN)).json() \
        is False
    r = await client.post(f"/rest/V1/orders/{order_id}/hold", headers=ADMIN)
    assert (r.status_code, r.json()) == (400, {"message": "A hold action is not available."})
    assert (await client.post(f"/rest/V1/orders/{order_id}/unhold", headers=ADMIN)).json()
    order = await _get(client, order_id)
    assert (order["state"], order["status"]) == ("new", "pending")
    r = await client.post(f"/rest/V1/orders/{order_id}/unhold", headers=ADMIN)
    assert r.json() == {"message": "You cannot remove the hold."}


async def test_comments(client: Any, sim: Any) -> None:
    order_id = await _order(client, sim)
    r = await client.post(f"/rest/V1/orders/{order_id}/comments", headers=ADMIN, json={
        "statusHistory": {"comment": "Exported to ERP", "is_customer_notified": 0,
                          "is_visible_on_front": 0, "parent_id": order_id}})
    assert r.json() is True
    body = (await client.get(f"/rest/V1/orders/{order_id}/comments", headers=ADMIN)).json()
    assert body["total_count"] == 1 and body["items"][0]["comment"] == "Exported to ERP"


async def test_unknown_order_and_acl(client: Any) -> None:
    r = await client.get("/rest/V1/orders/999", headers=ADMIN)
    assert (r.status_code, r.json()) == (404, {
        "message": "The entity that was requested doesn't exist. Verify the entity and try "
                   "again."})
    r = await client.post("/rest/V1/orders/999/cancel", headers=ADMIN)
    assert r.status_code == 404
    r = await client.post("/rest/V1/order/1/invoice", json={})
    assert r.json()["parameters"] == {"resources": "Magento_Sales::invoice"}


async def test_ship_cannot_take_a_source_below_zero(client: Any, sim: Any, app: Any) -> None:
    order_id = await _order(client, sim)
    app.store.inventory.set_source_item("24-MB04", "default", 1, 1)
    r = await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    assert (r.status_code, r.json()) == (400, {
        "message": "Not all of your products are available in the requested quantity."})
    r = await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN,
                          json={"tracks": [{"title": "UPS"}]})
    assert r.json()["message"] == ("Shipment Document Validation Error(s):\nPlease enter a "
                                   "tracking number.")


async def test_order_search_by_status_and_paging_clamp(client: Any, sim: Any) -> None:
    ids = [await _order(client, sim, "24-MB01", 1) for _ in range(3)]
    await client.post(f"/rest/V1/order/{ids[0]}/invoice", headers=ADMIN, json={})
    q = ("/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=status"
         "&searchCriteria[filter_groups][0][filters][0][value]=pending"
         "&searchCriteria[sortOrders][0][field]=entity_id"
         "&searchCriteria[sortOrders][0][direction]=DESC&searchCriteria[pageSize]=1")
    body = (await client.get(q + "&searchCriteria[currentPage]=1", headers=ADMIN)).json()
    assert body["total_count"] == 2 and body["items"][0]["entity_id"] == ids[2]
    body = (await client.get(q + "&searchCriteria[currentPage]=9", headers=ADMIN)).json()
    assert body["items"][0]["entity_id"] == ids[1]  # out of range → the last page again
    assert body["search_criteria"]["current_page"] == 9
    assert body["search_criteria"]["sort_orders"] == [{"field": "entity_id",
                                                       "direction": "DESC"}]


async def test_cancel_after_partial_invoice_keeps_the_invoiced_part(client: Any, sim: Any,
                                                                    app: Any) -> None:
    order_id = await _order(client, sim)
    item_id = (await _get(client, order_id))["items"][0]["item_id"]
    await client.post(f"/rest/V1/order/{order_id}/invoice", headers=ADMIN,
                      json={"items": [{"order_item_id": item_id, "qty": 1}]})
    r = await client.post(f"/rest/V1/orders/{order_id}/cancel", headers=ADMIN)
    assert r.json() is True
    order = await _get(client, order_id)
    assert order["state"] == "processing"          # one invoiced unit is still to ship
    assert order["items"][0]["qty_canceled"] == 1
    assert await sim.salable(client, "24-MB04") == 4  # only the uninvoiced unit came back
    await client.post(f"/rest/V1/order/{order_id}/ship", headers=ADMIN, json={})
    assert (await _get(client, order_id))["state"] == "complete"
    assert app.store.inventory.reservations_for(order_id) == 0
