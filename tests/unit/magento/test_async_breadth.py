"""Async and bulk on every write route, as WebapiAsync builds operations: path values travel
in each element's body where they are optional (``bySku``), the method's required body
parameters are checked at publish time, and GET is never async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def _settle(app: Any, client: Any, uuid: str) -> list[dict[str, Any]]:
    await asyncio.wait_for(app.store.bulk.drain(), 10)
    r = await client.get(f"/rest/V1/bulk/{uuid}/detailed-status", headers=ADMIN)
    assert r.status_code == 200
    return list(r.json()["operations_list"])


async def test_bulk_product_update_without_the_path_value(app: Any, client: Any) -> None:
    r = await client.put("/rest/all/async/bulk/V1/products/bySku", headers=ADMIN, json=[
        {"product": {"sku": "24-MB01", "name": "Renamed"}},             # sku from the product
        {"sku": "24-MB04", "product": {"price": 7}},                     # sku as the path value
        {"sku": "HOT-1"}])                                               # product is required
    assert r.status_code == 202
    answer = r.json()
    assert [i["status"] for i in answer["request_items"]] == ["accepted", "accepted",
                                                              "rejected"]
    assert answer["errors"] is True
    assert '"product" is required' in answer["request_items"][2]["error_message"]
    ops = await _settle(app, client, answer["bulk_uuid"])
    assert [o["status"] for o in ops] == [1, 1]
    assert app.store.catalog.get("24-MB01").name == "Renamed"
    assert app.store.catalog.get("24-MB04").price == 7


async def test_every_write_route_is_async(app: Any, client: Any) -> None:
    category = (await client.post("/rest/V1/categories", headers=ADMIN, json={
        "category": {"name": "Async", "parent_id": 2}})).json()["id"]
    r = await client.post("/rest/async/bulk/V1/categories/byCategoryId/products",
                          headers=ADMIN, json=[
                              {"categoryId": category, "productLink": {"sku": "24-MB01"}},
                              {"categoryId": 999999, "productLink": {"sku": "24-MB04"}}])
    assert r.status_code == 202
    ops = await _settle(app, client, r.json()["bulk_uuid"])
    assert [o["status"] for o in ops] == [1, 3]        # the unknown category: not retriable
    assert "999999" in ops[1]["result_message"]
    product = app.store.catalog.get("24-MB01")
    assert product.category_links == [{"position": 0, "category_id": str(category)}]
    r = await client.post("/rest/async/V1/customerGroups", headers=ADMIN,
                          json={"group": {"code": "Async group", "tax_class_id": 3}})
    assert r.status_code == 202
    await _settle(app, client, r.json()["bulk_uuid"])
    assert app.store.groups.by_code("Async group") is not None
    r = await client.get("/rest/async/V1/store/websites", headers=ADMIN)
    assert r.status_code == 400 and r.json()["message"] == "Specified request cannot be " \
        "processed."
    r = await client.post("/rest/async/V1/customerGroups", json={"group": {"code": "x"}})
    assert r.status_code == 401            # ACL at publish time, with the sync route's resource
