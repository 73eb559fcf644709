"""Every served route, table-driven: one call that succeeds, its 2xx body validated against
Magento's schema, and one bad input answered as Magento does (404 for an unknown id, 400
naming the field). The table must cover exactly the routes the router serves."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

pytestmark = pytest.mark.anyio

SCHEMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "spec" / \
    "magento-2.4-rest-schema.json"
Body = dict[str, Any] | list[Any] | Callable[[dict[str, Any]], Any] | None


@dataclass(frozen=True)
class Req:
    url: str
    body: Body = None
    auth: str = "admin"          # admin | me (a customer with a cart) | me2 | guest
    status: int = 200
    expect: str = ""             # a fragment of the error body (message or parameters)


def ok(url: str, body: Body = None, auth: str = "admin") -> Req:
    return Req(url, body, auth)


def bad(url: str, status: int, expect: str, body: Body = None, auth: str = "admin") -> Req:
    return Req(url, body, auth, status, expect)


NO_ENTITY = "The entity that was requested doesn't exist"
NO_PRODUCT = "The product that was requested doesn't exist"
REQUIRED = '"%fieldName" is required'
SI = {"sourceItems": [{"sku": "24-MB04", "source_code": "default", "quantity": 9,
                       "status": 1}]}
ADDR = {"region": "California", "region_id": 12, "country_id": "US", "street": ["1 A St"],
        "postcode": "10577", "city": "Purchase", "firstname": "Jane", "lastname": "Doe",
        "telephone": "512-555-1111", "email": "jdoe@example.com"}
SHIP = {"addressInformation": {"shipping_address": ADDR, "billing_address": ADDR,
                               "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}}
PAY = {"paymentMethod": {"method": "checkmo"}}
TOTALS = {"addressInformation": {"address": ADDR, "shipping_carrier_code": "flatrate",
                                 "shipping_method_code": "flatrate"}}


def cart_routes(prefix: str, key: str, auth: str, item: str, nobody: Req) -> dict[str, Any]:
    """The checkout routes of one cart spelling (guest, mine, admin); ``nobody`` is the cart
    that does not exist (its 404)."""
    base = prefix.replace("{cartId}", "{" + key + "}") if key else prefix
    gone = nobody.url

    def n(suffix: str, body: Body = None, status: int = 404,
          expect: str = "No such entity") -> Req:
        return bad(gone + suffix, status, expect, body, nobody.auth)

    rows: dict[str, Any] = {
        f"GET {prefix}": (ok(base, auth=auth), n("")),
        f"GET {prefix}/items": (ok(base + "/items", auth=auth), n("/items")),
        f"PUT {prefix}/items/{{itemId}}": (
            ok(base + "/items/{" + item + "}", lambda w: {"cartItem": {
                "qty": 2, "quote_id": w.get(key, "")}}, auth),
            bad(base + "/items/999999", 404, "Cart doesn't contain", lambda w: {"cartItem": {
                "qty": 2, "quote_id": w.get(key, "")}}, auth)),
        f"DELETE {prefix}/items/{{itemId}}": (
            ok(base + "/items/{" + item + "}", auth=auth),
            bad(base + "/items/999999", 404, "Cart doesn't contain", auth=auth)),
        f"GET {prefix}/totals": (ok(base + "/totals", auth=auth), n("/totals")),
        f"POST {prefix}/estimate-shipping-methods": (
            ok(base + "/estimate-shipping-methods", {"address": {"country_id": "US"}}, auth),
            n("/estimate-shipping-methods", {"address": {"country_id": "US"}})),
        f"GET {prefix}/shipping-methods": (ok(base + "/shipping-methods", auth=auth),
                                           n("/shipping-methods")),
        f"POST {prefix}/shipping-information": (
            ok(base + "/shipping-information", SHIP, auth),
            bad(base + "/shipping-information", 400, "shipping",
                {"addressInformation": {"shipping_address": ADDR}}, auth)),
        f"GET {prefix}/payment-methods": (ok(base + "/payment-methods", auth=auth),
                                          n("/payment-methods")),
        f"GET {prefix}/selected-payment-method": (ok(base + "/selected-payment-method",
                                                     auth=auth), n("/selected-payment-method")),
        f"PUT {prefix}/selected-payment-method": (
            ok(base + "/selected-payment-method", {"method": {"method": "checkmo"}}, auth),
            bad(base + "/selected-payment-method", 400, "Payment Method",
                {"method": {"method": "bitcoin"}}, auth)),
        f"POST {prefix}/billing-address": (
            ok(base + "/billing-address", {"address": ADDR}, auth),
            n("/billing-address", {"address": ADDR})),
        f"GET {prefix}/billing-address": (ok(base + "/billing-address", auth=auth),
                                          n("/billing-address")),
        f"PUT {prefix}/order": (
            ok(base + "/order", PAY, auth),
            bad(base + "/order", 400, "Payment Method", {"paymentMethod": {
                "method": "bitcoin"}}, auth)),
        f"GET {prefix}/coupons": (ok(base + "/coupons", auth=auth), n("/coupons")),
        f"PUT {prefix}/coupons/{{couponCode}}": (
            None, bad(base + "/coupons/NOPE", 404, "coupon code isn't valid", auth=auth)),
        f"DELETE {prefix}/coupons": (ok(base + "/coupons", auth=auth), n("/coupons")),
        f"POST {prefix}/totals-information": (ok(base + "/totals-information", TOTALS, auth),
                                              n("/totals-information", TOTALS)),
    }
    if key != "qcart":
        rows[f"POST {prefix}/items"] = (
            ok(base + "/items", lambda w: {"cartItem": {"sku": "24-MB04", "qty": 1,
                                                        "quote_id": w.get(key, "")}}, auth),
            bad(base + "/items", 404, NO_PRODUCT, lambda w: {"cartItem": {
                "sku": "NOPE", "qty": 1, "quote_id": w.get(key, "")}}, auth))
    if prefix != "/V1/carts/{cartId}":
        rows[f"POST {prefix}/payment-information"] = (
            ok(base + "/payment-information", {**PAY, "email": "p@example.com"}, auth),
            bad(base + "/payment-information", 400, "Payment Method", {
                "paymentMethod": {"method": "bitcoin"}, "email": "p@example.com"}, auth))
        rows[f"GET {prefix}/payment-information"] = (ok(base + "/payment-information",
                                                        auth=auth), n("/payment-information"))
        rows[f"POST {prefix}/set-payment-information"] = (
            ok(base + "/set-payment-information", {**PAY, "email": "p@example.com"}, auth),
            bad(base + "/set-payment-information", 400, "Payment Method", {
                "paymentMethod": {"method": "bitcoin"}, "email": "p@example.com"}, auth))
    if prefix != "/V1/guest-carts/{cartId}":
        # the customer's own cart (numeric id on the admin side) and one of her addresses
        where = "/V1/carts/mine" if key == "" else "/V1/carts/{mcart}"
        rows[f"POST {prefix}/estimate-shipping-methods-by-address-id"] = (
            ok(where + "/estimate-shipping-methods-by-address-id",
               lambda w: {"addressId": w["raddr"]}, auth),
            bad(where + "/estimate-shipping-methods-by-address-id", 400, "addressId", {},
                auth))
    if prefix == "/V1/guest-carts/{cartId}" or prefix == "/V1/carts/mine":
        rows[f"PUT {prefix}/collect-totals"] = (
            ok(base + "/collect-totals", PAY, auth),
            bad(base + "/collect-totals", 400, "paymentMethod", {}, auth))
    return rows


CASES: dict[str, tuple[Req | None, Req]] = {
    **cart_routes("/V1/guest-carts/{cartId}", "cart", "guest", "citem",
                  Req("/V1/guest-carts/nope", auth="guest")),
    **cart_routes("/V1/carts/mine", "", "me", "mitem", Req("/V1/carts/mine", auth="me2")),
    **cart_routes("/V1/carts/{cartId}", "qcart", "admin", "qitem", Req("/V1/carts/999999")),
    "POST /V1/carts/{quoteId}/items": (
        ok("/V1/carts/{qcart}/items", lambda w: {"cartItem": {
            "sku": "24-MB04", "qty": 1, "quote_id": w["qcart"]}}),
        bad("/V1/carts/{qcart}/items", 400, "quoteId", {"cartItem": {"sku": "24-MB04",
                                                                      "qty": 1}})),
    "POST /V1/guest-carts": (ok("/V1/guest-carts", auth="guest"),
                             bad("/V1/guest-carts", 400, "Decoding error", "{", "guest")),
    "PUT /V1/guest-carts/{cartId}": (
        ok("/V1/guest-carts/{cart}", lambda w: {"customerId": w["other"], "storeId": 1},
           "me2"),
        bad("/V1/guest-carts/{cart}", 400, "already has active cart",
            {"customerId": 1, "storeId": 1}, "me")),
    "POST /V1/carts/": (ok("/V1/carts/"), bad("/V1/carts/", 401, "Magento_Cart::manage",
                                              auth="guest")),
    "POST /V1/carts/mine": (ok("/V1/carts/mine", auth="me"),
                            bad("/V1/carts/mine", 401, "self", auth="admin")),
    "PUT /V1/carts/mine": (ok("/V1/carts/mine", {"quote": {"id": 1}}, "me"),
                           bad("/V1/carts/mine", 400, "quote", {}, "me")),
    "GET /V1/carts/search": (ok("/V1/carts/search?searchCriteria[pageSize]=2"),
                             bad("/V1/carts/search", 400, "searchCriteria")),
    "PUT /V1/carts/{cartId}": (ok("/V1/carts/{gcart}", {"customerId": 2, "storeId": 1}),
                               bad("/V1/carts/{gcart}", 400, "customerId", {"storeId": 1})),
    "POST /V1/customers/{customerId}/carts": (
        ok("/V1/customers/{other}/carts"), bad("/V1/customers/999999/carts", 404, "customerId")),
    # tokens
    "POST /V1/integration/admin/token": (
        ok("/V1/integration/admin/token", {"username": "admin", "password": "peakready-admin-1"},
           "guest"),
        bad("/V1/integration/admin/token", 400, "password", {"username": "admin"}, "guest")),
    "POST /V1/integration/customer/token": (
        ok("/V1/integration/customer/token", {"username": "roni_cost@example.com",
                                              "password": "roni_cost3@example.com"}, "guest"),
        bad("/V1/integration/customer/token", 400, "password",
            {"username": "roni_cost@example.com"}, "guest")),
    "POST /V1/integration/customer/revoke-customer-token": (
        ok("/V1/integration/customer/revoke-customer-token", auth="me"),
        bad("/V1/integration/customer/revoke-customer-token", 401, "self", auth="guest")),
    # store, directory
    "GET /V1/store/websites": (ok("/V1/store/websites"),
                               bad("/V1/store/websites", 401, "stores", auth="guest")),
    "GET /V1/store/storeGroups": (ok("/V1/store/storeGroups"),
                                  bad("/V1/store/storeGroups", 401, "stores", auth="guest")),
    "GET /V1/store/storeViews": (ok("/V1/store/storeViews"),
                                 bad("/V1/store/storeViews", 401, "stores", auth="guest")),
    "GET /V1/store/storeConfigs": (ok("/V1/store/storeConfigs?storeCodes[]=default"),
                                   bad("/V1/store/storeConfigs", 401, "stores", auth="guest")),
    "GET /V1/directory/countries": (ok("/V1/directory/countries", auth="guest"),
                                    bad("/V1/directory/countries/ZZ", 404, "country")),
    "GET /V1/directory/countries/{countryId}": (ok("/V1/directory/countries/US"),
                                                bad("/V1/directory/countries/ZZ", 404,
                                                    "country")),
    "GET /V1/directory/currency": (ok("/V1/directory/currency", auth="guest"),
                                   bad("/V1/directory/currencies", 404, "match any route")),
    # products
    "GET /V1/products": (ok("/V1/products?searchCriteria[pageSize]=2"),
                         bad("/V1/products?searchCriteria[filter_groups][0][filters][0][field]"
                             "=nope&searchCriteria[filter_groups][0][filters][0][value]=1",
                             400, "nope")),
    "GET /V1/products/{sku}": (ok("/V1/products/24-MB01"),
                               bad("/V1/products/NOPE", 404, NO_PRODUCT)),
    "POST /V1/products": (ok("/V1/products", {"product": {"sku": "N-1", "name": "New",
                                                          "price": 1}}),
                          bad("/V1/products", 400, "sku", {"product": {"name": "x"}})),
    "PUT /V1/products/{sku}": (ok("/V1/products/24-MB01", {"product": {"price": 3}}),
                               bad("/V1/products/24-MB01", 400, "product", {})),
    "DELETE /V1/products/{sku}": (ok("/V1/products/OFF-1"),
                                  bad("/V1/products/NOPE", 404, NO_PRODUCT)),
    "GET /V1/products/types": (ok("/V1/products/types"),
                               bad("/V1/products/types", 401, "products", auth="guest")),
    "GET /V1/products/attributes": (
        ok("/V1/products/attributes?searchCriteria[pageSize]=3"),
        bad("/V1/products/attributes?searchCriteria[filter_groups][0][filters][0][field]=x"
            "&searchCriteria[filter_groups][0][filters][0][value]=1", 400, "x")),
    "GET /V1/products/attributes/types": (ok("/V1/products/attributes/types"),
                                          bad("/V1/products/attributes/types", 401,
                                              "attributes", auth="guest")),
    "GET /V1/products/attributes/{attributeCode}": (ok("/V1/products/attributes/color"),
                                                    bad("/V1/products/attributes/nope", 404,
                                                        "nope")),
    "POST /V1/products/attributes": (
        ok("/V1/products/attributes", {"attribute": {"attribute_code": "fabric",
                                                     "frontend_input": "text"}}),
        bad("/V1/products/attributes", 400, "frontend_input", {"attribute": {
            "attribute_code": "fabric"}})),
    "PUT /V1/products/attributes/{attributeCode}": (
        ok("/V1/products/attributes/color", {"attribute": {"position": 3}}),
        bad("/V1/products/attributes/nope", 404, "nope", {"attribute": {"position": 3}})),
    "DELETE /V1/products/attributes/{attributeCode}": (
        ok("/V1/products/attributes/material"),
        bad("/V1/products/attributes/name", 400, "system attribute")),
    "GET /V1/products/attributes/{attributeCode}/options": (
        ok("/V1/products/attributes/color/options"),
        bad("/V1/products/attributes/nope/options", 404, "nope")),
    "POST /V1/products/attributes/{attributeCode}/options": (
        ok("/V1/products/attributes/size/options", {"option": {"label": "XXL"}}),
        bad("/V1/products/attributes/size/options", 400, "option", {})),
    "PUT /V1/products/attributes/{attributeCode}/options/{optionId}": (
        ok("/V1/products/attributes/color/options/{attropt}", {"option": {"label": "Lime"}}),
        bad("/V1/products/attributes/color/options/999", 404, "999",
            {"option": {"label": "Lime"}})),
    "DELETE /V1/products/attributes/{attributeCode}/options/{optionId}": (
        ok("/V1/products/attributes/color/options/{attropt}"),
        bad("/V1/products/attributes/color/options/999", 404, "999")),
    # prices
    "POST /V1/products/base-prices": (
        ok("/V1/products/base-prices", {"prices": [{"sku": "24-MB01", "price": 9,
                                                    "store_id": 0}]}),
        bad("/V1/products/base-prices", 400, "prices", {})),
    "POST /V1/products/base-prices-information": (
        ok("/V1/products/base-prices-information", {"skus": ["24-MB01"]}),
        bad("/V1/products/base-prices-information", 404, "NOPE", {"skus": ["NOPE"]})),
    "POST /V1/products/special-price": (
        ok("/V1/products/special-price", {"prices": [{"sku": "24-MB04", "price": 2,
                                                      "store_id": 0}]}),
        bad("/V1/products/special-price", 400, "prices", {})),
    "POST /V1/products/special-price-delete": (
        ok("/V1/products/special-price-delete", {"prices": [{"sku": "24-MB01", "price": 30,
                                                             "store_id": 0}]}),
        bad("/V1/products/special-price-delete", 400, "prices", {})),
    "POST /V1/products/special-price-information": (
        ok("/V1/products/special-price-information", {"skus": ["24-MB01"]}),
        bad("/V1/products/special-price-information", 404, "NOPE", {"skus": ["NOPE"]})),
    "POST /V1/products/tier-prices": (
        ok("/V1/products/tier-prices", {"prices": [{"sku": "24-MB01", "price": 8,
                                                    "price_type": "fixed", "website_id": 0,
                                                    "customer_group": "General",
                                                    "quantity": 3}]}),
        bad("/V1/products/tier-prices", 400, "prices", {})),
    "PUT /V1/products/tier-prices": (
        ok("/V1/products/tier-prices", {"prices": [{"sku": "24-MB01", "price": 8,
                                                    "price_type": "fixed", "website_id": 0,
                                                    "customer_group": "ALL GROUPS",
                                                    "quantity": 2}]}),
        bad("/V1/products/tier-prices", 400, "prices", {})),
    "POST /V1/products/tier-prices-delete": (
        ok("/V1/products/tier-prices-delete", {"prices": [{"sku": "24-MB01", "price": 30,
                                                           "price_type": "fixed",
                                                           "website_id": 0,
                                                           "customer_group": "General",
                                                           "quantity": 5}]}),
        bad("/V1/products/tier-prices-delete", 400, "prices", {})),
    "POST /V1/products/tier-prices-information": (
        ok("/V1/products/tier-prices-information", {"skus": ["24-MB01"]}),
        bad("/V1/products/tier-prices-information", 404, "NOPE", {"skus": ["NOPE"]})),
    "GET /V1/products/{sku}/group-prices/{customerGroupId}/tiers": (
        ok("/V1/products/24-MB01/group-prices/1/tiers"),
        bad("/V1/products/24-MB01/group-prices/999/tiers", 404, "customerGroupId")),
    "POST /V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}/price/{price}": (
        ok("/V1/products/24-MB01/group-prices/2/tiers/10/price/25"),
        bad("/V1/products/NOPE/group-prices/2/tiers/10/price/25", 404, NO_PRODUCT)),
    "DELETE /V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}": (
        ok("/V1/products/24-MB01/group-prices/1/tiers/5"),
        bad("/V1/products/24-MB01/group-prices/1/tiers/77", 404, "No such entity")),
    # product relations
    "POST /V1/products/{sku}/websites": (
        ok("/V1/products/24-MB01/websites", {"productWebsiteLink": {"sku": "24-MB01",
                                                                    "website_id": 1}}),
        bad("/V1/products/24-MB01/websites", 400, "websites", {"productWebsiteLink": {
            "sku": "24-MB01", "website_id": 9}})),
    "PUT /V1/products/{sku}/websites": (
        ok("/V1/products/24-MB01/websites", {"productWebsiteLink": {"sku": "24-MB01",
                                                                    "website_id": 1}}),
        bad("/V1/products/24-MB01/websites", 400, "productWebsiteLink", {})),
    "DELETE /V1/products/{sku}/websites/{websiteId}": (
        ok("/V1/products/24-MB01/websites/1"),
        bad("/V1/products/24-MB01/websites/9", 400, "websites")),
    "GET /V1/products/{sku}/media": (ok("/V1/products/24-MB01/media"),
                                     bad("/V1/products/NOPE/media", 404, NO_PRODUCT)),
    "GET /V1/products/{sku}/media/{entryId}": (ok("/V1/products/24-MB01/media/{media}"),
                                               bad("/V1/products/24-MB01/media/999", 404,
                                                   "No image")),
    "POST /V1/products/{sku}/media": (
        ok("/V1/products/24-MB04/media", {"entry": {
            "media_type": "image", "label": "Side", "position": 2, "disabled": False,
            "types": [], "content": {"base64_encoded_data": "aGk=", "type": "image/png",
                                     "name": "side.png"}}}),
        bad("/V1/products/24-MB04/media", 400, "image content", {"entry": {
            "media_type": "image"}})),
    "PUT /V1/products/{sku}/media/{entryId}": (
        ok("/V1/products/24-MB01/media/{media}", {"entry": {"label": "Back"}}),
        bad("/V1/products/24-MB01/media/999", 404, "No image", {"entry": {"label": "Back"}})),
    "DELETE /V1/products/{sku}/media/{entryId}": (
        ok("/V1/products/24-MB01/media/{media}"),
        bad("/V1/products/24-MB01/media/999", 404, "No image")),
    "GET /V1/configurable-products/{sku}/children": (
        ok("/V1/configurable-products/CFG-1/children"),
        bad("/V1/configurable-products/24-MB01/children", 400, "24-MB01")),
    "POST /V1/configurable-products/{sku}/child": (
        ok("/V1/configurable-products/CFG-1/child", {"childSku": "HOT-1"}),
        bad("/V1/configurable-products/CFG-1/child", 400, "childSku", {})),
    "DELETE /V1/configurable-products/{sku}/children/{childSku}": (
        ok("/V1/configurable-products/CFG-1/children/24-MB04"),
        bad("/V1/configurable-products/CFG-1/children/NOPE", 404, "option")),
    "GET /V1/configurable-products/{sku}/options/all": (
        ok("/V1/configurable-products/CFG-1/options/all"),
        bad("/V1/configurable-products/NOPE/options/all", 404, NO_PRODUCT)),
    "GET /V1/configurable-products/{sku}/options/{id}": (
        ok("/V1/configurable-products/CFG-1/options/{cfgopt}"),
        bad("/V1/configurable-products/CFG-1/options/999", 404, "999")),
    "POST /V1/configurable-products/{sku}/options": (
        ok("/V1/configurable-products/CFG-1/options", lambda w: {"option": {
            "attribute_id": w["color_id"], "values": [{"value_index": 5}]}}),
        bad("/V1/configurable-products/CFG-1/options", 400, "attribute ID", {"option": {
            "values": [{"value_index": 5}]}})),
    "PUT /V1/configurable-products/{sku}/options/{id}": (
        ok("/V1/configurable-products/CFG-1/options/{cfgopt}", {"option": {"label": "Hue"}}),
        bad("/V1/configurable-products/CFG-1/options/999", 404, "999",
            {"option": {"label": "Hue"}})),
    "DELETE /V1/configurable-products/{sku}/options/{id}": (
        ok("/V1/configurable-products/CFG-1/options/{cfgopt}"),
        bad("/V1/configurable-products/CFG-1/options/999", 404, "999")),
    # categories
    "GET /V1/categories": (ok("/V1/categories?depth=1"),
                           bad("/V1/categories?rootCategoryId=999", 404, "999")),
    "GET /V1/categories/list": (ok("/V1/categories/list?searchCriteria[pageSize]=2"),
                                bad("/V1/categories/list", 400, "searchCriteria")),
    "GET /V1/categories/{categoryId}": (ok("/V1/categories/{category}"),
                                        bad("/V1/categories/999", 404, "fieldValue")),
    "POST /V1/categories": (ok("/V1/categories", {"category": {"name": "Shoes"}}),
                            bad("/V1/categories", 400, "name", {"category": {
                                "parent_id": 2}})),
    "PUT /V1/categories/{id}": (ok("/V1/categories/{category}", {"category": {
        "name": "Bags & more"}}), bad("/V1/categories/999", 404, "999", {"category": {
            "name": "x"}})),
    "DELETE /V1/categories/{categoryId}": (ok("/V1/categories/{leaf}"),
                                           bad("/V1/categories/999", 404, "999")),
    "PUT /V1/categories/{categoryId}/move": (
        ok("/V1/categories/{leaf}/move", {"parentId": 2}),
        bad("/V1/categories/{leaf}/move", 400, "parentId", {})),
    "GET /V1/categories/{categoryId}/products": (ok("/V1/categories/{category}/products"),
                                                 bad("/V1/categories/999/products", 404,
                                                     "999")),
    "POST /V1/categories/{categoryId}/products": (
        ok("/V1/categories/{category}/products", {"productLink": {"sku": "24-MB04"}}),
        bad("/V1/categories/{category}/products", 400, "sku", {"productLink": {
            "position": 1}})),
    "PUT /V1/categories/{categoryId}/products": (
        ok("/V1/categories/{category}/products", {"productLink": {"sku": "24-MB04"}}),
        bad("/V1/categories/{category}/products", 404, NO_PRODUCT, {"productLink": {
            "sku": "NOPE"}})),
    "DELETE /V1/categories/{categoryId}/products/{sku}": (
        ok("/V1/categories/{category}/products/24-MB01"),
        bad("/V1/categories/{category}/products/24-MB04", 400, "doesn't contain")),
    "GET /V1/categories/attributes": (
        ok("/V1/categories/attributes?searchCriteria[pageSize]=2"),
        bad("/V1/categories/attributes", 400, "searchCriteria")),
    "GET /V1/categories/attributes/{attributeCode}": (
        ok("/V1/categories/attributes/name"),
        bad("/V1/categories/attributes/nope", 404, "nope")),
    "GET /V1/categories/attributes/{attributeCode}/options": (
        ok("/V1/categories/attributes/display_mode/options"),
        bad("/V1/categories/attributes/nope/options", 404, "nope")),
    # legacy inventory, MSI
    "GET /V1/stockItems/{productSku}": (ok("/V1/stockItems/24-MB01"),
                                        bad("/V1/stockItems/NOPE", 404, NO_PRODUCT)),
    "PUT /V1/products/{productSku}/stockItems/{itemId}": (
        ok("/V1/products/24-MB01/stockItems/1", {"stockItem": {"qty": 50}}),
        bad("/V1/products/24-MB01/stockItems/1", 400, "stockItem", {})),
    "GET /V1/stockStatuses/{productSku}": (ok("/V1/stockStatuses/24-MB01"),
                                           bad("/V1/stockStatuses/NOPE", 404, NO_PRODUCT)),
    "GET /V1/stockItems/lowStock/": (ok("/V1/stockItems/lowStock/?scopeId=0&qty=1000"),
                                     bad("/V1/stockItems/lowStock/?qty=10", 400, "scopeId")),
    "GET /V1/inventory/source-items": (
        ok("/V1/inventory/source-items?searchCriteria[pageSize]=2"),
        bad("/V1/inventory/source-items", 400, "searchCriteria")),
    "POST /V1/inventory/source-items": (ok("/V1/inventory/source-items", SI),
                                        bad("/V1/inventory/source-items", 400, "sourceItems",
                                            {})),
    "POST /V1/inventory/source-items-delete": (
        ok("/V1/inventory/source-items-delete", SI),
        bad("/V1/inventory/source-items-delete", 400, "sourceItems", {})),
    "GET /V1/inventory/get-product-salable-quantity/{sku}/{stockId}": (
        ok("/V1/inventory/get-product-salable-quantity/24-MB01/1"),
        bad("/V1/inventory/get-product-salable-quantity/NOPE/1", 404, NO_PRODUCT)),
    "GET /V1/inventory/is-product-salable/{sku}/{stockId}": (
        ok("/V1/inventory/is-product-salable/24-MB01/1"),
        bad("/V1/inventory/is-product-salable/24-MB01/99", 404, "99")),
    "GET /V1/inventory/is-product-salable-for-requested-qty/{sku}/{stockId}/{requestedQty}": (
        ok("/V1/inventory/is-product-salable-for-requested-qty/24-MB01/1/2"),
        bad("/V1/inventory/is-product-salable-for-requested-qty/NOPE/1/2", 404, NO_PRODUCT)),
    "GET /V1/inventory/are-product-salable-for-requested-qty/": (
        ok("/V1/inventory/are-product-salable-for-requested-qty/?skuRequests[0][sku]=24-MB01"
           "&skuRequests[0][qty]=1&stockId=1"),
        bad("/V1/inventory/are-product-salable-for-requested-qty/?stockId=1", 400,
            "skuRequests")),
    "GET /V1/inventory/are-products-salable": (
        ok("/V1/inventory/are-products-salable?skus[0]=24-MB01&stockId=1"),
        bad("/V1/inventory/are-products-salable?stockId=1", 400, "skus")),
    "GET /V1/inventory/stock-resolver/{type}/{code}": (
        ok("/V1/inventory/stock-resolver/website/base"),
        bad("/V1/inventory/stock-resolver/website/nope", 404, "stock")),
    "GET /V1/inventory/sources": (ok("/V1/inventory/sources?searchCriteria[pageSize]=5"),
                                  bad("/V1/inventory/sources", 400, "searchCriteria")),
    "GET /V1/inventory/sources/{sourceCode}": (ok("/V1/inventory/sources/eu"),
                                               bad("/V1/inventory/sources/nope", 404,
                                                   "nope")),
    "POST /V1/inventory/sources": (
        ok("/V1/inventory/sources", {"source": {"source_code": "us", "name": "US",
                                                "country_id": "US", "postcode": "10001"}}),
        bad("/V1/inventory/sources", 400, "postcode", {"source": {
            "source_code": "us", "name": "US", "country_id": "US"}})),
    "PUT /V1/inventory/sources/{sourceCode}": (
        ok("/V1/inventory/sources/eu", {"source": {"name": "EU (Amsterdam)"}}),
        bad("/V1/inventory/sources/nope", 404, "nope", {"source": {"name": "x"}})),
    "GET /V1/inventory/stocks": (ok("/V1/inventory/stocks?searchCriteria[pageSize]=5"),
                                 bad("/V1/inventory/stocks", 400, "searchCriteria")),
    "GET /V1/inventory/stocks/{stockId}": (ok("/V1/inventory/stocks/{stock}"),
                                           bad("/V1/inventory/stocks/99", 404, "99")),
    "POST /V1/inventory/stocks": (ok("/V1/inventory/stocks", {"stock": {"name": "US"}}),
                                  bad("/V1/inventory/stocks", 400, "name", {"stock": {}})),
    "PUT /V1/inventory/stocks/{stockId}": (ok("/V1/inventory/stocks/{stock}", {"stock": {
        "name": "EU+"}}), bad("/V1/inventory/stocks/99", 404, "99", {"stock": {"name": "x"}})),
    "DELETE /V1/inventory/stocks/{stockId}": (ok("/V1/inventory/stocks/{stock}"),
                                              bad("/V1/inventory/stocks/1", 400, "Default")),
    "GET /V1/inventory/stock-source-links": (
        ok("/V1/inventory/stock-source-links?searchCriteria[pageSize]=5"),
        bad("/V1/inventory/stock-source-links", 400, "searchCriteria")),
    "POST /V1/inventory/stock-source-links": (
        ok("/V1/inventory/stock-source-links", {"links": [{"stock_id": 1, "source_code": "eu",
                                                           "priority": 2}]}),
        bad("/V1/inventory/stock-source-links", 404, "nope", {"links": [
            {"stock_id": 1, "source_code": "nope", "priority": 2}]})),
    "POST /V1/inventory/stock-source-links-delete": (
        ok("/V1/inventory/stock-source-links-delete", lambda w: {"links": [
            {"stock_id": w["stock"], "source_code": "eu"}]}),
        bad("/V1/inventory/stock-source-links-delete", 400, "links", {})),
    "GET /V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/{stockId}": (
        ok("/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/1"),
        bad("/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/99", 404, "99")),
    "GET /V1/inventory/source-selection-algorithm-list": (
        ok("/V1/inventory/source-selection-algorithm-list"),
        bad("/V1/inventory/source-selection-algorithm-list", 401, "source", auth="guest")),
    "POST /V1/inventory/source-selection-algorithm-result": (
        ok("/V1/inventory/source-selection-algorithm-result", {"inventoryRequest": {
            "stock_id": 1, "items": [{"sku": "24-MB01", "qty": 2}]},
            "algorithmCode": "priority"}),
        bad("/V1/inventory/source-selection-algorithm-result", 400, "algorithmCode", {
            "inventoryRequest": {"stock_id": 1, "items": []}})),
    # orders
    "GET /V1/orders": (ok("/V1/orders?searchCriteria[pageSize]=2"),
                       bad("/V1/orders", 400, "searchCriteria")),
    "GET /V1/orders/{id}": (ok("/V1/orders/{order}"), bad("/V1/orders/999999", 404, NO_ENTITY)),
    "GET /V1/orders/items": (ok("/V1/orders/items?searchCriteria[pageSize]=2"),
                             bad("/V1/orders/items", 400, "searchCriteria")),
    "GET /V1/orders/items/{id}": (ok("/V1/orders/items/{item}"),
                                  bad("/V1/orders/items/999999", 404, NO_ENTITY)),
    "POST /V1/orders": (ok("/V1/orders", lambda w: {"entity": {"entity_id": w["order2"],
                                                               "status": "pending"}}),
                        bad("/V1/orders", 400, "entity_id", {"entity": {"status": "x"}})),
    "PUT /V1/orders/create": (ok("/V1/orders/create", lambda w: {"entity": {
        "entity_id": w["order2"], "ext_order_id": "ERP-9"}}),
        bad("/V1/orders/create", 404, NO_ENTITY, {"entity": {"entity_id": 999999}})),
    "PUT /V1/orders/{parent_id}": (
        ok("/V1/orders/{order}", {"entity": {"address_type": "billing", "city": "Reno"}}),
        bad("/V1/orders/999999", 404, NO_ENTITY, {"entity": {"address_type": "billing"}})),
    "GET /V1/orders/{id}/statuses": (ok("/V1/orders/{order}/statuses"),
                                     bad("/V1/orders/999999/statuses", 404, NO_ENTITY)),
    "POST /V1/orders/{id}/emails": (ok("/V1/orders/{order}/emails"),
                                    bad("/V1/orders/999999/emails", 404, NO_ENTITY)),
    "GET /V1/orders/{id}/comments": (ok("/V1/orders/{order}/comments"),
                                     bad("/V1/orders/999999/comments", 404, NO_ENTITY)),
    "POST /V1/orders/{id}/comments": (
        ok("/V1/orders/{order}/comments", {"statusHistory": {"comment": "hi"}}),
        bad("/V1/orders/{order}/comments", 400, "statusHistory", {})),
    "POST /V1/orders/{id}/cancel": (ok("/V1/orders/{order2}/cancel"),
                                    bad("/V1/orders/999999/cancel", 404, NO_ENTITY)),
    "POST /V1/orders/{id}/hold": (ok("/V1/orders/{order2}/hold"),
                                  bad("/V1/orders/{order}/hold", 400, "hold action")),
    "POST /V1/orders/{id}/unhold": (ok("/V1/orders/{order3}/unhold"),
                                    bad("/V1/orders/{order2}/unhold", 400, "hold")),
    "POST /V1/order/{orderId}/invoice": (ok("/V1/order/{order2}/invoice", {}),
                                         bad("/V1/order/{order}/invoice", 400, "invoice", {})),
    "POST /V1/order/{orderId}/ship": (ok("/V1/order/{order2}/ship", {}),
                                      bad("/V1/order/{order}/ship", 400, "shipment", {})),
    "POST /V1/order/{orderId}/refund": (
        ok("/V1/order/{order}/refund", lambda w: {"items": [{"order_item_id": w["item"],
                                                            "qty": 1}]}),
        bad("/V1/order/{order2}/refund", 400, "creditmemo", {})),
    # invoices, shipments, credit memos
    "GET /V1/invoices": (ok("/V1/invoices?searchCriteria[pageSize]=2"),
                         bad("/V1/invoices", 400, "searchCriteria")),
    "GET /V1/invoices/{id}": (ok("/V1/invoices/{invoice}"),
                              bad("/V1/invoices/999999", 404, NO_ENTITY)),
    "POST /V1/invoices/": (ok("/V1/invoices/", lambda w: {"entity": {"order_id": w["order2"]}}),
                           bad("/V1/invoices/", 400, "order_id", {"entity": {}})),
    "POST /V1/invoices/comments": (
        ok("/V1/invoices/comments", lambda w: {"entity": {"parent_id": w["invoice"],
                                                          "comment": "paid"}}),
        bad("/V1/invoices/comments", 400, "comment", lambda w: {"entity": {
            "parent_id": w["invoice"]}})),
    "GET /V1/invoices/{id}/comments": (ok("/V1/invoices/{invoice}/comments"),
                                       bad("/V1/invoices/999999/comments", 404, NO_ENTITY)),
    "POST /V1/invoices/{id}/emails": (ok("/V1/invoices/{invoice}/emails"),
                                      bad("/V1/invoices/999999/emails", 404, NO_ENTITY)),
    "POST /V1/invoices/{id}/capture": (ok("/V1/invoices/{openinv}/capture"),
                                       bad("/V1/invoices/{invoice}/capture", 400, "capture")),
    "POST /V1/invoices/{id}/void": (ok("/V1/invoices/{openinv}/void"),
                                    bad("/V1/invoices/{invoice}/void", 400, "voided")),
    "POST /V1/invoice/{invoiceId}/refund": (
        ok("/V1/invoice/{invoice}/refund", lambda w: {"items": [{"order_item_id": w["item"],
                                                                "qty": 1}]}),
        bad("/V1/invoice/999999/refund", 404, NO_ENTITY, {})),
    "GET /V1/shipments": (ok("/V1/shipments?searchCriteria[pageSize]=2"),
                          bad("/V1/shipments", 400, "searchCriteria")),
    "GET /V1/shipment/{id}": (ok("/V1/shipment/{shipment}"),
                              bad("/V1/shipment/999999", 404, NO_ENTITY)),
    "POST /V1/shipment/": (ok("/V1/shipment/", lambda w: {"entity": {"order_id": w["order2"]}}),
                           bad("/V1/shipment/", 400, "order_id", {"entity": {}})),
    "POST /V1/shipment/track": (
        ok("/V1/shipment/track", lambda w: {"entity": {"parent_id": w["shipment"],
                                                       "order_id": w["order"],
                                                       "track_number": "1Z2", "title": "UPS",
                                                       "carrier_code": "ups"}}),
        bad("/V1/shipment/track", 400, "tracking number", lambda w: {"entity": {
            "parent_id": w["shipment"]}})),
    "DELETE /V1/shipment/track/{id}": (ok("/V1/shipment/track/{track}"),
                                       bad("/V1/shipment/track/999999", 400, "tracking")),
    "GET /V1/shipment/{id}/comments": (ok("/V1/shipment/{shipment}/comments"),
                                       bad("/V1/shipment/999999/comments", 404, NO_ENTITY)),
    "POST /V1/shipment/{id}/comments": (
        ok("/V1/shipment/{shipment}/comments", {"entity": {"comment": "left the dock"}}),
        bad("/V1/shipment/{shipment}/comments", 400, "comment", {"entity": {}})),
    "POST /V1/shipment/{id}/emails": (ok("/V1/shipment/{shipment}/emails"),
                                      bad("/V1/shipment/999999/emails", 404, NO_ENTITY)),
    "GET /V1/shipment/{id}/label": (ok("/V1/shipment/{shipment}/label"),
                                    bad("/V1/shipment/999999/label", 404, NO_ENTITY)),
    "GET /V1/creditmemos": (ok("/V1/creditmemos?searchCriteria[pageSize]=2"),
                            bad("/V1/creditmemos", 400, "searchCriteria")),
    "GET /V1/creditmemo/{id}": (ok("/V1/creditmemo/{memo}"),
                                bad("/V1/creditmemo/999999", 404, NO_ENTITY)),
    "POST /V1/creditmemo": (
        ok("/V1/creditmemo", lambda w: {"entity": {"order_id": w["order"], "items": [
            {"order_item_id": w["item"], "qty": 1}]}}),
        bad("/V1/creditmemo", 404, NO_ENTITY, {"entity": {"order_id": 999999}})),
    "POST /V1/creditmemo/refund": (
        ok("/V1/creditmemo/refund", lambda w: {"creditmemo": {"order_id": w["order"], "items": [
            {"order_item_id": w["item"], "qty": 1}]}}),
        bad("/V1/creditmemo/refund", 400, "creditmemo", {})),
    "PUT /V1/creditmemo/{id}": (None, bad("/V1/creditmemo/999999", 404, NO_ENTITY)),
    "GET /V1/creditmemo/{id}/comments": (ok("/V1/creditmemo/{memo}/comments"),
                                         bad("/V1/creditmemo/999999/comments", 404,
                                             NO_ENTITY)),
    "POST /V1/creditmemo/{id}/comments": (
        ok("/V1/creditmemo/{memo}/comments", {"entity": {"comment": "refunded"}}),
        bad("/V1/creditmemo/{memo}/comments", 400, "comment", {"entity": {}})),
    "POST /V1/creditmemo/{id}/emails": (ok("/V1/creditmemo/{memo}/emails"),
                                        bad("/V1/creditmemo/999999/emails", 404, NO_ENTITY)),
    # customers
    "POST /V1/customers": (
        ok("/V1/customers", {"customer": {"email": "n@example.com", "firstname": "N",
                                          "lastname": "W"}, "password": "Str0ng-Pass"},
           "guest"),
        bad("/V1/customers", 400, "email", {"customer": {"firstname": "N", "lastname": "W"},
                                            "password": "Str0ng-Pass"}, "guest")),
    "GET /V1/customers/search": (ok("/V1/customers/search?searchCriteria[pageSize]=2"),
                                 bad("/V1/customers/search", 400, "searchCriteria")),
    "GET /V1/customers/{customerId}": (ok("/V1/customers/1"),
                                       bad("/V1/customers/999999", 404, "customerId")),
    "PUT /V1/customers/{customerId}": (
        ok("/V1/customers/1", {"customer": {"email": "roni_cost@example.com",
                                            "firstname": "R", "lastname": "C"}}),
        bad("/V1/customers/1", 400, "email", {"customer": {"firstname": "R",
                                                           "lastname": "C"}})),
    "DELETE /V1/customers/{customerId}": (ok("/V1/customers/{other}"),
                                          bad("/V1/customers/999999", 404, "customerId")),
    "GET /V1/customers/me": (ok("/V1/customers/me", auth="me"),
                             bad("/V1/customers/me", 401, "self", auth="guest")),
    "PUT /V1/customers/me": (
        ok("/V1/customers/me", {"customer": {"email": "roni_cost@example.com",
                                             "firstname": "R", "lastname": "C"}}, "me"),
        bad("/V1/customers/me", 400, "lastname", {"customer": {
            "email": "roni_cost@example.com", "firstname": "R"}}, "me")),
    "POST /V1/customers/isEmailAvailable": (
        ok("/V1/customers/isEmailAvailable", {"customerEmail": "free@example.com"}, "guest"),
        bad("/V1/customers/isEmailAvailable", 400, "customerEmail", {}, "guest")),
    "GET /V1/customers/addresses/{addressId}": (ok("/V1/customers/addresses/{address}"),
                                                bad("/V1/customers/addresses/999999", 404,
                                                    "addressId")),
    "DELETE /V1/addresses/{addressId}": (ok("/V1/addresses/{address}"),
                                         bad("/V1/addresses/999999", 404, "addressId")),
    "GET /V1/customers/{customerId}/billingAddress": (
        ok("/V1/customers/{other}/billingAddress"),
        bad("/V1/customers/999999/billingAddress", 404, "customerId")),
    "GET /V1/customers/{customerId}/shippingAddress": (
        ok("/V1/customers/{other}/shippingAddress"),
        bad("/V1/customers/999999/shippingAddress", 404, "customerId")),
    "GET /V1/customers/me/billingAddress": (ok("/V1/customers/me/billingAddress", auth="me2"),
                                            bad("/V1/customers/me/billingAddress", 401, "self",
                                                auth="guest")),
    "GET /V1/customers/me/shippingAddress": (
        ok("/V1/customers/me/shippingAddress", auth="me2"),
        bad("/V1/customers/me/shippingAddress", 401, "self", auth="guest")),
    "GET /V1/customers/{customerId}/permissions/readonly": (
        ok("/V1/customers/1/permissions/readonly"),
        bad("/V1/customers/999999/permissions/readonly", 404, "customerId")),
    "GET /V1/customers/{customerId}/confirm": (ok("/V1/customers/{other}/confirm"),
                                               bad("/V1/customers/999999/confirm", 404,
                                                   "customerId")),
    "POST /V1/customers/confirm": (
        ok("/V1/customers/confirm", {"email": "other@example.com", "websiteId": 1}, "guest"),
        bad("/V1/customers/confirm", 400, "Confirmation isn't needed",
            {"email": "roni_cost@example.com", "websiteId": 1}, "guest")),
    "PUT /V1/customers/{email}/activate": (
        ok("/V1/customers/other@example.com/activate", {"confirmationKey": "confirm-key"}),
        bad("/V1/customers/other@example.com/activate", 400, "confirmationKey", {})),
    "PUT /V1/customers/me/activate": (
        ok("/V1/customers/me/activate", {"confirmationKey": "confirm-key"}, "me2"),
        bad("/V1/customers/me/activate", 400, "token is invalid",
            {"confirmationKey": "wrong"}, "me2")),
    "PUT /V1/customers/me/password": (
        ok("/V1/customers/me/password", {"currentPassword": "roni_cost3@example.com",
                                         "newPassword": "N3w-Passw0rd"}, "me"),
        bad("/V1/customers/me/password", 400, "newPassword",
            {"currentPassword": "roni_cost3@example.com"}, "me")),
    "PUT /V1/customers/password": (
        ok("/V1/customers/password", {"email": "roni_cost@example.com",
                                      "template": "email_reset", "websiteId": 1}, "guest"),
        bad("/V1/customers/password", 400, "template", {"email": "roni_cost@example.com",
                                                        "template": "nope"}, "guest")),
    "POST /V1/customers/resetPassword": (
        ok("/V1/customers/resetPassword", lambda w: {
            "email": "roni_cost@example.com", "resetToken": w["reset"],
            "newPassword": "N3w-Passw0rd"}, "guest"),
        bad("/V1/customers/resetPassword", 400, "token is mismatched", {
            "email": "roni_cost@example.com", "resetToken": "nope",
            "newPassword": "N3w-Passw0rd"}, "guest")),
    "GET /V1/customers/{customerId}/password/resetLinkToken/{resetPasswordLinkToken}": (
        ok("/V1/customers/1/password/resetLinkToken/{reset}", auth="guest"),
        bad("/V1/customers/1/password/resetLinkToken/nope", 400, "mismatched", auth="guest")),
    "PUT /V1/customers/validate": (
        ok("/V1/customers/validate", {"customer": {"email": "v@example.com",
                                                   "firstname": "V", "lastname": "W"}},
           "guest"),
        bad("/V1/customers/validate", 400, "customer", {}, "guest")),
    "GET /V1/customerGroups/search": (ok("/V1/customerGroups/search?searchCriteria[pageSize]=2"),
                                      bad("/V1/customerGroups/search", 400, "searchCriteria")),
    "GET /V1/customerGroups/{id}": (ok("/V1/customerGroups/1"),
                                    bad("/V1/customerGroups/999", 404, "999")),
    "POST /V1/customerGroups": (ok("/V1/customerGroups", {"group": {"code": "Gold",
                                                                    "tax_class_id": 3}}),
                                bad("/V1/customerGroups", 400, "code", {"group": {
                                    "tax_class_id": 3}})),
    "PUT /V1/customerGroups/{id}": (ok("/V1/customerGroups/{group}", {"group": {
        "code": "VIP+", "tax_class_id": 3}}), bad("/V1/customerGroups/999", 404, "999", {
            "group": {"code": "x", "tax_class_id": 3}})),
    "DELETE /V1/customerGroups/{id}": (ok("/V1/customerGroups/{group}"),
                                       bad("/V1/customerGroups/1", 400, "Cannot delete")),
    "GET /V1/customerGroups/{id}/permissions": (ok("/V1/customerGroups/{group}/permissions"),
                                                bad("/V1/customerGroups/999/permissions", 404,
                                                    "999")),
    "GET /V1/customerGroups/default": (ok("/V1/customerGroups/default"),
                                       bad("/V1/customerGroups/default", 401, "group",
                                           auth="guest")),
    "GET /V1/customerGroups/default/{storeId}": (ok("/V1/customerGroups/default/1"),
                                                 bad("/V1/customerGroups/default/9", 404,
                                                     "storeId")),
    "PUT /V1/customerGroups/default/{id}": (ok("/V1/customerGroups/default/{group}"),
                                            bad("/V1/customerGroups/default/999", 404, "999")),
    # bulk
    "GET /V1/bulk": (ok("/V1/bulk?searchCriteria[pageSize]=2"),
                     bad("/V1/bulk", 400, "searchCriteria")),
    "GET /V1/bulk/{bulkUuid}/status": (ok("/V1/bulk/{bulk}/status"),
                                       bad("/V1/bulk/nope/status", 404, "nope")),
    "GET /V1/bulk/{bulkUuid}/detailed-status": (ok("/V1/bulk/{bulk}/detailed-status"),
                                                bad("/V1/bulk/nope/detailed-status", 404,
                                                    "nope")),
    "GET /V1/bulk/{bulkUuid}/operation-status/{status}": (
        ok("/V1/bulk/{bulk}/operation-status/1"),
        bad("/V1/bulk/nope/operation-status/1", 404, "nope")),
}
# Magento itself never answers these with a 2xx, so only their refusal is tested:
NEVER_OK = {
    "PUT /V1/creditmemo/{id}": "CreditmemoService::cancel refuses every credit memo",
    "PUT /V1/guest-carts/{cartId}/coupons/{couponCode}": "no cart price rules: no valid code",
    "PUT /V1/carts/mine/coupons/{couponCode}": "no cart price rules: no valid code",
    "PUT /V1/carts/{cartId}/coupons/{couponCode}": "no cart price rules: no valid code",
}


# Magento's own answer differs from its generated schema here (scalars pass through the output
# processor unconverted): the body is checked against what Magento sends instead.
AS_MAGENTO_SENDS = {
    "POST /V1/guest-carts/{cartId}/set-payment-information": True,   # typed int, returns true
    "POST /V1/carts/mine/set-payment-information": True,
}


def _relaxed(node: Any) -> Any:
    """Magento renders a non-nullable getter's null as null (test_schema.py)."""
    if isinstance(node, dict):
        out = {k: _relaxed(v) for k, v in node.items()}
        if isinstance(out.get("type"), str) and out["type"] != "object":
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_relaxed(v) for v in node]
    return node


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: responses cannot be validated here")
    doc = json.loads(SCHEMA.read_text("utf-8"))
    doc["definitions"] = _relaxed(copy.deepcopy(doc["definitions"]))
    # a custom attribute's value is a string or a list (category_ids), spec §3.2
    doc["definitions"]["framework-attribute-interface"]["properties"]["value"]["type"] = [
        "string", "array", "null"]
    return dict(doc)


