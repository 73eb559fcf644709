"""Checkout routes, guest and ``/mine`` (spec §2): cart, items, totals, shipping, payment, order.

Each handler is registered twice, under ``/V1/guest-carts/:cartId/...`` (anonymous) and
``/V1/carts/mine/...`` (customer token); ``carts.resolve`` picks the quote either way.
Placing an order: backpressure (2.4.7+) → quote validation → MSI reserve (strict or race) →
order saved → cart deactivated → ``OrderPlaced`` emitted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .carts import (
    Cart,
    add_item,
    item_id_of,
    remove_item,
    render_cart,
    resolve,
    shipping_amount,
    totals,
    update_item,
)
from .inventory import stock_error
from .rest import (
    WebapiError,
    as_object,
    check_fields,
    input_exception,
    required_error,
    to_int,
    to_str,
)

if TYPE_CHECKING:
    from .routing import Call, Handler, Router
    from .state import Store

__all__ = ["flat_rate_methods", "normalize_address", "place_order", "register", "set_payment"]

QUOTE_ADDRESS_FIELDS = frozenset({
    "id", "region", "region_id", "region_code", "country_id", "street", "company", "telephone",
    "fax", "postcode", "city", "firstname", "lastname", "middlename", "prefix", "suffix",
    "vat_id", "customer_id", "email", "same_as_billing", "customer_address_id",
    "save_in_address_book", "extension_attributes", "custom_attributes"})
_ADDRESS_REQUIRED = ("firstname", "lastname", "street", "city", "country_id", "postcode",
                     "telephone")
SHIPPING_INFO_FIELDS = frozenset({"shipping_address", "billing_address", "shipping_method_code",
                                  "shipping_carrier_code", "extension_attributes",
                                  "custom_attributes"})
PAYMENT_FIELDS = frozenset({"method", "po_number", "additional_data", "extension_attributes"})
MSG_METHOD_MISSING = "The shipping method is missing. Select the shipping method and try again."
MSG_PAYMENT = "The requested Payment Method is not available."


def normalize_address(store: Store, raw: Any, field: str, *, strict: bool) -> dict[str, Any]:
    data = as_object(raw, field)
    check_fields(data, QUOTE_ADDRESS_FIELDS, store.cfg.version,
                 "Magento\\Quote\\Api\\Data\\AddressInterface")
    street = data.get("street")
    if isinstance(street, str):
        street = [street]
    if strict:
        missing = [required_error(f) for f in _ADDRESS_REQUIRED
                   if data.get(f) in (None, "", [])]
        if missing:
            raise input_exception(missing)
    region = data.get("region")
    if isinstance(region, dict):
        region = region.get("region")
    out = {key: data.get(key) for key in ("region_id", "region_code", "country_id",
                                          "telephone", "postcode", "city", "firstname",
                                          "lastname", "email")}
    out["region"] = region
    out["street"] = [to_str(s) for s in street] if isinstance(street, list) else street
    for key in ("company", "middlename", "customer_id", "customer_address_id"):
        if data.get(key) is not None:
            out[key] = data[key]
    out["same_as_billing"] = int(bool(data.get("same_as_billing", 0)))
    out["save_in_address_book"] = int(bool(data.get("save_in_address_book", 0)))
    return out


def _methods(store: Store, cart: Cart) -> list[dict[str, Any]]:
    if not cart.items:
        return []
    amount = round(store.cfg.flat_rate * cart.items_qty, 4)
    return [{"carrier_code": "flatrate", "method_code": "flatrate", "carrier_title": "Flat Rate",
             "method_title": "Fixed", "amount": amount, "base_amount": amount,
             "available": True, "error_message": "", "price_excl_tax": amount,
             "price_incl_tax": amount}]


def _payment_methods(store: Store) -> list[dict[str, str]]:
    return [{"code": code, "title": title} for code, title in store.cfg.payment_methods.items()]


def _set_payment(store: Store, cart: Cart, raw: Any) -> str:
    data = as_object(raw, "paymentMethod")
    check_fields(data, PAYMENT_FIELDS, store.cfg.version,
                 "Magento\\Quote\\Api\\Data\\PaymentInterface")
    method = data.get("method")
    if not isinstance(method, str) or method not in store.cfg.payment_methods:
        raise WebapiError(400, MSG_PAYMENT)
    cart.payment_method = method
    extra = data.get("additional_data")
    if isinstance(extra, dict) and store.card is not None and store.card.takes(cart):
        store.card.payment_data(cart, extra)
    return method


def _backpressure(store: Store, call: Call) -> None:
    bp = store.cfg.backpressure
    if not bp.enabled or store.cfg.version < (2, 4, 7):
        return
    guest = call.principal.kind == "guest"
    key = f"ip:{call.client}" if guest else f"{call.principal.kind}:{call.principal.user_id}"
    limit = bp.guest_limit if guest else bp.limit
    now = time.monotonic()
    window = store.backpressure.setdefault(key, deque())
    while window and window[0] <= now - bp.period:
        window.popleft()
    if len(window) >= limit:
        raise WebapiError(429, "Too Many Requests")
    window.append(now)


async def place_order(store: Store, call: Call, cart: Cart) -> int | str:
    """QuoteManagement::placeOrder with MSI's check-then-append (spec §2.3, §4.3)."""
    _backpressure(store, call)
    if not cart.items:
        raise WebapiError(400, "Please check the shopping cart.")  # unverified wording
    if cart.shipping_address is None or cart.carrier_code is None:
        raise WebapiError(400, MSG_METHOD_MISSING)
    if cart.billing_address is None:
        cart.billing_address = dict(cart.shipping_address)
    if cart.payment_method is None:
        raise WebapiError(400, "Enter a valid payment method and try again.")
    if cart.customer_id is None and not (cart.email or cart.billing_address.get("email")):
        raise WebapiError(400, "Email has a wrong format")
    wanted: dict[str, float] = {}
    for line in cart.items.values():
        product = store.catalog.get(line.sku)
        if product is None or product.status != 1:
            raise WebapiError(400, "Some of the products are disabled.")
        wanted[line.sku] = wanted.get(line.sku, 0.0) + line.qty
    # The quote is taken while reservations are in flight, so a double submit of the same
    # cart cannot create two orders (Magento locks the quote row the same way).
    cart.is_active = False
    order_id, increment_id = store.orders.allocate()
    card = store.card if store.card is not None and store.card.takes(cart) else None
    payment_id = None
    try:
        if card is not None:   # the payment method authorizes first (Braintree's does)
            payment_id = await card.authorize(store, cart, increment_id)
        # Hook: reserve stock (plus the integration's checks, if installed).
        short = await store.hooks.place(store, cart, wanted, order_id, increment_id)
    except BaseException:
        cart.is_active = True
        if card is not None and payment_id is not None:
            card.abandon(payment_id)
        raise
    if short:
        cart.is_active = True
        if card is not None and payment_id is not None:
            card.abandon(payment_id)
        sku = short[0]
        raise stock_error(store.cfg.version, store.cfg.not_available_message,
                          store.inventory.salable(sku), wanted[sku])
    customer = store.customers.by_id.get(cart.customer_id) if cart.customer_id else None
    order = store.orders.create_from_cart(cart, order_id, increment_id, now=store.now(),
                                          customer=customer,
                                          shipping=shipping_amount(store, cart))
    if card is not None and payment_id is not None:
        card.placed(cart, increment_id, payment_id)
    store.carts.deactivate(cart)
    await store.events.emit(store.orders.placed_event(order))
    return str(order.entity_id) if store.cfg.ids_as_strings else order.entity_id


