"""The journeys: what one shopper, buyer, ERP clerk or marketer does, as plain functions.

::

    JOURNEYS[name](ctx, arrival, rng, out) ──► out, filled in as the journey goes:
                          Outcome(ok, status, error, step, checkout)  (the runner keeps what
                          a journey that raised or timed out had filled in)
      browse              a category page (product list) and two or three product views
      search              a name search with paging
      abandoned_cart      guest cart, items, totals, estimate shipping, leave
      guest_checkout      cart → items → estimate → shipping-information → payment-information
      customer_checkout   customer token → mine cart → items → saved address → place order
      flash_sale          a guest checkout of one scarce SKU (the buyers race, arrivals.py)
      erp_stock_push      the ERP's own on-hand change (POST /api/stock/adjustments)
      crm_edits           marketing edits CRM-owned fields (PUT /api/contacts/{email}/preferences)
      backoffice          admin order search, then cancel a pending order, refund a complete
                          one (credit memo) or hold an order and release it (load.lifecycle)
      account_edits       a customer signs in and edits their account (PUT /V1/customers/me)

These are the REST journeys; ``graphql_journeys.py`` and ``page_journeys.py`` register the same
journeys as a headless or a Luma storefront makes them (``browse@graphql``, ``browse@pages``);
``storefronts.journey_for(name, storefront)`` picks one.

Every call is bounded (one request each, no loops on the store's answers); a failed call ends
the journey as a recorded failure with its status, message and step, never an exception. The
same functions run inside Locust (peakready.scenario.plugin, the scenario files) and against an
in-process app in tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from peakready.registry import Registry
from peakready.scenario.arrivals import Arrival
from peakready.scenario.catalogue import Catalogue
from peakready.scenario.client import JsonClient, MagentoClient, MagentoError, Transport
from peakready.scenario.edge_cases import edge_case_address

__all__ = [
    "JOURNEYS",
    "Journey",
    "JourneyContext",
    "Outcome",
    "address_for",
    "arrival_rng",
    "checkout_record",
    "payment_choice",
    "placed",
    "shipping_choice",
]

# The Magento simulator's card payment method (its payment module on the gateway mock, whose
# evidence payment_integrity reads): preferred at checkout whenever the store offers it.
CARD_METHOD = "peakready_card"
_SEARCH_WORDS = ("a", "e", "o", "Pro", "Set", "Mini", "Max", "Lite")
_SEGMENTS = ("new", "regular", "vip", "lapsed")


Journey = Callable[["JourneyContext", Arrival, random.Random, "Outcome"], "Outcome"]
#: name → journey; a storefront's own way of a journey is ``name@storefront`` (``browse@pages``),
#: looked up by :func:`peakready.scenario.storefronts.journey_for`.
JOURNEYS: Registry[Journey] = Registry("journey")


@dataclass
class JourneyContext:
    """What a journey needs: transports to the targets, the catalogue, the plan's knobs."""

    magento: Transport
    catalogue: Catalogue
    seed: int = 0
    erp: Transport | None = None
    crm: Transport | None = None
    admin_token: str | None = None
    edge_case_share: float = 0.0
    flash_skus: tuple[str, ...] = ()
    flash_qty: int = 1
    resolve_increment_ids: bool = True
    clock: Callable[[], float] | None = None
    #: journey → rest | graphql | pages (``load.storefront``); a journey not named speaks rest
    storefront: Mapping[str, str] = field(default_factory=dict)
    #: back-office action → weight (load.lifecycle: cancel, refund, hold)
    backoffice_actions: dict[str, float] = field(default_factory=lambda: {
        "cancel": 0.4, "refund": 0.4, "hold": 0.2})

    def store(self, token: str | None = None) -> MagentoClient:
        return MagentoClient(self.magento, token)


@dataclass
class Outcome:
    ok: bool = True
    status: int = 200
    error: str | None = None
    step: str | None = None
    #: checkouts.jsonl fields the journey knows (None: not a checkout attempt).
    checkout: dict[str, Any] | None = None
    #: when the shopper's part ended (later lookups for the evidence are not their latency).
    end_wall: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def fail(self, exc: MagentoError) -> Outcome:
        self.ok, self.status, self.error, self.step = False, exc.status, exc.message, exc.step
        return self

    def refuse(self, error: str, step: str) -> Outcome:
        """A failure before any request (status 0): a missing target or token."""
        self.ok, self.status, self.error, self.step = False, 0, error, step
        return self


