"""Cross-cutting Web API contract (spec §0, §1): routing, envelope, tokens, ACL, key spelling."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
NO_ROUTE = {"message": "Request does not match any route."}


async def test_unknown_route_wrong_method_and_unknown_store_are_404(client: Any) -> None:
    for method, url in [("GET", "/rest/V1/nothing-here"), ("DELETE", "/rest/V1/guest-carts"),
                        ("GET", "/rest/nostore/V1/products/24-MB01"), ("GET", "/elsewhere")]:
        r = await client.request(method, url, headers=ADMIN)
        assert r.status_code == 404, url
        assert r.json() == NO_ROUTE
        assert r.headers["content-type"] == "application/json; charset=utf-8"


async def test_a_get_on_an_async_route_is_400_specified_request_cannot_be_processed(
        client: Any) -> None:
    """issue 12: Magento's request processor pool has no processor for an async GET (it
    answered 404 "Request does not match any route." here)."""
    for url in ("/rest/async/bulk/V1/products", "/rest/default/async/bulk/V1/products/bySku",
                "/rest/async/V1/products/24-MB01", "/rest/async/bulk/V1/no-such-route"):
        r = await client.get(url, headers=ADMIN)
        assert r.status_code == 400, url
        assert r.json() == {"message": "Specified request cannot be processed."}


async def test_store_prefixes_serve_the_same_routes(client: Any) -> None:
    for prefix in ("/rest/V1", "/rest/default/V1", "/rest/all/V1"):
        r = await client.get(f"{prefix}/products/24-MB01", headers=ADMIN)
        assert r.status_code == 200
        assert r.json()["sku"] == "24-MB01"


async def test_acl_401_names_the_resource_and_bad_tokens_act_as_guest(client: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        r = await client.get("/rest/V1/orders?searchCriteria[pageSize]=1", headers=headers)
        assert r.status_code == 401
        assert r.json() == {"message": "The consumer isn't authorized to access %resources.",
                            "parameters": {"resources": "Magento_Sales::actions_view"}}
    r = await client.get("/rest/V1/carts/mine")
    assert r.status_code == 401
    assert r.json()["parameters"] == {"resources": "self"}
    # anonymous routes still work for a guest with a junk token
    r = await client.post("/rest/V1/guest-carts", headers={"Authorization": "Bearer junk"})
    assert r.status_code == 200


async def test_integration_token_gets_exactly_its_resources(app_factory: Any, sim: Any) -> None:
    app = app_factory(config={"integrations": {"erp-token": ["Magento_Catalog::products"]}})
    async with sim.client_for(app) as client:
        headers = {"Authorization": "Bearer erp-token"}
        assert (await client.get("/rest/V1/products/24-MB01", headers=headers)).status_code == 200
        r = await client.get("/rest/V1/orders/1", headers=headers)
        assert r.status_code == 401
        assert r.json()["parameters"] == {"resources": "Magento_Sales::actions_view"}


async def test_admin_token_lifecycle(client: Any) -> None:
    r = await client.post("/rest/V1/integration/admin/token",
                          json={"username": "admin", "password": "peakready-admin-1"})
    assert r.status_code == 200
    token = r.json()
    assert isinstance(token, str) and token.count(".") == 2  # JWT since 2.4.4
    r = await client.get("/rest/V1/orders?searchCriteria[pageSize]=1",
                         headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    r = await client.post("/rest/V1/integration/admin/token",
                          json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401
    assert r.json() == {"message": "The account sign-in was incorrect or your account is "
                        "disabled temporarily. Please wait and try again later."}


async def test_token_missing_credentials_are_aggregated(client: Any) -> None:
    r = await client.post("/rest/V1/integration/customer/token", json={})
    assert r.status_code == 400
    assert r.json() == {"message": "One or more input exceptions have occurred.", "errors": [
        {"message": '"%fieldName" is required. Enter and try again.',
         "parameters": {"fieldName": "username"}},
        {"message": '"%fieldName" is required. Enter and try again.',
         "parameters": {"fieldName": "password"}}]}
    r = await client.post("/rest/V1/integration/customer/token", json={"username": "a@b.c"})
    assert r.json() == {"message": '"%fieldName" is required. Enter and try again.',
                        "parameters": {"fieldName": "password"}}


async def test_lockout_after_six_failures(client: Any) -> None:
    good = {"username": "roni_cost@example.com", "password": "roni_cost3@example.com"}
    assert (await client.post("/rest/V1/integration/customer/token", json=good)).status_code \
        == 200
    for _ in range(6):
        r = await client.post("/rest/V1/integration/customer/token",
                              json={**good, "password": "nope"})
        assert r.status_code == 401
    r = await client.post("/rest/V1/integration/customer/token", json=good)
    assert r.status_code == 401  # locked even with the right password


async def test_2fa_switch_refuses_admin_tokens(app_factory: Any, sim: Any) -> None:
    async with sim.client_for(app_factory(config={"tfa": True})) as client:
        r = await client.post("/rest/V1/integration/admin/token",
                              json={"username": "admin", "password": "peakready-admin-1"})
        assert r.status_code == 400
        assert r.json() == {"message": "Please use the 2fa provider-specific endpoints to "
                            "obtain a token.", "parameters": {"active_providers": ["google"]}}


async def test_body_decoding_errors(client: Any) -> None:
    r = await client.post("/rest/V1/guest-carts/x/items", content=b"<xml/>",
                          headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
    assert r.json() == {"message": "Server cannot understand Content-Type HTTP header media "
                        "type %1", "parameters": ["text/plain"]}
    r = await client.post("/rest/V1/guest-carts/x/items", content=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"message": "Decoding error."}


async def test_unknown_field_message_depends_on_version(app_factory: Any, sim: Any) -> None:
    for version, expected in [
        ("2.4.7", {"message": '"%fieldName" is not supported. Correct the field name and try '
                   'again.', "parameters": {"fieldName": "Colour"}}),
        ("2.4.6", {"message": 'Property "%1" does not have accessor method "%2" in class "%3".',
                   "parameters": ["Colour", "getColour",
                                  "Magento\\Quote\\Api\\Data\\CartItemInterface"]}),
    ]:
        async with sim.client_for(app_factory(magento_version=version)) as client:
            cart = (await client.post("/rest/V1/guest-carts")).json()
            r = await client.post(f"/rest/V1/guest-carts/{cart}/items", json={
                "cartItem": {"sku": "24-MB01", "qty": 1, "quote_id": cart, "colour": "red"}})
            assert r.status_code == 400
            assert r.json() == expected


async def test_camel_and_snake_keys_are_both_accepted(client: Any, sim: Any) -> None:
    cart = (await client.post("/rest/V1/guest-carts")).json()
    r = await client.post(f"/rest/V1/guest-carts/{cart}/items",
                          json={"cart_item": {"sku": "24-MB01", "qty": 1, "quoteId": cart}})
    assert r.status_code == 200
    address = {**sim.ADDRESS, "countryId": "US", "regionId": 12}
    del address["country_id"], address["region_id"]
    r = await client.post(f"/rest/V1/guest-carts/{cart}/shipping-information", json={
        "address_information": {"shippingAddress": address, "shippingCarrierCode": "flatrate",
                                "shipping_method_code": "flatrate"}})
    assert r.status_code == 200, r.text
    r = await client.post(f"/rest/V1/guest-carts/{cart}/payment-information", json={
        "email": "g@example.com", "payment_method": {"method": "checkmo"},
        "billing_address": sim.ADDRESS})
    assert r.status_code == 200, r.text
    r = await client.put("/rest/V1/products/24-MB01/stockItems/999", headers=ADMIN,
                         json={"stock_item": {"qty": 7, "is_in_stock": True}})
    assert r.status_code == 200
    r = await client.put("/rest/V1/products/24-MB01/stockItems/1", headers=ADMIN,
                         json={"stockItem": {"qty": 8}})
    assert r.status_code == 200
    assert (await client.get("/rest/V1/stockItems/24-MB01", headers=ADMIN)).json()["qty"] == 8


async def test_partial_response_fields(client: Any) -> None:
    r = await client.get("/rest/V1/products?searchCriteria[pageSize]=2"
                         "&fields=items[sku,price],total_count", headers=ADMIN)
    body = r.json()
    assert set(body) == {"items", "total_count"}
    assert all(set(item) == {"sku", "price"} for item in body["items"])


async def test_type_errors_are_400_not_500(client: Any) -> None:
    r = await client.get("/rest/V1/customers/abc", headers=ADMIN)
    assert r.status_code == 400
    assert r.json()["parameters"] == {"value": "abc", "type": "int"}
    r = await client.get("/rest/V1/orders/abc", headers=ADMIN)
    assert r.status_code == 404
