"""The storefront journeys as a headless storefront (PWA Studio, Vue Storefront, GraphCommerce)
makes them: GraphQL at ``/graphql``, cacheable queries by GET, the cart and checkout by POST
(spec/magento-graphql.md §4, §5, §7). Registered as ``<journey>@graphql``.

::

    browse@graphql            categories (menu) → products by category_uid (a page) →
                              two or three products by url_key (product pages)       GET
    search@graphql            products(search:) pages 1 and 2                         GET
    abandoned_cart@graphql    createGuestCart → addProductsToCart → cart → estimate   POST
    guest_checkout@graphql    createGuestCart → addProductsToCart → setGuestEmailOnCart →
                              setShippingAddressesOnCart → setShippingMethodsOnCart →
                              setBillingAddressOnCart → setPaymentMethodOnCart → placeOrder
    customer_checkout@graphql generateCustomerToken → customerCart → … with the customer's
                              saved address (customer_address_id) → placeOrder

An answer with ``errors`` (or placeOrder's own ``errors``) ends the journey as a failure with
Magento's message; the HTTP status stays the 200 Magento sends.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

from peakready.scenario.arrivals import Arrival
from peakready.scenario.client import MagentoError, Transport
from peakready.scenario.edge_cases import edge_case_address
from peakready.scenario.journeys import (
    CARD_METHOD,
    JOURNEYS,
    JourneyContext,
    Outcome,
    address_for,
    checkout_record,
)

__all__ = ["GraphQlClient", "graphql_address"]

_WORDS = ("a", "e", "o", "Pro", "Set", "Mini", "Max", "Lite")
CARD = ("uid sku name url_key url_suffix stock_status small_image { url label } "
        "price_range { minimum_price { regular_price { value currency } "
        "final_price { value currency } } }")
CART = ("id total_quantity prices { grand_total { value currency } } "
        "itemsV2 { items { uid quantity product { sku stock_status } } }")


class GraphQlClient:
    """POST (or GET, for cacheable queries) to ``/graphql``; ``data`` or MagentoError."""

    def __init__(self, transport: Transport, token: str | None = None) -> None:
        self.transport = transport
        self.token = token

    def __call__(self, operation: str, query: str, variables: dict[str, Any] | None = None,
                 *, get: bool = False) -> Any:
        headers = {"Store": "default"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        name = f"/graphql {operation}"
        if get:
            path = f"/graphql?query={quote(query)}"
            if variables:
                path += f"&variables={quote(json.dumps(variables, separators=(',', ':')))}"
            reply = self.transport.request("GET", path, name=name, headers=headers)
        else:
            reply = self.transport.request("POST", "/graphql", name=name, headers=headers,
                                           json={"query": query, "variables": variables or {}})
        if reply.status != 200:
            message = reply.error or reply.body[:200].decode("utf-8", "replace")
            raise MagentoError(reply.status, message, name)
        try:
            answer = reply.json()
        except ValueError as exc:
            raise MagentoError(reply.status, "not JSON", name) from exc
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            raise MagentoError(200, str(errors[0].get("message")), name)
        return answer.get("data") or {}


def graphql_address(rest: dict[str, Any]) -> dict[str, Any]:
    """A REST quote address as GraphQL's ``CartAddressInput``."""
    return {"firstname": rest["firstname"], "lastname": rest["lastname"],
            "street": list(rest["street"]), "city": rest["city"],
            "region": rest.get("region_code") or rest.get("region"),
            "region_id": rest.get("region_id"), "postcode": rest["postcode"],
            "country_code": rest["country_id"], "telephone": rest["telephone"],
            **({"company": rest["company"]} if rest.get("company") else {})}


