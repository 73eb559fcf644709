"""The simulator's GraphQL checkout, driven by the ``gql`` client library with the queries a
headless storefront (PWA Studio's fragments, spec/magento-graphql.md §4) sends, every answer
validated against Magento's own schema files (spec/magento-graphql/).

A GraphQL order is an order: it reserves stock, emits OrderPlaced and is found by REST.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import GraphQLSchema

from support.magento_graphql_spec import conformance_errors, spec_schema

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}

CART_FIELDS = """
fragment CartPage on Cart {
  id total_quantity is_virtual email
  prices { grand_total { value currency } subtotal_excluding_tax { value currency }
           applied_taxes { label amount { value } } discounts { label amount { value } } }
  applied_coupons { code }
  itemsV2 { total_count items { __typename uid quantity
    prices { price { value currency } row_total { value currency } }
    product { __typename uid sku name url_key stock_status } } }
  shipping_addresses { firstname lastname street city postcode country { code label }
    available_shipping_methods { carrier_code method_code amount { value currency } available }
    selected_shipping_method { carrier_code method_code amount { value } } }
  billing_address { city }
  available_payment_methods { code title }
  selected_payment_method { code title }
}
"""
ADDRESS = {"firstname": "Ann", "lastname": "Lee", "street": ["1 Main St"], "city": "Austin",
           "region": "TX", "region_id": 57, "postcode": "78701", "country_code": "US",
           "telephone": "5125550100"}


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> GraphQLSchema:
    folder = shared_dir / "spec" / "magento-graphql"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: answers cannot be checked against Magento's schema")
    return spec_schema(folder)


class Storefront:
    """A headless storefront's GraphQL calls: gql over the in-process app, answers checked."""

    def __init__(self, app: Any, spec: GraphQLSchema, token: str | None = None) -> None:
        headers = {"Store": "default", **({"Authorization": f"Bearer {token}"} if token else {})}
        self.transport = HTTPXAsyncTransport(
            url="http://magento.test/graphql", headers=headers,
            transport=httpx.ASGITransport(app=app))
        # Client-side validation against the spec: every query is one Magento accepts.
        self.client = Client(transport=self.transport, schema=spec)
        self.spec = spec

    async def __call__(self, text: str, **variables: Any) -> dict[str, Any]:
        request = gql(text)
        request.variable_values = variables
        async with self.client as session:
            data: dict[str, Any] = await session.execute(request)
        assert conformance_errors(self.spec, text, variables, data) == []
        return data


async def _guest_cart(shop: Storefront, sku: str = "24-MB01", qty: float = 2) -> str:
    cart = (await shop("mutation { createGuestCart { cart { id } } }"))["createGuestCart"]
    added = await shop(CART_FIELDS + """
        mutation Add($c: String!, $items: [CartItemInput!]!) {
          addProductsToCart(cartId: $c, cartItems: $items) {
            cart { ...CartPage } user_errors { code message } } }""",
                       c=cart["cart"]["id"], items=[{"sku": sku, "quantity": qty}])
    assert added["addProductsToCart"]["user_errors"] == []
    return str(cart["cart"]["id"])


async def _to_payment(shop: Storefront, cart: str, *, guest: bool = True,
                      address: dict[str, Any] | None = None) -> None:
    if guest:
        await shop("mutation($c:String!){ setGuestEmailOnCart(input:{cart_id:$c, "
                   "email:\"ann@example.com\"}) { cart { email } } }", c=cart)
    shipping = {"address": ADDRESS} if address is None else address
    set_address = await shop(CART_FIELDS + """
        mutation($c:String!, $a:[ShippingAddressInput!]!){ setShippingAddressesOnCart(
          input:{cart_id:$c, shipping_addresses:$a}) { cart { ...CartPage } } }""",
                             c=cart, a=[shipping])
    methods = set_address["setShippingAddressesOnCart"]["cart"]["shipping_addresses"][0][
        "available_shipping_methods"]
    method = next(m for m in methods if m["available"])
    await shop("""mutation($c:String!, $m:[ShippingMethodInput!]!){ setShippingMethodsOnCart(
        input:{cart_id:$c, shipping_methods:$m}) { cart { prices { grand_total { value } } } } }""",
               c=cart, m=[{"carrier_code": method["carrier_code"],
                           "method_code": method["method_code"]}])
    await shop("""mutation($c:String!){ setBillingAddressOnCart(input:{cart_id:$c,
        billing_address:{same_as_shipping:true}}) { cart { billing_address { city } } } }""",
               c=cart)
    await shop("""mutation($c:String!){ setPaymentMethodOnCart(input:{cart_id:$c,
        payment_method:{code:"checkmo"}}) { cart { selected_payment_method { code title } } } }""",
               c=cart)


