"""A store with one of everything (orders with documents, carts, categories, a configurable,
tokens…) for the route contract test: ``await build(client, app) -> dict`` of the ids its
table's URLs and bodies name."""

from __future__ import annotations

from typing import Any

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
ADDRESS = {"region": "California", "region_id": 12, "region_code": "CA", "country_id": "US",
           "street": ["123 Oak Ave"], "postcode": "10577", "city": "Purchase",
           "firstname": "Jane", "lastname": "Doe", "email": "jdoe@example.com",
           "telephone": "512-555-1111"}
SHIPPING = {"addressInformation": {"shipping_address": ADDRESS, "billing_address": ADDRESS,
                                   "shipping_carrier_code": "flatrate",
                                   "shipping_method_code": "flatrate"}}


async def _ok(client: Any, method: str, url: str, body: Any = None,
              headers: dict[str, str] | None = None) -> Any:
    r = await client.request(method, "/rest/V1" + url, json=body,
                             headers=ADMIN if headers is None else headers)
    assert r.status_code in (200, 202), (method, url, r.text)
    return r.json()


async def _order(client: Any, sku: str, qty: float) -> int:
    cart = await _ok(client, "POST", "/guest-carts", headers={})
    await _ok(client, "POST", f"/guest-carts/{cart}/items",
              {"cartItem": {"sku": sku, "qty": qty, "quote_id": cart}}, {})
    await _ok(client, "POST", f"/guest-carts/{cart}/shipping-information", SHIPPING, {})
    return int(await _ok(client, "POST", f"/guest-carts/{cart}/payment-information",
                         {"email": "g@example.com", "paymentMethod": {"method": "checkmo"}}, {}))