def register(router: Router) -> None:
    def both(method: str, suffix: str) -> Callable[[Handler], Handler]:
        def deco(handler: Handler) -> Handler:
            # guest, customer (/mine) and admin-side (numeric quote ids, the toolkit's API
            # pool) spellings of one service method, where Magento's schema has them
            for prefix, acl in (("/V1/guest-carts/{cartId}", "anonymous"),
                                ("/V1/carts/mine", "self"),
                                ("/V1/carts/{cartId}", "Magento_Cart::manage")):
                if router.has(method, prefix + suffix):
                    router.add(method, prefix + suffix, acl)(handler)
            return handler
        return deco

    @router.add("POST", "/V1/guest-carts", "anonymous")
    async def create_guest(call: Call) -> Any:
        cart = call.store.carts.create_guest(call.store.now())
        return cart.masked_id

    @router.add("POST", "/V1/carts", "Magento_Cart::manage")
    async def create_admin(call: Call) -> Any:
        return call.store.carts.create_empty(call.store.now())

    @router.add("POST", "/V1/customers/{customerId}/carts", "Magento_Cart::manage")
    async def create_for_customer(call: Call) -> Any:
        customer_id = to_int(call.path["customerId"])
        if customer_id not in call.store.customers.by_id:
            raise WebapiError(404, "No such entity with %fieldName = %fieldValue",
                              {"fieldName": "customerId", "fieldValue": customer_id})
        return call.store.carts.for_customer(customer_id, call.store.now()).id

    @router.add("PUT", "/V1/guest-carts/{cartId}", "anonymous")
    async def assign_customer(call: Call) -> Any:
        store = call.store
        cart = store.carts.guest(call.path["cartId"])
        customer_id = to_int(call.body.get("customer_id") or 0)
        if call.principal.kind != "customer" or call.principal.user_id != customer_id:
            raise WebapiError(401, "The consumer isn't authorized to access %resources.",
                              {"resources": "self"})
        if cart.customer_id is not None:
            raise WebapiError(400, "Cannot assign customer to the given cart. The cart is not "
                              "anonymous.")
        current = store.carts.active_by_customer.get(customer_id)
        if current is not None and current.is_active and current.items:
            raise WebapiError(400, "Cannot assign customer to the given cart. Customer "
                              "already has active cart.")
        store.carts.adopt(cart, customer_id)
        return True

    @router.add("POST", "/V1/carts/mine", "self")
    async def create_mine(call: Call) -> Any:
        return call.store.carts.for_customer(call.principal.user_id, call.store.now()).id

    @both("GET", "")
    async def get_cart(call: Call) -> Any:
        return render_cart(call.store, resolve(call))

    @both("GET", "/items")
    async def list_items(call: Call) -> Any:
        cart = resolve(call)
        return [i.out(cart.id) for i in cart.items.values()]

    @both("POST", "/items")
    async def add(call: Call) -> Any:
        data = as_object(call.body.get("cart_item"), "cartItem")
        cart = resolve(call, from_item=data)
        return add_item(call.store, cart, data).out(cart.id)

    @both("PUT", "/items/:itemId")
    async def update(call: Call) -> Any:
        data = as_object(call.body.get("cart_item"), "cartItem")
        cart = resolve(call, from_item=data)
        return update_item(call.store, cart, item_id_of(call), data).out(cart.id)

    @both("DELETE", "/items/:itemId")
    async def delete(call: Call) -> Any:
        cart = resolve(call)
        return remove_item(call.store, cart, item_id_of(call))

    @both("GET", "/totals")
    async def get_totals(call: Call) -> Any:
        return totals(call.store, resolve(call))

    @both("POST", "/estimate-shipping-methods")
    async def estimate(call: Call) -> Any:
        cart = resolve(call)
        address = normalize_address(call.store, call.body.get("address"), "address",
                                    strict=False)
        hooked = await call.store.hooks.shipping_methods(call.store, cart, address)
        return hooked if hooked is not None else _methods(call.store, cart)

    @both("GET", "/shipping-methods")
    async def shipping_methods(call: Call) -> Any:
        cart = resolve(call)
        if not cart.shipping_address:
            return []
        hooked = await call.store.hooks.shipping_methods(call.store, cart, None)
        return hooked if hooked is not None else _methods(call.store, cart)

    @both("POST", "/shipping-information")
    async def shipping_information(call: Call) -> Any:
        store = call.store
        cart = resolve(call)
        info = as_object(call.body.get("address_information"), "addressInformation")
        check_fields(info, SHIPPING_INFO_FIELDS, store.cfg.version,
                     "Magento\\Checkout\\Api\\Data\\ShippingInformationInterface")
        if not cart.items:
            raise WebapiError(400, "The shipping method can't be set for an empty cart. Add an "
                              "item to cart and try again.")
        carrier, method = info.get("shipping_carrier_code"), info.get("shipping_method_code")
        if carrier in (None, "") or method in (None, ""):
            raise WebapiError(400, MSG_METHOD_MISSING)
        shipping = normalize_address(store, info.get("shipping_address"), "shipping_address",
                                     strict=True)
        billing = None
        if info.get("billing_address") is not None:
            billing = normalize_address(store, info["billing_address"], "billing_address",
                                        strict=True)
        accepted = await store.hooks.accept_shipping(store, cart, to_str(carrier),
                                                     to_str(method), shipping)
        if accepted is False or (accepted is None and (carrier, method) != ("flatrate",
                                                                            "flatrate")):
            raise WebapiError(404, "Carrier with such method not found: %1, %2",
                              [to_str(carrier), to_str(method)])
        cart.shipping_address, cart.carrier_code, cart.method_code = shipping, carrier, method
        if billing is not None:
            cart.billing_address = billing
        cart.updated_at = store.now()
        return {"payment_methods": _payment_methods(store), "totals": totals(store, cart)}

    @both("GET", "/payment-methods")
    async def payment_methods(call: Call) -> Any:
        resolve(call)
        return _payment_methods(call.store)

    @both("GET", "/payment-information")
    async def payment_details(call: Call) -> Any:
        cart = resolve(call)
        return {"payment_methods": _payment_methods(call.store),
                "totals": totals(call.store, cart)}

    def _payment_info(call: Call) -> Cart:
        store = call.store
        cart = resolve(call)
        guest = call.principal.kind != "customer"
        if guest:
            email = call.body.get("email")
            if email in (None, ""):
                raise required_error("email")
            cart.email = to_str(email)
        _set_payment(store, cart, call.body.get("payment_method"))
        if call.body.get("billing_address") is not None:
            cart.billing_address = normalize_address(store, call.body["billing_address"],
                                                     "billingAddress", strict=True)
            if guest:
                cart.billing_address["email"] = cart.email
        return cart

    @both("POST", "/payment-information")
    async def payment_information(call: Call) -> Any:
        cart = _payment_info(call)
        return await place_order(call.store, call, cart)

    @both("POST", "/set-payment-information")
    async def set_payment_information(call: Call) -> Any:
        _payment_info(call)
        return True

    @both("PUT", "/selected-payment-method")
    async def select_payment(call: Call) -> Any:
        cart = resolve(call)
        _set_payment(call.store, cart, call.body.get("method"))
        # The guest service method is typed int, the /mine and admin-side one string (schema).
        guest = call.route is not None and call.route.pattern.startswith("/V1/guest-carts")
        return cart.id if guest else str(cart.id)

    @both("GET", "/selected-payment-method")
    async def selected_payment(call: Call) -> Any:
        cart = resolve(call)
        # Magento's output processor drops a null field unless its getter is required, as
        # PaymentInterface::getMethod is: an unset method is rendered as null, not left out.
        return {"method": cart.payment_method or None}

    @both("POST", "/billing-address")
    async def billing(call: Call) -> Any:
        cart = resolve(call)
        cart.billing_address = normalize_address(call.store, call.body.get("address"),
                                                 "address", strict=False)
        return cart.id

    @both("PUT", "/order")
    async def order(call: Call) -> Any:
        cart = resolve(call)
        if call.body.get("payment_method") is not None:
            _set_payment(call.store, cart, call.body["payment_method"])
        return await place_order(call.store, call, cart)



# The GraphQL checkout (graphql/cart_fields.py) keeps these rules by calling them, not copying.
flat_rate_methods = _methods
set_payment = _set_payment
