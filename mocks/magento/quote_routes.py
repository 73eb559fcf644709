"""Quote routes beyond the checkout steps (Magento_Quote, Magento_Checkout): cart search,
cart save and assignment, billing address reads, collect-totals, totals-information,
estimates by a customer address id, and coupons.

The simulator has no cart price rules, so a coupon code is never valid: applying one is
Magento's 404 ``The coupon code isn't valid. Verify the code and try again.``, reading
one gives the empty code and removing it succeeds, as on a store without rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .carts import Cart, render_cart, resolve, totals
from .checkout import _methods, _set_payment, normalize_address
from .rest import WebapiError, as_object, no_such_entity, to_int, to_str
from .search import listing

if TYPE_CHECKING:
    from .routing import Call, Handler, Router
    from .state import Store

__all__ = ["register"]

MANAGE = "Magento_Cart::manage"
SEARCHABLE = frozenset({"entity_id", "id", "customer_id", "is_active", "created_at",
                        "updated_at", "reserved_order_id", "customer_email", "items_count",
                        "items_qty", "customer_is_guest"})


def _field(cart: Cart, name: str) -> Any:
    if name in ("entity_id", "id"):
        return cart.id
    if name == "customer_is_guest":
        return int(cart.customer_id is None)
    if name == "items_count":
        return len(cart.items)
    if name == "customer_email":
        return cart.email
    return getattr(cart, name, None)


def _every_spelling(router: Router, method: str, suffix: str) -> Callable[[Handler], Handler]:
    def deco(handler: Handler) -> Handler:
        for prefix, acl in (("/V1/guest-carts/{cartId}", "anonymous"),
                            ("/V1/carts/mine", "self"), ("/V1/carts/{cartId}", MANAGE)):
            if router.has(method, prefix + suffix):
                router.add(method, prefix + suffix, acl)(handler)
        return handler
    return deco


def _address_of(store: Store, cart: Cart, raw: Any) -> dict[str, Any]:
    address_id = to_int(raw)
    customer = store.customers.by_id.get(cart.customer_id) if cart.customer_id else None
    for address in customer.addresses if customer else []:
        if address["id"] == address_id:
            return address
    raise no_such_entity("addressId", address_id)


def _totals_with(store: Store, cart: Cart, carrier: Any, method: Any) -> dict[str, Any]:
    """Totals as if the cart had this shipping method, leaving the cart as it was."""
    saved = (cart.carrier_code, cart.method_code)
    if carrier and method:
        cart.carrier_code, cart.method_code = to_str(carrier), to_str(method)
    try:
        return totals(store, cart)
    finally:
        cart.carrier_code, cart.method_code = saved


def register(router: Router) -> None:
    @router.add("GET", "/V1/carts/search", MANAGE)
    async def search(call: Call) -> Any:
        store = call.store
        return listing(call.criteria, list(store.carts.by_id.values()), _field, SEARCHABLE,
                       lambda c: render_cart(store, c))

    @router.add("PUT", "/V1/carts/mine", "self")
    async def save_mine(call: Call) -> Any:
        cart = resolve(call)
        as_object(call.body.get("quote"), "quote")   # required; its fields are not kept
        cart.updated_at = call.store.now()
        return []

    @router.add("PUT", "/V1/carts/{cartId}", MANAGE)
    async def assign(call: Call) -> Any:
        store = call.store
        cart = store.carts.by_number(to_int(call.param("cartId")))
        raw = call.body.get("customer_id")
        if raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "customerId"})
        customer = store.customers.by_id.get(to_int(raw))
        if customer is None:
            raise no_such_entity("customerId", to_int(raw))
        if cart.customer_id is not None:
            raise WebapiError(400, "The customer can't be assigned to the cart. The cart "
                              "belongs to a different customer.")
        store.carts.adopt(cart, customer.id)
        cart.updated_at = store.now()
        return True

    @_every_spelling(router, "GET", "/billing-address")
    async def billing(call: Call) -> Any:
        cart = resolve(call)
        return cart.billing_address or {"region": None, "region_id": None,
                                        "region_code": None, "country_id": None,
                                        "street": [""], "telephone": None, "postcode": None,
                                        "city": None, "firstname": None, "lastname": None,
                                        "email": cart.email, "same_as_billing": 0,
                                        "save_in_address_book": 0}

    @_every_spelling(router, "PUT", "/collect-totals")
    async def collect(call: Call) -> Any:
        store = call.store
        cart = resolve(call)
        _set_payment(store, cart, call.body.get("payment_method"))
        carrier = call.body.get("shipping_carrier_code")
        method = call.body.get("shipping_method_code")
        if carrier and method:
            cart.carrier_code, cart.method_code = to_str(carrier), to_str(method)
        cart.updated_at = store.now()
        return totals(store, cart)

    @_every_spelling(router, "POST", "/totals-information")
    async def totals_information(call: Call) -> Any:
        store = call.store
        cart = resolve(call)
        info = as_object(call.body.get("address_information"), "addressInformation")
        normalize_address(store, info.get("address"), "address", strict=False)
        return _totals_with(store, cart, info.get("shipping_carrier_code"),
                            info.get("shipping_method_code"))

    @_every_spelling(router, "POST", "/estimate-shipping-methods-by-address-id")
    async def estimate_by_address(call: Call) -> Any:
        store = call.store
        cart = resolve(call)
        if call.body.get("address_id") in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "addressId"})
        _address_of(store, cart, call.body["address_id"])
        return _methods(store, cart)

    @_every_spelling(router, "GET", "/coupons")
    async def coupon(call: Call) -> Any:
        resolve(call)
        return ""

    @_every_spelling(router, "PUT", "/coupons/{couponCode}")
    async def apply_coupon(call: Call) -> Any:
        cart = resolve(call)
        if not cart.items:
            raise WebapiError(404, 'The "%1" Cart doesn\'t contain products.', [cart.id])
        raise WebapiError(404, "The coupon code isn't valid. Verify the code and try again.")

    @_every_spelling(router, "DELETE", "/coupons")
    async def remove_coupon(call: Call) -> Any:
        cart = resolve(call)
        if not cart.items:
            raise WebapiError(404, 'The "%1" Cart doesn\'t contain products.', [cart.id])
        return True