def _record(email: str | None, items: list[dict[str, Any]], *, edge: bool,
            flash: bool) -> dict[str, Any]:
    """The checkouts.jsonl fields a checkout journey fills in as it goes."""
    return {"cart_id": None, "quote_id": None, "order_id": None, "increment_id": None,
            "customer_email": email, "items": items, "edge_case": edge, "flash_sale": flash}


def arrival_rng(seed: int, arrival: Arrival) -> random.Random:
    """The arrival's own choices: the same whichever worker runs it."""
    return random.Random(f"{seed}:{arrival.journey}:{arrival.index}")


# ----------------------------------------------------------------------- storefront
def browse(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
           out: Outcome) -> Outcome:
    # Magento's product REST routes need a token (Magento_Catalog::products), as the
    # performance toolkit's API pool uses: the integration token stands in for the storefront.
    store = ctx.store(ctx.admin_token)
    try:
        page = store.products({"status": ("eq", 1)}, page_size=12, page=rng.randint(1, 5),
                              name="/V1/products[category]")
        items = [i.get("sku") for i in page.get("items", []) if isinstance(i, dict)]
        for sku in rng.sample(items, min(len(items), rng.randint(2, 3))):
            store.product(str(sku))
    except MagentoError as exc:
        return out.fail(exc)
    return out


def search(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
           out: Outcome) -> Outcome:
    store = ctx.store(ctx.admin_token)
    word = rng.choice(_SEARCH_WORDS)
    try:
        for page in (1, 2):
            store.products({"name": ("like", f"%{word}%")}, page_size=10, page=page,
                           name="/V1/products[search]")
    except MagentoError as exc:
        return out.fail(exc)
    return out


def _address(ctx: JourneyContext, rng: random.Random, email: str) -> dict[str, Any]:
    customer = rng.choice(ctx.catalogue.customers)
    return {"firstname": customer.firstname, "lastname": customer.lastname,
            "street": [customer.street], "city": customer.city,
            "region": customer.region, "region_id": customer.region_id,
            "region_code": customer.region_code, "postcode": customer.postcode,
            "country_id": customer.country_id, "telephone": customer.telephone,
            "email": email}


