"""MSI (spec §4): salable quantity, reservations, strict vs race, source items, legacy view."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
STOCK_MSG = {"message": "The requested qty is not available"}


async def _flash_sale(sim: Any, inventory: str, buyers: int = 200) -> list[Any]:
    app = sim.make_app(None, inventory=inventory, config={"race_window_ms": 5})
    async with sim.client_for(app) as client:
        results = await asyncio.gather(*(sim.guest_checkout(client, "HOT-1")
                                         for _ in range(buyers)))
        salable = await sim.salable(client, "HOT-1")
    return [results, salable, app]


async def test_flash_sale_strict_sells_exactly_the_stock(sim: Any) -> None:
    results, salable, app = await _flash_sale(sim, "strict")
    sold = [r for r in results if r.status_code == 200]
    refused = [r for r in results if r.status_code != 200]
    assert len(sold) == 50
    assert all((r.status_code, r.json()) == (400, STOCK_MSG) for r in refused)
    assert salable == 0
    assert len(app.store.orders.by_id) == 50


async def test_flash_sale_race_mode_can_oversell(sim: Any) -> None:
    """Magento #25653: check-then-append without a lock lets concurrent buyers all pass."""
    results, salable, _app = await _flash_sale(sim, "race")
    sold = sum(1 for r in results if r.status_code == 200)
    assert sold > 50
    assert salable == 50 - sold < 0
    assert all(r.json() == STOCK_MSG for r in results if r.status_code != 200)


async def test_salable_quantity_formula(client: Any, app: Any, sim: Any) -> None:
    app.store.add_product("MIN-1", "Threshold", 5.0, 10, min_qty=2)
    assert await sim.salable(client, "MIN-1") == 8
    r = await sim.guest_checkout(client, "MIN-1", 3)
    assert r.status_code == 200
    assert await sim.salable(client, "MIN-1") == 5
    # the legacy qty mirrors the source, not the reservation
    stock = (await client.get("/rest/V1/stockItems/MIN-1", headers=ADMIN)).json()
    assert stock["qty"] == 10
    reservations = app.store.inventory.reservations
    assert [(x.sku, x.quantity, x.metadata["event_type"]) for x in reservations] == [
        ("MIN-1", -3, "order_placed")]
    assert reservations[0].metadata["object_increment_id"] == f"{r.json():09d}"


async def test_out_of_stock_source_is_not_salable(client: Any) -> None:
    r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN, json={
        "sourceItems": [{"sku": "24-MB04", "source_code": "default", "quantity": 5,
                         "status": 0}]})
    assert (r.status_code, r.json()) == (200, [])
    r = await client.get("/rest/V1/inventory/is-product-salable/24-MB04/1", headers=ADMIN)
    assert r.json() is False
    cart = (await client.post("/rest/V1/guest-carts")).json()
    r = await client.post(f"/rest/V1/guest-carts/{cart}/items", json={
        "cartItem": {"sku": "24-MB04", "qty": 1, "quote_id": cart}})
    assert r.json() == {"message": "Product that you are trying to add is not available."}


async def test_source_items_save_search_and_delete(client: Any) -> None:
    r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN, json={
        "sourceItems": [{"sku": "24-MB01", "source_code": "default", "quantity": 5.5,
                         "status": 1}]})
    assert r.status_code == 200
    r = await client.get(
        "/rest/V1/inventory/source-items?searchCriteria[filter_groups][0][filters][0][field]=sku"
        "&searchCriteria[filter_groups][0][filters][0][value]=24-MB01", headers=ADMIN)
    body = r.json()
    assert body["total_count"] == 1
    assert body["items"] == [{"sku": "24-MB01", "source_code": "default", "quantity": 5.5,
                              "status": 1}]
    r = await client.post("/rest/V1/inventory/source-items-delete", headers=ADMIN, json={
        "sourceItems": [{"sku": "24-MB01", "source_code": "default"}]})
    assert r.json() == []
    r = await client.get("/rest/V1/inventory/get-product-salable-quantity/24-MB01/1",
                         headers=ADMIN)
    assert r.json() == 0


async def test_source_item_validation_is_aggregated_and_atomic(client: Any, sim: Any) -> None:
    r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN, json={
        "sourceItems": [{"sku": "24-MB01", "source_code": "default", "quantity": 1, "status": 1},
                        {"sku": "", "source_code": "default", "quantity": 1, "status": 1}]})
    assert r.status_code == 400
    assert r.json() == {"message": 'Validation Failed: "sku" can not be empty.', "errors": [
        {"message": '"%field" can not be empty.', "parameters": {"field": "sku"}}]}
    assert await sim.salable(client, "24-MB01") == 100  # nothing saved
    r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN, json={
        "sourceItems": [{"sku": "24-MB01", "source_code": "warehouse-9", "quantity": 1}]})
    assert r.json() == {"message": "Could not save Source Item"}