def test_the_table_covers_every_served_route(app: Any) -> None:
    served = {f"{m} {p}" for m, p in app.magento.router.served()}
    assert set(CASES) == served
    for key, (good, _) in CASES.items():
        assert (good is None) == (key in NEVER_OK or good.status != 200), key


def _fill(text: str, w: dict[str, Any]) -> str:
    return text.format(**w) if "{" in text else text


async def _send(client: Any, w: dict[str, Any], method: str, req: Req) -> Any:
    headers = {"admin": {"Authorization": "Bearer peakready-simulator-admin-token"},
               "me": w["me"], "me2": w["me2"], "guest": {}}[req.auth]
    body = req.body(w) if callable(req.body) else req.body
    url = "/rest" + _fill(req.url, w)
    if isinstance(body, str):
        return await client.request(method, url, content=body, headers={
            **headers, "Content-Type": "application/json"})
    return await client.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize("key", sorted(CASES))
async def test_route(key: str, sim: Any, tmp_path: Path, schema: dict[str, Any]) -> None:
    method, path = key.split(" ", 1)
    app = sim.make_app(tmp_path)
    async with sim.client_for(app) as client:
        w = await _world(client, app)
        good, wrong = CASES[key]
        r = await _send(client, w, method, wrong)
        assert r.status_code == wrong.status, (key, r.status_code, r.text)
        body = r.json()
        assert set(body) <= {"message", "parameters", "errors", "code"}, body
        assert wrong.expect in json.dumps(body), (key, body)
        if good is None:
            return
        r = await _send(client, w, method, good)
        assert 200 <= r.status_code < 300, (key, r.status_code, r.text)
        if key in AS_MAGENTO_SENDS:
            assert r.json() == AS_MAGENTO_SENDS[key]
            return
        op = schema["paths"][path][method.lower()]
        response = op["responses"].get("200", {}).get("schema")
        if response is None:
            assert r.json() == [], (key, r.json())   # void renders as []
            return
        jsonschema.Draft4Validator({"definitions": schema["definitions"],
                                    **_relaxed(response)}).validate(r.json())