# ----------------------------------------------------------------------------- browsing
def browse(ctx: JourneyContext, arrival: Arrival, rng: random.Random, out: Outcome) -> Outcome:
    shop = GraphQlClient(ctx.magento)
    try:
        menu = shop("categories", "query($p:String){ categories(filters:{parent_id:{eq:$p}}) "
                    "{ items { uid name url_path children { uid name url_path } } } }",
                    {"p": "2"}, get=True)
        tops = menu["categories"]["items"] or []
        if not tops:
            return out
        top = rng.choice(tops)
        category = rng.choice(top.get("children") or [top])
        listing = shop("products", f"query($u:String!,$n:Int){{ products(filter:{{category_uid:"
                       f"{{eq:$u}}}}, pageSize:12, currentPage:$n) {{ total_count items {{ "
                       f"{CARD} }} aggregations {{ attribute_code count }} }} }}",
                       {"u": category["uid"], "n": 1}, get=True)
        items = [i for i in listing["products"]["items"] or [] if i.get("url_key")]
        for item in rng.sample(items, min(len(items), rng.randint(2, 3))):
            shop("productDetail", f"query($k:String!){{ products(filter:{{url_key:{{eq:$k}}}}) "
                 f"{{ items {{ {CARD} categories {{ uid name }} }} }} }}",
                 {"k": item["url_key"]}, get=True)
    except MagentoError as exc:
        return out.fail(exc)
    return out


def search(ctx: JourneyContext, arrival: Arrival, rng: random.Random, out: Outcome) -> Outcome:
    shop = GraphQlClient(ctx.magento)
    word = rng.choice(_WORDS)
    try:
        for page in (1, 2):
            found = shop("productSearch", f"query($s:String!,$n:Int){{ products(search:$s, "
                         f"pageSize:10, currentPage:$n) {{ total_count items {{ {CARD} }} }} }}",
                         {"s": word, "n": page}, get=True)
            if (found["products"]["total_count"] or 0) <= 10:
                break   # no second page to ask for (Magento refuses one beyond the last)
    except MagentoError as exc:
        return out.fail(exc)
    return out


# ----------------------------------------------------------------------------- carts
def _fill(shop: GraphQlClient, cart: str, items: list[dict[str, Any]]) -> None:
    added = shop("addProductsToCart", f"mutation($c:String!,$i:[CartItemInput!]!){{ "
                 f"addProductsToCart(cartId:$c, cartItems:$i) {{ cart {{ {CART} }} "
                 f"user_errors {{ code message }} }} }}",
                 {"c": cart, "i": [{"sku": i["sku"], "quantity": i["qty"]} for i in items]})
    errors = added["addProductsToCart"]["user_errors"]
    if errors:
        raise MagentoError(200, f"{errors[0]['code']}: {errors[0]['message']}",
                           "/graphql addProductsToCart")


