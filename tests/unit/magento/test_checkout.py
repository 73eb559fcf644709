"""Guest and customer checkout (spec §2): payloads of §2.1, stock errors, place-order rules."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def test_guest_checkout_creates_a_pending_order(client: Any, sim: Any) -> None:
    r = await client.post("/rest/default/V1/guest-carts")
    cart = r.json()
    assert isinstance(cart, str) and len(cart) == 32
    int(cart, 16)
    r = await client.post(f"/rest/default/V1/guest-carts/{cart}/items",
                          json={"cartItem": {"sku": "24-MB01", "qty": 2, "quote_id": cart}})
    assert r.status_code == 200
    item = r.json()
    assert item["sku"] == "24-MB01" and item["qty"] == 2 and item["price"] == 34.0
    assert item["quote_id"].isdigit() and item["quote_id"] != cart
    totals = (await client.get(f"/rest/default/V1/guest-carts/{cart}/totals")).json()
    assert totals["subtotal"] == 68.0 and totals["items_qty"] == 2
    methods = (await client.post(f"/rest/default/V1/guest-carts/{cart}/estimate-shipping-"
                                 "methods", json={"address": {"country_id": "US",
                                                              "postcode": "95630"}})).json()
    assert methods[0]["carrier_code"] == "flatrate" and methods[0]["amount"] == 10.0
    r = await client.post(f"/rest/default/V1/guest-carts/{cart}/shipping-information", json={
        "addressInformation": {"shipping_address": sim.ADDRESS, "billing_address": sim.ADDRESS,
                               "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}})
    details = r.json()
    assert details["payment_methods"] == [{"code": "checkmo", "title": "Check / Money order"}]
    assert details["totals"]["grand_total"] == 78.0
    r = await client.post(f"/rest/default/V1/guest-carts/{cart}/payment-information", json={
        "email": "guest@example.com", "paymentMethod": {"method": "checkmo"},
        "billingAddress": sim.ADDRESS})
    assert r.status_code == 200
    order_id = r.json()
    assert isinstance(order_id, int)
    orders = (await client.get(
        "/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=entity_id"
        f"&searchCriteria[filter_groups][0][filters][0][value]={order_id}",
        headers=ADMIN)).json()
    assert orders["total_count"] == 1
    order = orders["items"][0]
    assert (order["state"], order["status"]) == ("new", "pending")
    assert order["increment_id"] == f"{order_id:09d}"
    assert order["grand_total"] == 78.0 and order["subtotal"] == 68.0
    assert order["shipping_amount"] == 10.0 and order["customer_email"] == "guest@example.com"
    assert order["customer_is_guest"] == 1
    assert [(i["sku"], i["qty_ordered"], i["price"]) for i in order["items"]] == [
        ("24-MB01", 2, 34.0)]
    # the cart is gone once ordered
    r = await client.get(f"/rest/default/V1/guest-carts/{cart}/totals")
    assert r.status_code == 404
    assert r.json()["message"] == "No such entity with %fieldName = %fieldValue"


async def test_customer_checkout_with_mine_routes(client: Any, sim: Any) -> None:
    token = (await client.post("/rest/V1/integration/customer/token", json={
        "username": "roni_cost@example.com", "password": "roni_cost3@example.com"})).json()
    me = {"Authorization": f"Bearer {token}"}
    cart_id = (await client.post("/rest/V1/carts/mine", headers=me)).json()
    assert isinstance(cart_id, int)
    assert (await client.post("/rest/V1/carts/mine", headers=me)).json() == cart_id
    r = await client.post("/rest/V1/carts/mine/items", headers=me,
                          json={"cartItem": {"sku": "24-MB04", "qty": 1, "quote_id": "999"}})
    assert r.status_code == 200 and r.json()["quote_id"] == str(cart_id)
    r = await client.post("/rest/V1/carts/mine/shipping-information", headers=me, json={
        "addressInformation": {"shipping_address": sim.ADDRESS,
                               "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}})
    assert r.status_code == 200
    r = await client.post("/rest/V1/carts/mine/payment-information", headers=me,
                          json={"paymentMethod": {"method": "checkmo"}})
    assert r.status_code == 200, r.text
    order = (await client.get(f"/rest/V1/orders/{r.json()}", headers=ADMIN)).json()
    assert order["customer_email"] == "roni_cost@example.com"
    assert order["customer_is_guest"] == 0 and order["customer_id"] == 1
    assert order["grand_total"] == 37.0
    # a new cart is created for the next purchase
    assert (await client.post("/rest/V1/carts/mine", headers=me)).json() != cart_id


async def test_cart_item_errors(client: Any) -> None:
    cart = (await client.post("/rest/V1/guest-carts")).json()
    url = f"/rest/V1/guest-carts/{cart}/items"
    r = await client.post(url, json={"cartItem": {"sku": "NOPE", "qty": 1, "quote_id": cart}})
    assert r.status_code == 404
    assert r.json() == {"message": "The product that was requested doesn't exist. Verify the "
                        "product and try again."}
    r = await client.post(url, json={"cartItem": {"sku": "OFF-1", "qty": 1, "quote_id": cart}})
    assert (r.status_code, r.json()["message"]) == (
        400, "Product that you are trying to add is not available.")
    r = await client.post(url, json={"cartItem": {"sku": "24-MB01", "qty": 1}})
    assert r.json() == {"message": '"%fieldName" is required. Enter and try again.',
                        "parameters": {"fieldName": "quoteId"}}
    r = await client.post(url, json={"cartItem": {"sku": "24-MB01", "qty": 1,
                                                  "quote_id": "0" * 32}})
    assert r.status_code == 404
    assert r.json()["parameters"]["fieldName"] == "cartId"
    r = await client.post(url, json={"cartItem": {"sku": "24-MB01", "qty": 0, "quote_id": cart}})
    assert r.status_code == 400
    assert r.json()["parameters"] == {"value": 0, "fieldName": "qty"}
    r = await client.post(url, json={})
    assert r.json()["parameters"] == {"fieldName": "cartItem"}
    r = await client.post(url, json={"cartItem": {"sku": "24-MB04", "qty": 6, "quote_id": cart}})
    assert r.json() == {"message": "The requested qty is not available"}


async def test_item_update_and_delete(client: Any) -> None:
    cart = (await client.post("/rest/V1/guest-carts")).json()
    item = (await client.post(f"/rest/V1/guest-carts/{cart}/items", json={
        "cartItem": {"sku": "24-MB04", "qty": 1, "quote_id": cart}})).json()
    url = f"/rest/V1/guest-carts/{cart}/items/{item['item_id']}"
    r = await client.put(url, json={"cartItem": {"qty": 3, "quote_id": cart}})
    assert r.status_code == 200 and r.json()["qty"] == 3
    r = await client.put(url, json={"cartItem": {"qty": 9, "quote_id": cart}})
    assert r.json() == {"message": "The requested qty is not available"}
    r = await client.put(f"/rest/V1/guest-carts/{cart}/items/777",
                         json={"cartItem": {"qty": 1, "quote_id": cart}})
    assert r.status_code == 404
    assert r.json()["message"] == "The %1 Cart doesn't contain the %2 item."
    assert (await client.delete(url)).json() is True
    assert (await client.get(f"/rest/V1/guest-carts/{cart}/items")).json() == []


async def test_selected_payment_method_renders_an_unset_method_as_null(client: Any) -> None:
    # PaymentInterface::getMethod is required: Magento's output keeps it, null, when unset
    cart = (await client.post("/rest/V1/guest-carts")).json()
    url = f"/rest/V1/guest-carts/{cart}/selected-payment-method"
    assert (await client.get(url)).json() == {"method": None}
    r = await client.put(url, json={"method": {"method": "checkmo"}})
    assert r.status_code == 200
    assert (await client.get(url)).json() == {"method": "checkmo"}


@pytest.mark.parametrize(("version", "precise", "message"), [
    ("2.4.7", False, "The requested qty is not available"),
    ("2.4.8", False, "Not enough items for sale"),
    ("2.4.8", True, "Only 5 of 6 available"),
])
async def test_stock_message_by_version(app_factory: Any, sim: Any, version: str,
                                        precise: bool, message: str) -> None:
    app = app_factory(magento_version=version, config={"not_available_message": precise})
    async with sim.client_for(app) as client:
        cart = (await client.post("/rest/V1/guest-carts")).json()
        r = await client.post(f"/rest/V1/guest-carts/{cart}/items", json={
            "cartItem": {"sku": "24-MB04", "qty": 6, "quote_id": cart}})
        assert (r.status_code, r.json()) == (400, {"message": message})


async def test_shipping_and_payment_errors(client: Any, sim: Any) -> None:
    cart = (await client.post("/rest/V1/guest-carts")).json()
    url = f"/rest/V1/guest-carts/{cart}"
    await client.post(f"{url}/items", json={"cartItem": {"sku": "24-MB01", "qty": 1,
                                                         "quote_id": cart}})
    r = await client.post(f"{url}/shipping-information", json={"addressInformation": {
        "shipping_address": sim.ADDRESS}})
    assert r.json() == {"message": "The shipping method is missing. Select the shipping method "
                        "and try again."}
    r = await client.post(f"{url}/shipping-information", json={"addressInformation": {
        "shipping_address": sim.ADDRESS, "shipping_carrier_code": "ups",
        "shipping_method_code": "ground"}})
    assert (r.status_code, r.json()) == (404, {
        "message": "Carrier with such method not found: %1, %2", "parameters": ["ups", "ground"]})
    bad = {k: v for k, v in sim.ADDRESS.items() if k not in ("firstname", "city")}
    r = await client.post(f"{url}/shipping-information", json={"addressInformation": {
        "shipping_address": bad, "shipping_carrier_code": "flatrate",
        "shipping_method_code": "flatrate"}})
    assert r.status_code == 400
    assert [e["parameters"]["fieldName"] for e in r.json()["errors"]] == ["firstname", "city"]
    r = await client.post(f"{url}/payment-information", json={
        "email": "g@example.com", "paymentMethod": {"method": "checkmo"}})
    assert r.json()["message"] == ("The shipping method is missing. Select the shipping "
                                   "method and try again.")
    await client.post(f"{url}/shipping-information", json={"addressInformation": {
        "shipping_address": sim.ADDRESS, "shipping_carrier_code": "flatrate",
        "shipping_method_code": "flatrate"}})
    r = await client.post(f"{url}/payment-information", json={
        "email": "g@example.com", "paymentMethod": {"method": "bitcoin"}})
    assert r.json() == {"message": "The requested Payment Method is not available."}
    r = await client.post(f"{url}/payment-information", json={
        "paymentMethod": {"method": "checkmo"}})
    assert r.json()["parameters"] == {"fieldName": "email"}
    r = await client.put(f"{url}/order", json={"paymentMethod": {"method": "checkmo"}})
    assert r.status_code == 200 and isinstance(r.json(), int)


async def test_place_order_rechecks_stock(client: Any, sim: Any) -> None:
    """Items in carts reserve nothing: two carts hold the last units, the second place fails."""
    carts = []
    for _ in range(2):
        cart = (await client.post("/rest/V1/guest-carts")).json()
        r = await client.post(f"/rest/V1/guest-carts/{cart}/items", json={
            "cartItem": {"sku": "24-MB04", "qty": 5, "quote_id": cart}})
        assert r.status_code == 200
        await client.post(f"/rest/V1/guest-carts/{cart}/shipping-information", json={
            "addressInformation": {"shipping_address": sim.ADDRESS,
                                   "shipping_carrier_code": "flatrate",
                                   "shipping_method_code": "flatrate"}})
        carts.append(cart)
    pay = {"email": "g@example.com", "paymentMethod": {"method": "checkmo"}}
    first = await client.post(f"/rest/V1/guest-carts/{carts[0]}/payment-information", json=pay)
    second = await client.post(f"/rest/V1/guest-carts/{carts[1]}/payment-information", json=pay)
    assert first.status_code == 200
    assert (second.status_code, second.json()) == (
        400, {"message": "The requested qty is not available"})
    # the failed cart is still usable
    assert (await client.get(f"/rest/V1/guest-carts/{carts[1]}/totals")).status_code == 200


async def test_backpressure_429_on_order_placement(app_factory: Any, sim: Any) -> None:
    app = app_factory(config={"backpressure": {"enabled": True, "guest_limit": 2,
                                               "period": 60}})
    async with sim.client_for(app) as client:
        codes = [(await sim.guest_checkout(client)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = await sim.guest_checkout(client)
        assert r.json() == {"message": "Too Many Requests"}


async def test_backpressure_switch_needs_2_4_7(app_factory: Any, sim: Any) -> None:
    app = app_factory(magento_version="2.4.6",
                      config={"backpressure": {"enabled": True, "guest_limit": 1}})
    async with sim.client_for(app) as client:
        codes = [(await sim.guest_checkout(client)).status_code for _ in range(2)]
        assert codes == [200, 200]


async def test_ids_as_strings_switch(app_factory: Any, sim: Any) -> None:
    async with sim.client_for(app_factory(config={"ids_as_strings": True})) as client:
        r = await sim.guest_checkout(client)
        assert isinstance(r.json(), str) and r.json().isdigit()


async def test_admin_side_cart_management(client: Any, sim: Any) -> None:
    """The toolkit's API pool: POST /V1/carts, items by numeric quote id, PUT …/order."""
    cart_id = (await client.post("/rest/V1/carts/", headers=ADMIN)).json()
    assert isinstance(cart_id, int)
    r = await client.post(f"/rest/V1/carts/{cart_id}/items", headers=ADMIN, json={
        "cartItem": {"sku": "24-MB01", "qty": 1, "quote_id": cart_id}})
    assert r.status_code == 200 and r.json()["quote_id"] == str(cart_id)
    assert len((await client.get(f"/rest/V1/carts/{cart_id}/items", headers=ADMIN)).json()) == 1
    r = await client.post(f"/rest/V1/carts/{cart_id}/shipping-information", headers=ADMIN,
                          json={"addressInformation": {
                              "shipping_address": sim.ADDRESS, "billing_address": sim.ADDRESS,
                              "shipping_carrier_code": "flatrate",
                              "shipping_method_code": "flatrate"}})
    assert r.status_code == 200
    r = await client.put(f"/rest/V1/carts/{cart_id}/order", headers=ADMIN,
                         json={"paymentMethod": {"method": "checkmo"}})
    assert r.status_code == 200 and isinstance(r.json(), int)
    r = await client.get(f"/rest/V1/carts/{cart_id}", headers=ADMIN)
    assert r.status_code == 404
    r = await client.post("/rest/V1/carts/", headers={})
    assert r.json()["parameters"] == {"resources": "Magento_Cart::manage"}
    r = await client.post("/rest/V1/customers/1/carts", headers=ADMIN)
    assert isinstance(r.json(), int)