WRITES = sorted(key for key in CASES if not key.startswith("GET ") and CASES[key][0])


@pytest.mark.parametrize("key", WRITES)
async def test_no_product_read_is_stale_after(key: str, sim: Any, tmp_path: Path) -> None:
    """Product reads answer from a kept rendering: after any write route, every product read
    equals a fresh rendering of the store's state (the kept one was dropped if it changed)."""
    method = key.split(" ", 1)[0]
    app = sim.make_app(tmp_path)
    async with sim.client_for(app) as client:
        w = await _world(client, app)
        store = app.magento.store
        catalog = sys.modules[type(store.catalog).__module__]
        admin = {"Authorization": "Bearer peakready-simulator-admin-token"}
        skus = list(store.catalog.products)
        for sku in skus:                    # every product rendered and kept
            assert (await client.get(f"/rest/V1/products/{sku}", headers=admin)).status_code \
                == 200
        r = await _send(client, w, method, CASES[key][0])
        assert 200 <= r.status_code < 300, (key, r.status_code, r.text)
        for sku in store.catalog.products:
            product = store.catalog.products[sku]
            read = await client.get(f"/rest/V1/products/{sku}", headers=admin)
            assert read.json() == json.loads(catalog.dumps(catalog.render(store, product))), \
                (key, sku)


