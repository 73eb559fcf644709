"""The storefront journeys as shoppers of a Luma-style store make them: HTML pages (served
from the full-page cache when warm), add to cart by form with the ``form_key``, the
``customer/section/load`` call the page's JavaScript makes, and the REST calls Luma's checkout
makes with the quote's masked id. Registered as ``<journey>@pages``.

::

    browse@pages            home → a category from the menu (page 1 or 2) → 2-3 products
    search@pages            /catalogsearch/result/?q=WORD, then its page 2
    abandoned_cart@pages    product pages → POST /checkout/cart/add (form_key) each →
                            customer/section/load → leave
    guest_checkout@pages    the same, then /checkout/ (its masked quote id) →
                            REST guest-carts estimate-shipping-methods → shipping-information →
                            payment-information (what Luma's checkout JS sends)
    customer_checkout@pages product pages, then the signed-in checkout's REST calls
                            (customer token, /V1/carts/mine/...: the REST journey's)

A shopper's session is its own PHPSESSID and form_key cookies (random per journey): PHP takes
an unknown session id as a new session, Magento takes the form key from its cookie.
"""

from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import quote, urlencode

from peakready.scenario.arrivals import Arrival
from peakready.scenario.client import MagentoClient, MagentoError, Transport
from peakready.scenario.edge_cases import edge_case_address
from peakready.scenario.journeys import (
    JOURNEYS,
    JourneyContext,
    Outcome,
    address_for,
    checkout_record,
    payment_choice,
    placed,
    shipping_choice,
)

__all__ = ["Shopper"]

_WORDS = ("a", "e", "o", "Pro", "Set", "Mini", "Max", "Lite")
_CATEGORY = re.compile(rb'<a class="category" href="(/[^"]+\.html)"')
_PRODUCT = re.compile(rb'<li class="product-item"[^>]*><a href="(/[^"]+\.html)"')
_PRODUCT_ID = re.compile(rb'name="product" value="(\d+)"')
_QUOTE = re.compile(rb'"quoteData": \{"entity_id": "([0-9A-Za-z]+)"')


class Shopper:
    """One browser session: its cookies on every page request."""

    def __init__(self, transport: Transport, rng: random.Random) -> None:
        self.transport = transport
        self.session = f"{rng.getrandbits(128):032x}"
        self.form_key = f"{rng.getrandbits(64):016x}"

    def _headers(self, accept: str) -> dict[str, str]:
        return {"Accept": accept,
                "Cookie": f"PHPSESSID={self.session}; form_key={self.form_key}"}

    def page(self, path: str, name: str) -> bytes:
        reply = self.transport.request("GET", path, name=name,
                                       headers=self._headers("text/html"))
        if reply.status != 200:
            raise MagentoError(reply.status, reply.error or
                               reply.body[:120].decode("utf-8", "replace"), name)
        return reply.body

    def add_to_cart(self, product_page: bytes, qty: int) -> None:
        found = _PRODUCT_ID.search(product_page)
        if found is None:
            raise MagentoError(200, "no add-to-cart form on the product page",
                               "POST /checkout/cart/add")
        form = urlencode({"product": found.group(1).decode(), "qty": qty,
                          "form_key": self.form_key}).encode()
        headers = {**self._headers("application/json"), "X-Requested-With": "XMLHttpRequest",
                   "Content-Type": "application/x-www-form-urlencoded"}
        reply = self.transport.request("POST", "/checkout/cart/add", name="/checkout/cart/add",
                                       headers=headers, data=form)
        if reply.status != 200:
            raise MagentoError(reply.status, "the item was not added (form key or stock)",
                               "/checkout/cart/add")
        messages = reply.json()
        if isinstance(messages, dict) and messages.get("messages"):
            raise MagentoError(200, str(messages["messages"][0]), "/checkout/cart/add")

    def section_load(self) -> Any:
        reply = self.transport.request("GET", "/customer/section/load/?sections=cart%2Cmessages"
                                       "&force_new_section_timestamp=false",
                                       name="/customer/section/load",
                                       headers=self._headers("application/json"))
        if reply.status != 200:
            raise MagentoError(reply.status, reply.error or "section load failed",
                               "/customer/section/load")
        return reply.json()

    def checkout_quote(self) -> str:
        body = self.page("/checkout/", "/checkout")
        found = _QUOTE.search(body)
        if found is None:
            raise MagentoError(200, "the checkout page has no quote", "/checkout")
        return found.group(1).decode()