PLACE = """mutation($c:String!){ placeOrder(input:{cart_id:$c}) {
    orderV2 { number token status total { grand_total { value currency } }
              items { __typename product_sku quantity_ordered } }
    errors { code message } } }"""


async def test_a_guest_checks_out_and_the_order_is_a_store_order(app: Any,
                                                                 spec: GraphQLSchema) -> None:
    shop = Storefront(app, spec)
    placed: list[Any] = []
    app.store.events.subscribe(placed.append)
    salable = app.store.inventory.salable("24-MB01")
    cart = await _guest_cart(shop)
    coupon = await shop("""mutation($c:String!){ applyCouponToCart(input:{cart_id:$c,
        coupon_code:"PEAKREADY10"}) { cart { applied_coupons { code } } } }""", c=cart)
    assert coupon["applyCouponToCart"]["cart"]["applied_coupons"] == [{"code": "PEAKREADY10"}]
    await _to_payment(shop, cart)
    order = (await shop(PLACE, c=cart))["placeOrder"]
    assert order["errors"] == []
    number = order["orderV2"]["number"]
    assert order["orderV2"]["total"]["grand_total"]["value"] == 2 * 34.0 + 2 * 5.0
    assert [e.increment_id for e in placed if e.kind == "order_placed"] == [number]
    assert app.store.inventory.salable("24-MB01") == salable - 2
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://magento.test") as rest:
        found = (await rest.get("/rest/V1/orders", headers=ADMIN, params={
            "searchCriteria[filter_groups][0][filters][0][field]": "increment_id",
            "searchCriteria[filter_groups][0][filters][0][value]": number})).json()
    assert [o["customer_email"] for o in found["items"]] == ["ann@example.com"]
    # the cart is spent: placing it again is CART_NOT_ACTIVE, in placeOrder's errors (2.4.7)
    again = (await shop(PLACE, c=cart))["placeOrder"]
    assert again["errors"][0]["code"] == "CART_NOT_ACTIVE"


async def test_a_customer_checks_out_with_a_saved_address_and_sees_the_order(
        app: Any, spec: GraphQLSchema) -> None:
    address = {"firstname": "Veronica", "lastname": "Costello", "street": ["6146 Honey Bluff"],
               "city": "Calder", "postcode": "49628", "country_id": "US", "region_id": 33,
               "region": "Michigan", "telephone": "5555555555", "default_shipping": True,
               "default_billing": True}
    app.store.add_customer("ann@example.com", "Secret-123", "Ann", "Lee", address)
    guest = Storefront(app, spec)
    token = (await guest('mutation { generateCustomerToken(email:"ann@example.com", '
                         'password:"Secret-123") { token } }'))["generateCustomerToken"]["token"]
    shop = Storefront(app, spec, token)
    me = await shop("{ customer { email addresses { id default_shipping } } }")
    saved = me["customer"]["addresses"][0]["id"]
    cart = (await shop("{ customerCart { id } }"))["customerCart"]["id"]
    await shop("""mutation($c:String!){ addProductsToCart(cartId:$c,
        cartItems:[{sku:"24-MB04", quantity:1}]) { user_errors { code } } }""", c=cart)
    await _to_payment(shop, cart, guest=False, address={"customer_address_id": saved})
    number = (await shop(PLACE, c=cart))["placeOrder"]["orderV2"]["number"]
    orders = await shop("""{ customer { orders(pageSize: 10, currentPage: 1,
        sort: {sort_field: CREATED_AT, sort_direction: DESC}) { total_count
        items { number status total { grand_total { value currency } } } } } }""")
    assert [o["number"] for o in orders["customer"]["orders"]["items"]] == [number]
    order = app.store.orders.by_id[max(app.store.orders.by_id)]
    assert order.customer_email == "ann@example.com" and order.customer_id is not None


