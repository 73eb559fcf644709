"""Products and searchCriteria (spec §3)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


def criteria(groups: list[list[tuple[str, str, str]]], **extra: Any) -> str:
    params: dict[str, Any] = {}
    for g, group in enumerate(groups):
        for f, (field, value, cond) in enumerate(group):
            base = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{base}[field]"] = field
            params[f"{base}[value]"] = value
            params[f"{base}[condition_type]"] = cond
    for key, value in extra.items():
        params[f"searchCriteria[{key}]"] = value
    if not params:
        params["searchCriteria"] = ""
    return urlencode(params)


async def skus(client: Any, groups: list[list[tuple[str, str, str]]], **extra: Any) -> list[str]:
    r = await client.get(f"/rest/V1/products?{criteria(groups, **extra)}", headers=ADMIN)
    assert r.status_code == 200, r.text
    return [item["sku"] for item in r.json()["items"]]


@pytest.fixture
def catalog(app: Any) -> Any:
    store = app.store
    store.add_product("MB-100", "Red Bag", 20.0, 5)
    store.add_product("MB-200", "Blue Bag", 40.0, 5)
    store.add_product("WT-300", "Watch", 150.0, 5)
    store.catalog.get("WT-300").custom["color"] = "5,7"
    return app


async def test_condition_types(client: Any, catalog: Any) -> None:
    assert await skus(client, [[("sku", "MB-%", "like")]]) == ["MB-100", "MB-200"]
    assert await skus(client, [[("name", "r%bag", "like")]]) == ["MB-100"]
    assert await skus(client, [[("sku", "mb-100", "eq")]]) == ["MB-100"]  # ci collation
    assert await skus(client, [[("sku", "MB-100,WT-300", "in")]]) == ["MB-100", "WT-300"]
    assert "MB-100" not in await skus(client, [[("sku", "MB-100,WT-300", "nin")]])
    assert await skus(client, [[("price", "100", "gt")]]) == ["WT-300"]
    assert await skus(client, [[("price", "40", "gteq")], [("price", "40", "lteq")]]) == [
        "MB-200"]
    assert await skus(client, [[("price", "30", "lt")], [("sku", "MB%", "like")]]) == ["MB-100"]
    assert await skus(client, [[("color", "7", "finset")]]) == ["WT-300"]
    assert await skus(client, [[("color", "", "notnull")]]) == ["WT-300"]
    assert "WT-300" not in await skus(client, [[("color", "", "null")]])
    assert "MB-100" not in await skus(client, [[("sku", "MB-100", "neq")]])


async def test_or_inside_groups_and_across_groups(client: Any, catalog: Any) -> None:
    got = await skus(client, [[("sku", "MB-100", "eq"), ("sku", "WT-300", "eq")]])
    assert got == ["MB-100", "WT-300"]
    got = await skus(client, [[("sku", "MB-100", "eq"), ("sku", "WT-300", "eq")],
                              [("price", "100", "gt")]])
    assert got == ["WT-300"]


async def test_sorting_paging_and_echo(client: Any, catalog: Any) -> None:
    q = criteria([[("sku", "%-%", "like")]], **{
        "sortOrders][0][field": "price", "sortOrders][0][direction": "DESC",
        "pageSize": 2, "currentPage": 2})
    body = (await client.get(f"/rest/V1/products?{q}", headers=ADMIN)).json()
    assert body["total_count"] == 7
    assert [i["price"] for i in body["items"]] == [34.0, 32.0]
    assert body["search_criteria"] == {
        "filter_groups": [{"filters": [{"field": "sku", "value": "%-%",
                                        "condition_type": "like"}]}],
        "sort_orders": [{"field": "price", "direction": "DESC"}],
        "page_size": 2, "current_page": 2}


async def test_camel_case_criteria_and_no_page_size_returns_all(client: Any,
                                                                catalog: Any) -> None:
    r = await client.get("/rest/V1/products?searchCriteria[filterGroups][0][filters][0][field]"
                         "=sku&searchCriteria[filterGroups][0][filters][0][value]=MB-%25"
                         "&searchCriteria[filterGroups][0][filters][0][conditionType]=like",
                         headers=ADMIN)
    assert r.json()["total_count"] == 2 and len(r.json()["items"]) == 2
    all_items = (await client.get("/rest/V1/products?searchCriteria=", headers=ADMIN)).json()
    assert len(all_items["items"]) == all_items["total_count"] == 7


async def test_criteria_errors(client: Any, catalog: Any) -> None:
    r = await client.get("/rest/V1/products", headers=ADMIN)
    assert r.json() == {"message": '"%fieldName" is required. Enter and try again.',
                        "parameters": {"fieldName": "searchCriteria"}}
    r = await client.get(f"/rest/V1/products?{criteria([[('nope', '1', 'eq')]])}",
                         headers=ADMIN)
    assert (r.status_code, r.json()) == (400, {"message": "Invalid attribute name: %1",
                                               "parameters": ["nope"]})
    r = await client.get("/rest/V1/products?searchCriteria[pageSize]=x", headers=ADMIN)
    assert r.status_code == 400


async def test_get_create_update_delete(client: Any) -> None:
    r = await client.get("/rest/V1/products/NOPE", headers=ADMIN)
    assert (r.status_code, r.json()) == (404, {
        "message": "The product that was requested doesn't exist. Verify the product and try "
                   "again."})
    r = await client.post("/rest/all/V1/products", headers=ADMIN, json={"product": {
        "sku": "NEW-1", "name": "New thing", "price": 12.5, "attribute_set_id": 4,
        "type_id": "simple", "status": 1, "visibility": 4,
        "extension_attributes": {"stock_item": {"qty": 9, "is_in_stock": True}},
        "custom_attributes": [{"attribute_code": "url_key", "value": "new-thing"}]},
        "saveOptions": True})
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["id"] > 0 and created["extension_attributes"]["stock_item"]["qty"] == 9
    r = await client.post("/rest/all/V1/products", headers=ADMIN, json={"product": {
        "sku": "NEW-2", "name": "Other", "price": 1,
        "custom_attributes": [{"attribute_code": "url_key", "value": "new-thing"}]}})
    assert r.json() == {"message": "URL key for specified store already exists."}
    r = await client.put("/rest/all/V1/products/NEW-1", headers=ADMIN,
                         json={"product": {"price": 15}})
    assert r.json()["price"] == 15 and r.json()["name"] == "New thing"
    r = await client.put("/rest/all/V1/products/UPSERT-1", headers=ADMIN,
                         json={"product": {"name": "Upserted", "price": 3}})
    assert r.status_code == 200 and r.json()["sku"] == "UPSERT-1"
    assert (await client.delete("/rest/V1/products/UPSERT-1", headers=ADMIN)).json() is True
    assert (await client.get("/rest/V1/products/UPSERT-1", headers=ADMIN)).status_code == 404
    r = await client.post("/rest/V1/products", headers=ADMIN, json={"product": {"name": "x"}})
    assert r.json()["parameters"] == {"fieldName": "sku"}


async def test_a_listing_asked_again_sees_every_product_change(client: Any, catalog: Any) -> None:
    # Listings are kept between requests (the storefront asks the same ones over and over):
    # a create, an edit and a delete in between must each show in the next answer.
    bags = [[("sku", "MB-%", "like")], [("name", "%bag%", "like")]]
    assert await skus(client, bags, pageSize="1", currentPage="2") == ["MB-200"]
    assert await skus(client, bags) == ["MB-100", "MB-200"]
    created = await client.post("/rest/V1/products", headers=ADMIN, json={"product": {
        "sku": "MB-300", "name": "Green Bag", "price": 30, "attribute_set_id": 4}})
    assert created.status_code == 200, created.text
    assert await skus(client, bags) == ["MB-100", "MB-200", "MB-300"]
    edited = await client.put("/rest/V1/products/MB-100", headers=ADMIN,
                              json={"product": {"sku": "MB-100", "name": "Red Purse"}})
    assert edited.status_code == 200, edited.text
    assert await skus(client, bags) == ["MB-200", "MB-300"]
    assert (await client.delete("/rest/V1/products/MB-200", headers=ADMIN)).status_code == 200
    assert await skus(client, bags, pageSize="1", currentPage="1") == ["MB-300"]


async def test_a_listing_sees_edits_made_by_any_route(client: Any, catalog: Any) -> None:
    # Price, link and category routes edit products in place: a kept listing must see it.
    cheap = [[("sku", "MB-%", "like")], [("price", "30", "lt")]]
    special = [[("special_price", "5", "eq")]]
    assert await skus(client, cheap) == ["MB-100"]
    assert await skus(client, special) == []
    catalog.store.catalog.get("MB-200").price = 25.0
    assert await skus(client, cheap) == ["MB-100", "MB-200"]
    catalog.store.catalog.get("WT-300").custom["special_price"] = "5"
    assert await skus(client, special) == ["WT-300"]
    catalog.store.catalog.get("WT-300").custom.pop("special_price")
    assert await skus(client, special) == []
