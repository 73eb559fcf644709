"""Store, categories, attributes, prices, websites, media and configurable products, as a
Magento 2.4 store answers them: state from the store, writes visible to later reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def test_store_tree_lets_a_connector_log_in(client: Any) -> None:
    r = await client.get("/rest/V1/store/websites", headers=ADMIN)
    assert r.status_code == 200
    assert [w["code"] for w in r.json()] == ["admin", "base"]
    r = await client.get("/rest/V1/store/websites")            # a guest
    assert r.status_code == 401
    assert r.json()["parameters"] == {"resources": "Magento_Backend::stores"}
    views = (await client.get("/rest/all/V1/store/storeViews", headers=ADMIN)).json()
    groups = (await client.get("/rest/V1/store/storeGroups", headers=ADMIN)).json()
    assert {v["code"] for v in views} == {"admin", "default"}
    assert groups[1]["root_category_id"] == 2
    configs = (await client.get("/rest/V1/store/storeConfigs", headers=ADMIN)).json()
    assert [c["code"] for c in configs] == ["default"]      # the admin store is not loaded
    assert configs[0]["base_currency_code"] == "USD"
    only = (await client.get("/rest/V1/store/storeConfigs?storeCodes[]=default",
                             headers=ADMIN)).json()
    assert [c["code"] for c in only] == ["default"]
    assert (await client.get("/rest/V1/directory/countries/US")).json()[
        "three_letter_abbreviation"] == "USA"
    assert (await client.get("/rest/V1/directory/countries/XX")).status_code == 404


async def test_every_profile_seeds_a_category_tree_with_products(app_factory: Any,
                                                                  sim: Any) -> None:
    app = app_factory(profile="tiny", seed=3)
    async with sim.client_for(app) as client:
        tree = (await client.get("/rest/V1/categories", headers=ADMIN)).json()
        assert tree["id"] == 2 and tree["name"] == "Default Category"
        assert tree["children_data"], "the profile's top categories hang under Default"
        def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
            return [node, *(n for c in node["children_data"] for n in walk(c))]
        nodes = walk(tree)
        assert len(nodes) == 1 + 6                       # tiny: 6 categories
        assert sum(n["product_count"] for n in nodes) == 42   # 40 + 2 hot, one link each
        shallow = (await client.get("/rest/V1/categories?depth=0", headers=ADMIN)).json()
        assert shallow["children_data"] == []
        leaf = max(nodes, key=lambda n: n["level"])
        links = (await client.get(f"/rest/V1/categories/{leaf['id']}/products",
                                  headers=ADMIN)).json()
        assert len(links) == leaf["product_count"]
        if links:
            product = (await client.get(f"/rest/V1/products/{links[0]['sku']}",
                                        headers=ADMIN)).json()
            custom = {c["attribute_code"]: c["value"] for c in product["custom_attributes"]}
            assert custom["category_ids"] == [str(leaf["id"])]
        found = (await client.get(
            "/rest/V1/products?searchCriteria[filter_groups][0][filters][0][field]=category_id"
            f"&searchCriteria[filter_groups][0][filters][0][value]={leaf['id']}",
            headers=ADMIN)).json()
        assert found["total_count"] == leaf["product_count"]


async def test_category_writes_are_visible_to_reads(client: Any) -> None:
    r = await client.post("/rest/all/V1/categories", headers=ADMIN,
                          json={"category": {"name": "Bags", "parent_id": 2}})
    assert r.status_code == 200
    bags = r.json()
    assert bags["path"] == f"1/2/{bags['id']}" and bags["level"] == 2
    sub = (await client.post("/rest/V1/categories", headers=ADMIN, json={
        "category": {"name": "Duffles", "parentId": bags["id"], "is_active": True}})).json()
    r = await client.post(f"/rest/V1/categories/{sub['id']}/products", headers=ADMIN,
                          json={"productLink": {"sku": "24-MB01", "position": 1}})
    assert r.json() is True
    product = (await client.get("/rest/V1/products/24-MB01", headers=ADMIN)).json()
    assert product["extension_attributes"]["category_links"] == [
        {"position": 1, "category_id": str(sub["id"])}]
    # a product save with category_ids relinks it, seen from the category side
    r = await client.put("/rest/all/V1/products/24-MB04", headers=ADMIN, json={"product": {
        "custom_attributes": [{"attribute_code": "category_ids", "value": [str(bags["id"])]}]}})
    assert r.status_code == 200
    linked = (await client.get(f"/rest/V1/categories/{bags['id']}/products",
                               headers=ADMIN)).json()
    assert [ln["sku"] for ln in linked] == ["24-MB04"]
    # move Duffles to the top level: its path and level follow
    r = await client.put(f"/rest/V1/categories/{sub['id']}/move", headers=ADMIN,
                         json={"parentId": 2})
    assert r.json() is True
    moved = (await client.get(f"/rest/V1/categories/{sub['id']}", headers=ADMIN)).json()
    assert moved["path"] == f"1/2/{sub['id']}" and moved["level"] == 2
    r = await client.put(f"/rest/V1/categories/{bags['id']}/move", headers=ADMIN,
                         json={"parentId": bags["id"]})
    assert r.status_code == 400
    listed = (await client.get(
        "/rest/V1/categories/list?searchCriteria[filter_groups][0][filters][0][field]=name"
        "&searchCriteria[filter_groups][0][filters][0][value]=Duff%25"
        "&searchCriteria[filter_groups][0][filters][0][condition_type]=like",
        headers=ADMIN)).json()
    assert listed["total_count"] == 1 and listed["items"][0]["id"] == sub["id"]
    assert (await client.delete(f"/rest/V1/categories/{sub['id']}",
                                headers=ADMIN)).json() is True
    product = (await client.get("/rest/V1/products/24-MB01", headers=ADMIN)).json()
    assert "category_links" not in product["extension_attributes"]
    r = await client.get(f"/rest/V1/categories/{sub['id']}", headers=ADMIN)
    assert r.status_code == 404
    assert r.json()["parameters"] == {"fieldName": "id", "fieldValue": sub["id"]}
    assert (await client.delete("/rest/V1/categories/2", headers=ADMIN)).status_code == 400


async def test_prices_round_trip(client: Any) -> None:
    r = await client.post("/rest/V1/products/base-prices", headers=ADMIN, json={"prices": [
        {"sku": "24-MB01", "price": 40, "store_id": 0},
        {"sku": "NOPE", "price": 1, "store_id": 0}]})
    assert r.status_code == 200 and len(r.json()) == 1     # the invalid row, reported
    info = (await client.post("/rest/V1/products/base-prices-information", headers=ADMIN,
                              json={"skus": ["24-MB01"]})).json()
    assert info == [{"price": 40.0, "store_id": 0, "sku": "24-MB01"}]
    r = await client.post("/rest/V1/products/base-prices-information", headers=ADMIN,
                          json={"skus": ["NOPE"]})
    assert r.status_code == 404
    await client.post("/rest/V1/products/special-price", headers=ADMIN, json={"prices": [
        {"sku": "24-MB01", "price": 30, "store_id": 0, "price_from": "2026-01-01 00:00:00",
         "price_to": "2026-12-31 00:00:00"}]})
    special = (await client.post("/rest/V1/products/special-price-information",
                                 headers=ADMIN, json={"skus": ["24-MB01"]})).json()
    assert special[0]["price"] == 30.0 and special[0]["price_from"].startswith("2026-01-01")
    r = await client.post("/rest/V1/products/tier-prices", headers=ADMIN, json={"prices": [
        {"sku": "24-MB01", "price": 35, "price_type": "fixed", "website_id": 0,
         "customer_group": "General", "quantity": 5}]})
    assert r.json() == []
    tiers = (await client.get("/rest/V1/products/24-MB01/group-prices/1/tiers",
                              headers=ADMIN)).json()
    assert tiers == [{"customer_group_id": 1, "qty": 5.0, "value": 35.0}]
    product = (await client.get("/rest/V1/products/24-MB01", headers=ADMIN)).json()
    assert product["price"] == 40.0 and product["tier_prices"] == tiers
    await client.post("/rest/V1/products/24-MB01/group-prices/all/tiers/10/price/30",
                      headers=ADMIN)
    info = (await client.post("/rest/V1/products/tier-prices-information", headers=ADMIN,
                              json={"skus": ["24-MB01"]})).json()
    assert {(t["customer_group"], t["quantity"]) for t in info} == {
        ("General", 5.0), ("ALL GROUPS", 10.0)}


async def test_attributes_websites_media_and_configurables(client: Any) -> None:
    color = (await client.get("/rest/V1/products/attributes/color", headers=ADMIN)).json()
    assert [o["label"] for o in color["options"]][:2] == [" ", "Black"]
    new = (await client.post("/rest/V1/products/attributes/color/options", headers=ADMIN,
                             json={"option": {"label": "Green"}})).json()
    assert new.startswith("id_")
    options = (await client.get("/rest/V1/products/attributes/color/options",
                                headers=ADMIN)).json()
    assert "Green" in [o["label"] for o in options]
    r = await client.get("/rest/V1/products/attributes/nope", headers=ADMIN)
    assert r.status_code == 404 and r.json()["parameters"] == ["nope"]
    r = await client.delete("/rest/V1/products/24-MB01/websites/1", headers=ADMIN)
    assert r.json() is True
    product = (await client.get("/rest/V1/products/24-MB01", headers=ADMIN)).json()
    assert product["extension_attributes"]["website_ids"] == []
    await client.post("/rest/V1/products/24-MB01/websites", headers=ADMIN,
                      json={"productWebsiteLink": {"sku": "24-MB01", "website_id": 1}})
    entry = (await client.post("/rest/V1/products/24-MB01/media", headers=ADMIN, json={
        "entry": {"media_type": "image", "label": "Front", "position": 1, "disabled": False,
                  "types": ["image"], "content": {"base64_encoded_data": "aGk=",
                                                  "type": "image/jpeg", "name": "bag.jpg"}}}
    )).json()
    media = (await client.get("/rest/V1/products/24-MB01/media", headers=ADMIN)).json()
    assert [m["id"] for m in media] == [entry]
    await client.post("/rest/V1/products", headers=ADMIN, json={"product": {
        "sku": "CFG-1", "name": "Configurable tee", "price": 20, "type_id": "configurable"}})
    r = await client.post("/rest/V1/configurable-products/CFG-1/options", headers=ADMIN,
                          json={"option": {"attribute_id": color["attribute_id"],
                                           "label": "Color", "values": [{"value_index": 4}]}})
    assert isinstance(r.json(), int)
    assert (await client.post("/rest/V1/configurable-products/CFG-1/child", headers=ADMIN,
                              json={"childSku": "24-MB04"})).json() is True
    kids = (await client.get("/rest/V1/configurable-products/CFG-1/children",
                             headers=ADMIN)).json()
    assert [k["sku"] for k in kids] == ["24-MB04"]
    parent = (await client.get("/rest/V1/products/CFG-1", headers=ADMIN)).json()
    assert parent["extension_attributes"]["configurable_product_links"] == [kids[0]["id"]]
    r = await client.get("/rest/V1/configurable-products/24-MB01/children", headers=ADMIN)
    assert r.status_code == 400


def test_profile_paths_link_to_their_category(tmp_path: Path, sim: Any) -> None:
    app = sim.make_app(tmp_path, profile="tiny", seed=1)
    store = app.store
    by_path = {}
    for category in store.categories.by_id.values():
        by_path[category.path] = category
    hot = store.catalog.get(store.hot_skus[0])
    (link,) = hot.category_links
    category = store.categories.by_id[int(link["category_id"])]
    assert category.name == hot.custom["category_name"].rsplit("/", 1)[-1]