async def build(client: Any, app: Any) -> dict[str, Any]:
    store = app.store
    w: dict[str, Any] = {}
    me = {"Authorization": "Bearer " + await _ok(client, "POST", "/integration/customer/token", {
        "username": "roni_cost@example.com", "password": "roni_cost3@example.com"}, {})}
    other = await _ok(client, "POST", "/customers", {"customer": {
        "email": "other@example.com", "firstname": "O", "lastname": "Ther", "addresses": [
            {k: v for k, v in ADDRESS.items() if k not in ("email", "region", "region_code")}
            | {"default_billing": True, "default_shipping": True}]},
        "password": "Str0ng-Pass"}, {})
    w.update(other=other["id"], address=other["addresses"][0]["id"])
    me2 = {"Authorization": "Bearer " + await _ok(client, "POST", "/integration/customer/token", {
        "username": "other@example.com", "password": "Str0ng-Pass"}, {})}
    w.update(me=me, me2=me2)
    # orders: A invoiced, shipped (tracked) and partly refunded; B new; C with an open invoice
    w["order"] = await _order(client, "24-MB01", 2)
    order = store.orders.get(w["order"])
    w["item"] = order.items[0].item_id
    w["invoice"] = int(await _ok(client, "POST", f"/order/{w['order']}/invoice", {}))
    w["shipment"] = int(await _ok(client, "POST", f"/order/{w['order']}/ship", {"tracks": [
        {"track_number": "1Z1", "title": "UPS", "carrier_code": "ups"}]}))
    w["track"] = store.documents.get("shipment", w["shipment"])["tracks"][0]["entity_id"]
    w["memo"] = int(await _ok(client, "POST", f"/order/{w['order']}/refund", {
        "items": [{"order_item_id": w["item"], "qty": 1}], "arguments": {"shipping_amount": 0}}))
    w["order2"] = await _order(client, "24-MB01", 1)
    w["item2"] = store.orders.get(w["order2"]).items[0].item_id
    w["order3"] = await _order(client, "24-MB01", 1)
    w["openinv"] = (await _ok(client, "POST", "/invoices/", {"entity": {
        "order_id": w["order3"], "state": 1}}))["entity_id"]
    await _ok(client, "POST", f"/orders/{w['order3']}/hold")
    # carts: a guest cart, an admin-side cart and the customer's, one line each
    w["cart"] = await _ok(client, "POST", "/guest-carts", headers={})
    w["citem"] = (await _ok(client, "POST", f"/guest-carts/{w['cart']}/items", {
        "cartItem": {"sku": "24-MB01", "qty": 1, "quote_id": w["cart"]}}, {}))["item_id"]
    await _ok(client, "POST", f"/guest-carts/{w['cart']}/shipping-information", SHIPPING, {})
    w["qcart"] = int(await _ok(client, "POST", "/carts/"))
    w["qitem"] = (await _ok(client, "POST", f"/carts/{w['qcart']}/items", {
        "cartItem": {"sku": "24-MB01", "qty": 1, "quote_id": w["qcart"]}}))["item_id"]
    await _ok(client, "POST", f"/carts/{w['qcart']}/shipping-information", SHIPPING)
    roni = await _ok(client, "PUT", "/customers/me", {"customer": {
        "email": "roni_cost@example.com", "firstname": "Veronica", "lastname": "Costello",
        "addresses": [{k: v for k, v in ADDRESS.items() if k not in ("email", "region",
                                                                      "region_code")}]}}, me)
    w["raddr"] = roni["addresses"][0]["id"]
    w["mcart"] = int(await _ok(client, "POST", "/carts/mine", headers=me))
    w["mitem"] = (await _ok(client, "POST", "/carts/mine/items", {
        "cartItem": {"sku": "24-MB01", "qty": 1}}, me))["item_id"]
    await _ok(client, "POST", "/carts/mine/shipping-information", SHIPPING, me)
    w["gcart"] = int(await _ok(client, "POST", "/carts/"))     # to assign to a customer
    # catalog
    w["category"] = (await _ok(client, "POST", "/categories", {
        "category": {"name": "Bags", "parent_id": 2}}))["id"]
    await _ok(client, "POST", f"/categories/{w['category']}/products",
              {"productLink": {"sku": "24-MB01", "position": 1}})
    w["leaf"] = (await _ok(client, "POST", "/categories", {
        "category": {"name": "Totes", "parent_id": w["category"]}}))["id"]
    await _ok(client, "POST", "/products", {"product": {
        "sku": "CFG-1", "name": "Configurable", "price": 20, "type_id": "configurable"}})
    color = store.attributes.by_code["color"]
    w["color_id"] = color["attribute_id"]
    w["cfgopt"] = await _ok(client, "POST", "/configurable-products/CFG-1/options", {
        "option": {"attribute_id": color["attribute_id"], "label": "Color",
                   "values": [{"value_index": 4}]}})
    await _ok(client, "POST", "/configurable-products/CFG-1/child", {"childSku": "24-MB04"})
    w["attropt"] = (await _ok(client, "POST", "/products/attributes/color/options", {
        "option": {"label": "Green"}})).removeprefix("id_")
    await _ok(client, "POST", "/products/attributes", {"attribute": {
        "attribute_code": "material", "frontend_input": "text",
        "default_frontend_label": "Material"}})
    w["media"] = await _ok(client, "POST", "/products/24-MB01/media", {"entry": {
        "media_type": "image", "label": "Front", "position": 1, "disabled": False,
        "types": ["image"], "content": {"base64_encoded_data": "aGk=", "type": "image/jpeg",
                                        "name": "bag.jpg"}}})
    await _ok(client, "POST", "/products/24-MB01/group-prices/1/tiers/5/price/30")
    await _ok(client, "POST", "/products/special-price", {"prices": [
        {"sku": "24-MB01", "price": 30, "store_id": 0, "price_from": "2026-01-01 00:00:00",
         "price_to": "2026-12-31 00:00:00"}]})
    # customers, MSI, bulk
    w["group"] = (await _ok(client, "POST", "/customerGroups", {
        "group": {"code": "VIP", "tax_class_id": 3}}))["id"]
    await _ok(client, "PUT", "/customers/password", {
        "email": "roni_cost@example.com", "template": "email_reset", "websiteId": 1}, {})
    w["reset"] = store.customers.reset_tokens[1]
    store.customers.by_id[w["other"]].extra["confirmation"] = "confirm-key"
    await _ok(client, "POST", "/inventory/sources", {"source": {
        "source_code": "eu", "name": "EU warehouse", "country_id": "NL", "postcode": "1011",
        "enabled": True}})
    w["stock"] = await _ok(client, "POST", "/inventory/stocks", {"stock": {
        "name": "EU stock", "extension_attributes": {"sales_channels": []}}})
    await _ok(client, "POST", "/inventory/stock-source-links", {"links": [
        {"stock_id": w["stock"], "source_code": "eu", "priority": 1}]})
    r = await client.post("/rest/async/bulk/V1/inventory/source-items", headers=ADMIN, json=[
        {"sourceItems": [{"sku": "24-MB01", "source_code": "default", "quantity": 90}]}])
    assert r.status_code == 202, r.text
    await store.bulk.drain(10)
    w["bulk"] = r.json()["bulk_uuid"]
    return w