def abandoned_cart(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    shop = GraphQlClient(ctx.magento)
    try:
        cart = shop("createGuestCart", "mutation { createGuestCart { cart { id } } }")[
            "createGuestCart"]["cart"]["id"]
        _fill(shop, cart, ctx.catalogue.basket(rng))
        shop("cart", f"query($c:String!){{ cart(cart_id:$c) {{ {CART} }} }}", {"c": cart})
        address = address_for(ctx, rng, "abandoned@example.com")
        shop("estimateShippingMethods", "mutation($c:String!,$a:EstimateAddressInput!){ "
             "estimateShippingMethods(input:{cart_id:$c, address:$a}) { carrier_code "
             "method_code amount { value } } }",
             {"c": cart, "a": {"country_code": address["country_id"],
                               "postcode": address["postcode"]}})
    except MagentoError as exc:
        return out.fail(exc)
    return out


def _checkout(ctx: JourneyContext, shop: GraphQlClient, out: Outcome, cart: str,
              shipping: dict[str, Any], email: str | None) -> Outcome:
    assert out.checkout is not None
    out.checkout["cart_id"] = cart
    if email is not None:
        shop("setGuestEmailOnCart", "mutation($c:String!,$e:String!){ setGuestEmailOnCart("
             "input:{cart_id:$c, email:$e}) { cart { email } } }", {"c": cart, "e": email})
    addressed = shop("setShippingAddressesOnCart", "mutation($c:String!,"
                     "$a:[ShippingAddressInput!]!){ setShippingAddressesOnCart(input:{cart_id:$c,"
                     " shipping_addresses:$a}) { cart { shipping_addresses { "
                     "available_shipping_methods { carrier_code method_code available "
                     "amount { value } } } } } }", {"c": cart, "a": [shipping]})
    methods = addressed["setShippingAddressesOnCart"]["cart"]["shipping_addresses"][0][
        "available_shipping_methods"] or []
    method = next((m for m in methods if m.get("available")), None)
    if method is None:
        raise MagentoError(200, "no shipping method offered", "/graphql setShippingAddresses")
    shop("setShippingMethodsOnCart", "mutation($c:String!,$m:[ShippingMethodInput!]!){ "
         "setShippingMethodsOnCart(input:{cart_id:$c, shipping_methods:$m}) { cart { prices { "
         "grand_total { value } } } } }",
         {"c": cart, "m": [{"carrier_code": method["carrier_code"],
                            "method_code": method["method_code"]}]})
    billed = shop("setBillingAddressOnCart", "mutation($c:String!){ setBillingAddressOnCart("
                  "input:{cart_id:$c, billing_address:{same_as_shipping:true}}) { cart { "
                  "available_payment_methods { code } } } }", {"c": cart})
    codes = [m["code"] for m in billed["setBillingAddressOnCart"]["cart"][
        "available_payment_methods"] or []]
    # The integration's card method when the store offers it (the payment mock sees it).
    code = next((c for c in (CARD_METHOD, "checkmo") if c in codes),
                codes[0] if codes else "checkmo")
    shop("setPaymentMethodOnCart", "mutation($c:String!,$p:String!){ setPaymentMethodOnCart("
         "input:{cart_id:$c, payment_method:{code:$p}}) { cart { selected_payment_method { "
         "code } } } }", {"c": cart, "p": code})
    placed = shop("placeOrder", "mutation($c:String!){ placeOrder(input:{cart_id:$c}) { "
                  "order { order_number order_id } orderV2 { number } errors { code message } "
                  "} }", {"c": cart})["placeOrder"]
    if placed.get("errors"):
        error = placed["errors"][0]
        raise MagentoError(200, f"{error['code']}: {error['message']}", "/graphql placeOrder")
    order = placed.get("order") or {}
    out.checkout["increment_id"] = order.get("order_number")
    raw_id = order.get("order_id")
    out.checkout["order_id"] = int(str(raw_id)) if str(raw_id or "").isdigit() else None
    if ctx.clock is not None:
        out.end_wall = ctx.clock()
    return out


def guest_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    email = f"guest.{ctx.seed}.{arrival.index:06d}@example.com"
    items = ctx.catalogue.basket(rng)
    edge = rng.random() < ctx.edge_case_share
    out.checkout = checkout_record(email, items, edge=edge, flash=False)
    address = address_for(ctx, rng, email)
    if edge:
        address = edge_case_address(address, rng)
    shop = GraphQlClient(ctx.magento)
    try:
        cart = shop("createGuestCart", "mutation { createGuestCart { cart { id } } }")[
            "createGuestCart"]["cart"]["id"]
        out.checkout["cart_id"] = cart
        _fill(shop, cart, items)
        return _checkout(ctx, shop, out, cart, {"address": graphql_address(address)}, email)
    except MagentoError as exc:
        return out.fail(exc)


def customer_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                      out: Outcome) -> Outcome:
    customers = ctx.catalogue.customers
    customer = customers[arrival.index % len(customers)]
    items = ctx.catalogue.basket(rng)
    edge = rng.random() < ctx.edge_case_share
    out.checkout = checkout_record(customer.email, items, edge=edge, flash=False)
    try:
        token = GraphQlClient(ctx.magento)(
            "generateCustomerToken", "mutation($e:String!,$p:String!){ generateCustomerToken("
            "email:$e, password:$p) { token } }",
            {"e": customer.email, "p": customer.password})["generateCustomerToken"]["token"]
        shop = GraphQlClient(ctx.magento, token)
        cart = shop("customerCart", "{ customerCart { id } }")["customerCart"]["id"]
        out.checkout["cart_id"] = cart
        _fill(shop, cart, items)
        me = shop("customer", "{ customer { addresses { id default_shipping } } }")["customer"]
        saved = next(iter(me.get("addresses") or []), None)
        if saved is not None and not edge:
            shipping: dict[str, Any] = {"customer_address_id": saved["id"]}
        else:
            address = address_for(ctx, rng, customer.email)
            shipping = {"address": graphql_address(
                edge_case_address(address, rng) if edge else address)}
        return _checkout(ctx, shop, out, cart, shipping, None)
    except MagentoError as exc:
        return out.fail(exc)


for _name, _journey in (("browse", browse), ("search", search),
                        ("abandoned_cart", abandoned_cart), ("guest_checkout", guest_checkout),
                        ("customer_checkout", customer_checkout)):
    JOURNEYS.register(f"{_name}@graphql", _journey)