async def test_guest_cart_assigned_to_customer(client: Any) -> None:
    token = (await client.post("/rest/V1/integration/customer/token", json={
        "username": "roni_cost@example.com", "password": "roni_cost3@example.com"})).json()
    me = {"Authorization": f"Bearer {token}"}
    cart = (await client.post("/rest/V1/guest-carts")).json()
    await client.post(f"/rest/V1/guest-carts/{cart}/items",
                      json={"cartItem": {"sku": "24-MB01", "qty": 1, "quote_id": cart}})
    r = await client.put(f"/rest/V1/guest-carts/{cart}", headers=me,
                         json={"customerId": 1, "storeId": 1})
    assert r.json() is True
    items = (await client.get("/rest/V1/carts/mine/items", headers=me)).json()
    assert [i["sku"] for i in items] == ["24-MB01"]
    r = await client.put(f"/rest/V1/guest-carts/{cart}", headers=me,
                         json={"customerId": 1, "storeId": 1})
    assert r.json()["message"] == ("Cannot assign customer to the given cart. The cart is not "
                                   "anonymous.")


async def test_ordered_carts_are_capped(client: Any, app: Any, sim: Any) -> None:
    app.store.carts.ordered_limit = 2
    for _ in range(3):
        assert (await sim.guest_checkout(client)).status_code == 200
    assert len(app.store.carts.ordered) == 2
    assert 1 not in app.store.carts.by_id and 3 in app.store.carts.by_id