def _fill_guest_cart(store: MagentoClient, cart: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        store.add_guest_item(cart, item["sku"], item["qty"])


def _shipping_choice(methods: Any) -> tuple[str, str]:
    if isinstance(methods, list):
        for method in methods:
            if isinstance(method, dict) and method.get("available", True):
                return str(method.get("carrier_code")), str(method.get("method_code"))
    raise MagentoError(200, "no shipping method offered", "estimate-shipping-methods")


def _payment_choice(details: Any) -> dict[str, Any]:
    codes = [m.get("code") for m in (details or {}).get("payment_methods", [])
             if isinstance(m, dict)]
    # The integration's card method when the store offers it (the payment mock sees it).
    for code in (CARD_METHOD, "checkmo"):
        if code in codes:
            return {"method": code}
    return {"method": codes[0] if codes else "checkmo"}


def abandoned_cart(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    store = ctx.store()
    try:
        cart = store.guest_cart()
        _fill_guest_cart(store, cart, ctx.catalogue.basket(rng))
        store.guest(cart, "GET", "/totals")
        address = _address(ctx, rng, "abandoned@example.com")
        store.guest(cart, "POST", "/estimate-shipping-methods",
                    {"address": {k: address[k] for k in ("country_id", "postcode", "region_id")}})
    except MagentoError as exc:
        return out.fail(exc)
    return out


def _place_guest(ctx: JourneyContext, rng: random.Random, out: Outcome,
                 items: list[dict[str, Any]], email: str, *, flash: bool) -> Outcome:
    store = ctx.store()
    edge = (not flash) and rng.random() < ctx.edge_case_share
    address = _address(ctx, rng, email)
    if edge:
        address = edge_case_address(address, rng)
    record = out.checkout = _record(email, items, edge=edge, flash=flash)
    try:
        cart = store.guest_cart()
        record["cart_id"] = cart
        for item in items:
            added = store.add_guest_item(cart, item["sku"], item["qty"])
            if record["quote_id"] is None and isinstance(added, dict):
                record["quote_id"] = _int(added.get("quote_id"))
        methods = store.guest(cart, "POST", "/estimate-shipping-methods", {"address": address})
        carrier, method = _shipping_choice(methods)
        details = store.guest(cart, "POST", "/shipping-information", {"addressInformation": {
            "shipping_address": address, "billing_address": address,
            "shipping_carrier_code": carrier, "shipping_method_code": method}})
        order = store.guest(cart, "POST", "/payment-information", {
            "email": email, "paymentMethod": _payment_choice(details), "billingAddress": address})
    except MagentoError as exc:
        return out.fail(exc)
    _placed(ctx, out, order)
    return out


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _placed(ctx: JourneyContext, out: Outcome, order: Any) -> None:
    assert out.checkout is not None
    out.checkout["order_id"] = _int(order)
    if ctx.clock is not None:
        out.end_wall = ctx.clock()
    if ctx.resolve_increment_ids and ctx.admin_token and out.checkout["order_id"] is not None:
        try:
            found = ctx.store(ctx.admin_token).call(
                "GET", f"/V1/orders/{out.checkout['order_id']}?fields=increment_id,quote_id",
                "/V1/orders/[id]?fields")
            out.checkout["increment_id"] = found.get("increment_id")
            if out.checkout["quote_id"] is None:
                out.checkout["quote_id"] = _int(found.get("quote_id"))
        except (MagentoError, AttributeError):
            pass  # increment_id stays null: the checks resolve it from Magento's evidence


def guest_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    email = f"guest.{ctx.seed}.{arrival.index:06d}@example.com"
    return _place_guest(ctx, rng, out, ctx.catalogue.basket(rng), email, flash=False)


def flash_sale(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
               out: Outcome) -> Outcome:
    skus = ctx.flash_skus or ctx.catalogue.hot_skus
    if not skus:
        out.checkout = _record(None, [], edge=False, flash=True)
        return out.refuse("no flash-sale SKUs", "flash_sale")
    sku = skus[arrival.index % len(skus)]
    email = f"flash.{ctx.seed}.{arrival.index:06d}@example.com"
    return _place_guest(ctx, rng, out, [{"sku": sku, "qty": ctx.flash_qty}], email, flash=True)


def customer_checkout(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                      out: Outcome) -> Outcome:
    customers = ctx.catalogue.customers
    customer = customers[arrival.index % len(customers)]
    items = ctx.catalogue.basket(rng)
    edge = rng.random() < ctx.edge_case_share
    record = out.checkout = _record(customer.email, items, edge=edge, flash=False)
    try:
        token = ctx.store().customer_token(customer.email, customer.password)
        store = ctx.store(token)
        quote_id = _int(store.mine("POST", ""))
        record["quote_id"] = quote_id
        record["cart_id"] = str(quote_id) if quote_id is not None else None
        for item in items:
            store.mine("POST", "/items", {"cartItem": {"sku": item["sku"], "qty": item["qty"],
                                                      "quote_id": quote_id}})
        me = store.me()
        saved = next(iter(me.get("addresses") or []), None) if isinstance(me, dict) else None
        if isinstance(saved, dict):
            address = {k: saved[k] for k in ("firstname", "lastname", "street", "city",
                                             "postcode", "country_id", "telephone",
                                             "region_id") if k in saved}
            if saved.get("id") is not None:
                address["customer_address_id"] = saved["id"]
        else:
            address = _address(ctx, rng, customer.email)
            address.pop("email")
        if edge:
            address = edge_case_address(address, rng)
            address.pop("customer_address_id", None)
        methods = store.mine("POST", "/estimate-shipping-methods", {"address": address})
        carrier, method = _shipping_choice(methods)
        details = store.mine("POST", "/shipping-information", {"addressInformation": {
            "shipping_address": address, "billing_address": address,
            "shipping_carrier_code": carrier, "shipping_method_code": method}})
        order = store.mine("POST", "/payment-information", {
            "paymentMethod": _payment_choice(details), "billingAddress": address})
    except MagentoError as exc:
        return out.fail(exc)
    _placed(ctx, out, order)
    return out


# ------------------------------------------------------------------------------ sync
def erp_stock_push(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                   out: Outcome) -> Outcome:
    if ctx.erp is None:
        return out.refuse("no ERP URL", "erp_stock_push")
    sku = rng.choice(ctx.catalogue.regular_skus)
    delta = rng.choice((-2, -1, 1, 2, 5, 10))
    try:
        JsonClient(ctx.erp).call("POST", "/api/stock/adjustments", "/api/stock/adjustments",
                                 {"sku": sku, "delta": delta})
    except MagentoError as exc:
        return out.fail(exc)
    out.extra.update(sku=sku, delta=delta)
    return out


def crm_edits(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
              out: Outcome) -> Outcome:
    if ctx.crm is None:
        return out.refuse("no CRM URL", "crm_edits")
    email = rng.choice(ctx.catalogue.customers).email
    body = {"marketing_consent": rng.random() < 0.5, "segment": rng.choice(_SEGMENTS),
            "lead_score": rng.randint(0, 100)}
    try:
        JsonClient(ctx.crm).call("PUT", f"/api/contacts/{quote(email, safe='@')}/preferences",
                                 "/api/contacts/[email]/preferences", body)
    except MagentoError as exc:
        return out.fail(exc)
    return out


def account_edits(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
                  out: Outcome) -> Outcome:
    customer = ctx.catalogue.customers[arrival.index % len(ctx.catalogue.customers)]
    try:
        store = ctx.store(ctx.store().customer_token(customer.email, customer.password))
        me = store.me()
        if not isinstance(me, dict):
            return out.refuse("GET /V1/customers/me answered no customer", "account_edits")
        # Magento-owned fields only: what a shopper changes on the account page.
        changed = {**me, "lastname": f"{customer.lastname} {rng.randint(1, 999)}"}
        if rng.random() < 0.5:
            changed["extension_attributes"] = {
                **(me.get("extension_attributes") or {}), "is_subscribed": rng.random() < 0.5}
        store.call("PUT", "/V1/customers/me", "/V1/customers/me", {"customer": changed})
    except MagentoError as exc:
        return out.fail(exc)
    return out


# Which orders each back-office action looks for: a cancellation before anything shipped
# (Magento's pending), a refund of a finished order (the goods left and were paid), a hold of
# an order not yet finished. Newest first: the clerk works on today's orders.
_BACKOFFICE_FILTERS: dict[str, dict[str, tuple[str, Any]]] = {
    "cancel": {"status": ("eq", "pending")},
    "refund": {"state": ("eq", "complete")},
    "hold": {"state": ("in", "new,processing")},
}


def _refund(admin: Any, order: dict[str, Any], entity_id: int) -> None:
    """Money back, goods not returned to stock (the ERP owns on-hand). An order paid with the
    simulator's card is refunded online, by its invoice (the clerk's "Refund" on the invoice:
    the gateway gives the money back); any other, offline (``RefundOrder``), as before: the
    harness never asks a real store's own payment provider for money back. An invoice that
    was not captured online cannot be refunded online: then offline too, as a clerk would."""
    payment = order.get("payment")
    method = payment.get("method") if isinstance(payment, dict) else None
    if method == CARD_METHOD:
        invoices = [i for i in admin.invoices(entity_id).get("items") or []
                    if isinstance(i, dict)]
        if invoices:
            try:
                admin.refund_invoice(int(invoices[-1]["entity_id"]),
                                     {"items": [], "isOnline": True, "notify": False})
                return
            except MagentoError as exc:
                if exc.status != 400:
                    raise
                # "Cannot create online refund for offline invoice": the clerk refunds
                # offline (no money moves at the gateway: payment_integrity will say so)
    admin.order_action(entity_id, "refund", {"items": [], "notify": False})


def backoffice(ctx: JourneyContext, arrival: Arrival, rng: random.Random,
               out: Outcome) -> Outcome:
    if not ctx.admin_token:
        return out.refuse("no admin token", "backoffice")
    actions = ctx.backoffice_actions
    if not actions:
        return out
    action = rng.choices(list(actions), weights=list(actions.values()))[0]
    admin = ctx.store(ctx.admin_token)
    try:
        found = admin.orders(_BACKOFFICE_FILTERS[action], page_size=20, sort="entity_id")
        orders = [o for o in found.get("items", []) if isinstance(o, dict)]
        if not orders:
            out.extra.update(action=action, order_id=None)
            return out
        order = rng.choice(orders)
        entity_id = int(order["entity_id"])
        if action == "refund":
            _refund(admin, order, entity_id)
        elif action == "hold":
            admin.order_action(entity_id, "hold")
            admin.order_action(entity_id, "unhold")
        else:
            admin.order_action(entity_id, "cancel")
    except MagentoError as exc:
        return out.fail(exc)
    out.extra.update(order_id=entity_id, action=action)
    return out


for _journey in (browse, search, abandoned_cart, guest_checkout, customer_checkout, flash_sale,
                 erp_stock_push, crm_edits, backoffice, account_edits):
    JOURNEYS.register(_journey.__name__, _journey)


# Shared with the storefront variants (graphql_journeys.py, page_journeys.py).
address_for = _address
checkout_record = _record
placed = _placed
shipping_choice = _shipping_choice
payment_choice = _payment_choice