async def test_cart_items_are_updated_removed_and_refused_with_user_errors(
        app: Any, spec: GraphQLSchema) -> None:
    shop = Storefront(app, spec)
    cart = await _guest_cart(shop)
    refused = await shop("""mutation($c:String!){ addProductsToCart(cartId:$c, cartItems:[
        {sku:"NOPE", quantity:1}, {sku:"OFF-1", quantity:1}, {sku:"24-MB04", quantity:50}]) {
        user_errors { __typename code message } } }""", c=cart)
    codes = [e["code"] for e in refused["addProductsToCart"]["user_errors"]]
    assert codes == ["PRODUCT_NOT_FOUND", "NOT_SALABLE", "INSUFFICIENT_STOCK"]
    items = (await shop("query($c:String!){ cart(cart_id:$c) { itemsV2 { items { __typename "
                        "uid quantity } } } }", c=cart))["cart"]["itemsV2"]["items"]
    updated = await shop("""mutation($c:String!, $u:ID!){ updateCartItems(input:{cart_id:$c,
        cart_items:[{cart_item_uid:$u, quantity:3}]}) { cart { total_quantity } } }""",
                         c=cart, u=items[0]["uid"])
    assert updated["updateCartItems"]["cart"]["total_quantity"] == 3
    removed = await shop("""mutation($c:String!, $u:ID!){ removeItemFromCart(input:{cart_id:$c,
        cart_item_uid:$u}) { cart { total_quantity } } }""", c=cart, u=items[0]["uid"])
    assert removed["removeItemFromCart"]["cart"]["total_quantity"] == 0


@pytest.mark.parametrize(("query", "message", "category"), [
    ('{ cart(cart_id:"0123456789abcdef0123456789abcdef") { id } }',
     'Could not find a cart with ID "0123456789abcdef0123456789abcdef"',
     "graphql-no-such-entity"),
    ("{ customer { email } }", "The current customer isn't authorized.",
     "graphql-authorization"),
    ('mutation { generateCustomerToken(email:"roni_cost@example.com", password:"wrong") '
     "{ token } }", "The account sign-in was incorrect or your account is disabled "
     "temporarily. Please wait and try again later.", "graphql-authentication"),
    ("{ products { total_count } }", "'search' or 'filter' input argument is required.",
     "graphql-input"),
    ('mutation { applyCouponToCart(input:{cart_id:"x", coupon_code:"NOPE"}) { cart { id } } }',
     'Could not find a cart with ID "x"', "graphql-no-such-entity"),
])
async def test_errors_come_in_magentos_shape(app: Any, spec: GraphQLSchema, query: str,
                                             message: str, category: str) -> None:
    shop = Storefront(app, spec)
    with pytest.raises(TransportQueryError) as caught:
        await shop(query)
    [error] = caught.value.errors or []
    assert error["message"] == message
    assert error["extensions"]["category"] == category


async def test_someone_elses_cart_is_not_yours(app: Any, spec: GraphQLSchema) -> None:
    app.store.add_customer("ann@example.com", "Secret-123", "Ann", "Lee")
    guest = Storefront(app, spec)
    token = (await guest('mutation { generateCustomerToken(email:"ann@example.com", '
                         'password:"Secret-123") { token } }'))["generateCustomerToken"]["token"]
    theirs = (await Storefront(app, spec, token)("{ customerCart { id } }"))["customerCart"]["id"]
    with pytest.raises(TransportQueryError) as caught:
        await guest("query($c:String!){ cart(cart_id:$c) { id } }", c=theirs)
    assert caught.value.errors is not None
    assert caught.value.errors[0]["message"] == \
        f'The current user cannot perform operations on cart "{theirs}"'
    assert caught.value.errors[0]["extensions"]["category"] == "graphql-authorization"


async def test_place_order_without_a_shipping_method_says_why(app: Any,
                                                              spec: GraphQLSchema) -> None:
    shop = Storefront(app, spec)
    cart = await _guest_cart(shop)
    await shop("mutation($c:String!){ setGuestEmailOnCart(input:{cart_id:$c, "
               "email:\"ann@example.com\"}) { cart { email } } }", c=cart)
    await shop("""mutation($c:String!, $a:[ShippingAddressInput!]!){ setShippingAddressesOnCart(
        input:{cart_id:$c, shipping_addresses:$a}) { cart { id } } }""", c=cart,
               a=[{"address": ADDRESS}])
    out = (await shop(PLACE, c=cart))["placeOrder"]
    assert out["orderV2"] is None
    assert out["errors"] == [{"code": "UNABLE_TO_PLACE_ORDER", "message": "The shipping method "
                              "is missing. Select the shipping method and try again."}]