async def test_a_product_read_shows_a_stock_setting_changed_alone(sim: Any,
                                                                  tmp_path: Path) -> None:
    """The kept rendering is dropped when only a stock item setting changed (no quantity)."""
    admin = {"Authorization": "Bearer peakready-simulator-admin-token"}
    app = sim.make_app(tmp_path)
    async with sim.client_for(app) as client:
        url = "/rest/V1/products/24-MB01"
        before = (await client.get(url, headers=admin)).json()["extension_attributes"]
        r = await client.put(f"{url}/stockItems/1", headers=admin,
                             json={"stockItem": {"max_sale_qty": 7}})
        assert r.status_code == 200, r.text
        after = (await client.get(url, headers=admin)).json()["extension_attributes"]
    assert before["stock_item"]["max_sale_qty"] != 7
    assert after["stock_item"]["max_sale_qty"] == 7
    assert after["stock_item"]["qty"] == before["stock_item"]["qty"]


_TEMPLATE: list[tuple[Any, dict[str, Any]]] = []


async def _world(client: Any, app: Any) -> dict[str, Any]:
    """The world is built once over REST; each test gets its own deep copy of that store."""
    if not _TEMPLATE:
        w = await _world_module().build(client, app)
        app.store.bulk.close()
        app.store.bulk._wake = None
        _TEMPLATE.append((copy.deepcopy(app.magento.store), w))
    store, w = _TEMPLATE[0]
    app.magento.store = copy.deepcopy(store)
    return w


def _world_module() -> Any:
    here = Path(__file__).with_name("route_world.py")
    import importlib.util

    spec = importlib.util.spec_from_file_location("magento_route_world", here)
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module