def _product_path(ctx: JourneyContext, sku: str) -> str:
    return f"/{quote(ctx.catalogue.url_keys.get(sku, sku.lower()))}.html"


# ----------------------------------------------------------------------------- browsing
def browse(ctx: JourneyContext, arrival: Arrival, rng: random.Random, out: Outcome) -> Outcome:
    shopper = Shopper(ctx.magento, rng)
    try:
        home = shopper.page("/", "/ (home)")
        menu = _CATEGORY.findall(home)
        if not menu:
            return out
        category = rng.choice(menu).decode()
        listing = shopper.page(f"{category}?p={rng.randint(1, 2)}" if rng.random() < 0.3
                               else category, "/[category].html")
        products = _PRODUCT.findall(listing) or _PRODUCT.findall(home)
        for path in rng.sample(products, min(len(products), rng.randint(2, 3))):
            shopper.page(path.decode(), "/[product].html")
    except MagentoError as exc:
        return out.fail(exc)
    return out


def search(ctx: JourneyContext, arrival: Arrival, rng: random.Random, out: Outcome) -> Outcome:
    shopper = Shopper(ctx.magento, rng)
    word = quote(rng.choice(_WORDS))
    try:
        shopper.page(f"/catalogsearch/result/?q={word}", "/catalogsearch/result")
        shopper.page(f"/catalogsearch/result/?p=2&q={word}", "/catalogsearch/result")
    except MagentoError as exc:
        return out.fail(exc)
    return out


# ----------------------------------------------------------------------------- carts
def _fill(ctx: JourneyContext, shopper: Shopper, items: list[dict[str, Any]]) -> None:
    for item in items:
        page = shopper.page(_product_path(ctx, item["sku"]), "/[product].html")
        shopper.add_to_cart(page, item["qty"])
    shopper.section_load()


def abandoned_cart(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    shopper = Shopper(ctx.magento, rng)
    try:
        _fill(ctx, shopper, ctx.catalogue.basket(rng))
    except MagentoError as exc:
        return out.fail(exc)
    return out


def guest_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    email = f"guest.{ctx.seed}.{arrival.index:06d}@example.com"
    items = ctx.catalogue.basket(rng)
    edge = rng.random() < ctx.edge_case_share
    record = out.checkout = checkout_record(email, items, edge=edge, flash=False)
    address = address_for(ctx, rng, email)
    if edge:
        address = edge_case_address(address, rng)
    shopper = Shopper(ctx.magento, rng)
    store = MagentoClient(ctx.magento)
    try:
        _fill(ctx, shopper, items)
        cart = record["cart_id"] = shopper.checkout_quote()
        methods = store.guest(cart, "POST", "/estimate-shipping-methods", {"address": address})
        carrier, method = shipping_choice(methods)
        details = store.guest(cart, "POST", "/shipping-information", {"addressInformation": {
            "shipping_address": address, "billing_address": address,
            "shipping_carrier_code": carrier, "shipping_method_code": method}})
        order = store.guest(cart, "POST", "/payment-information", {
            "email": email, "paymentMethod": payment_choice(details),
            "billingAddress": address})
    except MagentoError as exc:
        return out.fail(exc)
    placed(ctx, out, order)
    return out


def customer_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                      out: Outcome) -> Outcome:
    shopper = Shopper(ctx.magento, rng)
    try:
        for item in ctx.catalogue.basket(random.Random(rng.random())):
            shopper.page(_product_path(ctx, item["sku"]), "/[product].html")
    except MagentoError as exc:
        return out.fail(exc)
    return JOURNEYS["customer_checkout"](ctx, arrival, rng, out)


for _name, _journey in (("browse", browse), ("search", search),
                        ("abandoned_cart", abandoned_cart), ("guest_checkout", guest_checkout),
                        ("customer_checkout", customer_checkout)):
    JOURNEYS.register(f"{_name}@pages", _journey)