async def test_salable_for_requested_qty_endpoints(client: Any) -> None:
    r = await client.get("/rest/V1/inventory/is-product-salable-for-requested-qty/24-MB04/1/6",
                         headers=ADMIN)
    assert r.json() == {"salable": False, "errors": [
        {"code": "is_salable_with_reservations-not_enough_qty",
         "message": "The requested qty is not available"}]}
    r = await client.get("/rest/V1/inventory/is-product-salable-for-requested-qty/24-MB04/1/5",
                         headers=ADMIN)
    assert r.json() == {"salable": True, "errors": []}
    r = await client.get(
        "/rest/V1/inventory/are-product-salable-for-requested-qty/?skuRequests[0][sku]=24-MB04"
        "&skuRequests[0][qty]=2&skuRequests[1][sku]=24-MB04&skuRequests[1][qty]=50&stockId=1",
        headers=ADMIN)
    assert [(x["sku"], x["stock_id"], x["salable"]) for x in r.json()] == [
        ("24-MB04", 1, True), ("24-MB04", 1, False)]
    r = await client.get("/rest/V1/inventory/get-product-salable-quantity/NOPE/1",
                         headers=ADMIN)
    assert r.status_code == 404


async def test_composite_products_have_no_salable_qty(client: Any, app: Any) -> None:
    app.store.add_product("CONF-1", "Configurable", 10.0, type_id="configurable")
    r = await client.get("/rest/V1/inventory/get-product-salable-quantity/CONF-1/1",
                         headers=ADMIN)
    assert (r.status_code, r.json()) == (400, {
        "message": "Can't check requested quantity for products without Source Items support."})


async def test_inventory_acl_follows_version(app_factory: Any, sim: Any) -> None:
    only_source = {"tok": ["Magento_InventoryApi::source"]}
    body = {"sourceItems": [{"sku": "24-MB01", "source_code": "default", "quantity": 1}]}
    for version, code in [("2.4.4", 200), ("2.4.7", 401)]:
        app = app_factory(magento_version=version, config={"integrations": only_source})
        async with sim.client_for(app) as client:
            r = await client.post("/rest/V1/inventory/source-items", json=body,
                                  headers={"Authorization": "Bearer tok"})
            assert r.status_code == code, version
            if code == 401:
                assert r.json()["parameters"] == {
                    "resources": "Magento_InventoryApi::stock_source_item_assign"}


async def test_input_limits_switch(app_factory: Any, sim: Any) -> None:
    items = [{"sku": "24-MB01", "source_code": "default", "quantity": 1}] * 21
    async with sim.client_for(app_factory()) as client:
        r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN,
                              json={"sourceItems": items})
        assert r.status_code == 200
        r = await client.get("/rest/V1/products?searchCriteria[pageSize]=1000", headers=ADMIN)
        assert r.status_code == 200
    app = app_factory(config={"input_limits": {"enabled": True}})
    async with sim.client_for(app) as client:
        r = await client.post("/rest/V1/inventory/source-items", headers=ADMIN,
                              json={"sourceItems": items})
        assert r.json() == {"message": 'Maximum items of type "%type" is %max', "parameters": {
            "type": "Magento\\InventoryApi\\Api\\Data\\SourceItemInterface", "max": 20}}
        r = await client.get("/rest/V1/products?searchCriteria[pageSize]=1000", headers=ADMIN)
        assert r.json() == {"message": "Maximum SearchCriteria pageSize is %max",
                            "parameters": {"max": 300}}
        for n in range(30):
            app.store.add_product(f"BULK-{n}", price=1.0)
        r = await client.get("/rest/V1/products?searchCriteria=", headers=ADMIN)
        body = r.json()  # limits on: an omitted pageSize means the default 20
        assert (len(body["items"]), body["total_count"]) == (20, 34)


async def test_legacy_stock_status_and_low_stock(client: Any) -> None:
    r = await client.get("/rest/V1/stockStatuses/24-MB04", headers=ADMIN)
    body = r.json()
    assert (body["qty"], body["stock_status"], body["stock_id"]) == (5, 1, 1)
    r = await client.get("/rest/V1/stockItems/lowStock/?scopeId=0&qty=10&pageSize=10",
                         headers=ADMIN)
    low = r.json()
    assert [i["qty"] for i in low["items"]] == [5]
    assert low["total_count"] == 1
    r = await client.get("/rest/V1/stockItems/lowStock/?qty=10", headers=ADMIN)
    assert r.json()["parameters"] == {"fieldName": "scopeId"}
