"""Carts and checkout (spec/magento-graphql.md §1, §2, §4): every mutation of the guest and
customer checkout through ``placeOrder``, coupons included, on the REST checkout's rules.

Carts are addressed by masked id only; a cart belongs to its customer (or to no one: a guest's)
and any other caller gets graphql-authorization. Item problems are ``user_errors`` as in 2.4.7
(PRODUCT_NOT_FOUND, NOT_SALABLE, INSUFFICIENT_STOCK); ``placeOrder`` puts its reasons in
``PlaceOrderOutput.errors`` from 2.4.7 (before: a top-level "Unable to place order: ..."). The
order is placed by ``checkout.place_order``: the same reservation, hooks and OrderPlaced event
as a REST order, so every check sees a GraphQL order as an order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..carts import MSG_NOT_AVAILABLE, Cart, add_item, remove_item, update_item
from ..checkout import normalize_address, place_order, set_payment
from ..rest import WebapiError
from ..routing import Call
from .cart_output import available_methods, cart_out, order_out
from .errors import AUTHORIZATION, INPUT, NO_SUCH_ENTITY, GraphQlError, fill, from_webapi

if TYPE_CHECKING:
    from .context import Context

__all__ = ["MUTATIONS", "QUERIES"]

Info = GraphQLResolveInfo[Any]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MSG_NO_SHIPPING_ADDRESS = "The shipping address is missing. Set the address and try again."


def _cart(ctx: Context, cart_id: str) -> Cart:
    ctx.cacheable = False
    cart = ctx.store.carts.by_mask.get(cart_id)
    if cart is None:
        raise GraphQlError(f'Could not find a cart with ID "{cart_id}"', NO_SUCH_ENTITY)
    if (cart.customer_id or 0) != (ctx.customer_id or 0):
        raise GraphQlError(f'The current user cannot perform operations on cart "{cart_id}"',
                           AUTHORIZATION)
    if not cart.is_active:
        raise GraphQlError("The cart isn't active.", INPUT)
    return cart


# ---------------------------------------------------------------------------------- queries
def cart(_: Any, info: Info, cart_id: str) -> dict[str, Any]:
    return cart_out(info.context, _cart(info.context, cart_id))


def customer_cart(_: Any, info: Info) -> dict[str, Any]:
    ctx: Context = info.context
    return cart_out(ctx, ctx.store.carts.for_customer(ctx.need_customer(), ctx.store.now()))


# -------------------------------------------------------------------------------- mutations
def create_guest_cart(_: Any, info: Info, input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    ctx.cacheable = False
    if ctx.customer_id is not None:
        raise GraphQlError("Use `Query.customerCart` for logged in customer.", INPUT)
    wanted = (input or {}).get("cart_uid")
    store = ctx.store
    if wanted is not None:
        if len(str(wanted)) != 32:
            raise GraphQlError("Cart ID length should be 32 characters.", INPUT)
        if wanted in store.carts.by_mask:
            raise GraphQlError(f'Cart with ID "{wanted}" already exists.', INPUT)
    cart = store.carts.create_guest(store.now())
    if wanted is not None:
        assert cart.masked_id is not None
        del store.carts.by_mask[cart.masked_id]
        cart.masked_id = str(wanted)
        store.carts.by_mask[cart.masked_id] = cart
    return {"cart": cart_out(ctx, cart)}


def create_empty_cart(_: Any, info: Info, input: dict[str, Any] | None = None) -> str:
    ctx: Context = info.context
    customer_id = ctx.customer_id
    if customer_id is not None:
        return ctx.store.carts.mask(ctx.store.carts.for_customer(customer_id, ctx.store.now()))
    return str(create_guest_cart(_, info, input)["cart"]["id"])


def _user_error(exc: WebapiError, sku: str) -> dict[str, Any]:
    message = fill(exc.message, exc.parameters)
    if exc.status == 404:
        return {"code": "PRODUCT_NOT_FOUND",
                "message": f'Could not find a product with SKU "{sku}"'}
    if exc.message == MSG_NOT_AVAILABLE:
        return {"code": "NOT_SALABLE", "message": message}
    if "qty" in message.lower() or "stock" in message.lower() or "items for sale" in message:
        return {"code": "INSUFFICIENT_STOCK", "message": message}
    return {"code": "UNDEFINED", "message": message}


def add_products_to_cart(_: Any, info: Info, cartId: str,
                         cartItems: list[dict[str, Any]]) -> dict[str, Any]:
    ctx: Context = info.context
    target = _cart(ctx, cartId)
    errors = []
    for item in cartItems:
        try:
            add_item(ctx.store, target, {"sku": item["sku"], "qty": item["quantity"]})
        except WebapiError as exc:
            errors.append({"__typename": "CartUserInputError", **_user_error(exc, item["sku"])})
    return {"cart": cart_out(ctx, target), "user_errors": errors}


def _item_id(raw: dict[str, Any]) -> int:
    if raw.get("cart_item_uid") is not None:
        from .catalog_fields import _decode_uid
        decoded = _decode_uid(str(raw["cart_item_uid"]))
        if decoded is None:
            raise GraphQlError(f'Could not find cart item with id: {raw["cart_item_uid"]}',
                               NO_SUCH_ENTITY)
        return decoded
    if raw.get("cart_item_id") is not None:
        return int(raw["cart_item_id"])
    raise GraphQlError("Required parameter \"cart_item_uid\" for \"cart_items\" is missing.")


def update_cart_items(_: Any, info: Info,
                      input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    errors = []
    for raw in data.get("cart_items") or []:
        item_id = _item_id(raw)
        if item_id not in target.items:
            raise GraphQlError(f"Could not find cart item with id: {item_id}", NO_SUCH_ENTITY)
        try:
            if raw.get("quantity") is not None and float(raw["quantity"]) <= 0:
                remove_item(ctx.store, target, item_id)
            elif raw.get("quantity") is not None:
                update_item(ctx.store, target, item_id, {"qty": raw["quantity"]})
        except WebapiError as exc:
            sku = target.items[item_id].sku if item_id in target.items else ""
            errors.append(_user_error(exc, sku))
    return {"cart": cart_out(ctx, target), "errors": errors}


def remove_item_from_cart(_: Any, info: Info,
                          input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    item_id = _item_id(data)
    if item_id not in target.items:
        raise GraphQlError(f"Cart doesn't contain the {item_id} item.", NO_SUCH_ENTITY)
    remove_item(ctx.store, target, item_id)
    return {"cart": cart_out(ctx, target)}


def apply_coupon(_: Any, info: Info,
                 input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    if not target.items:
        raise GraphQlError("Cart does not contain products.", NO_SUCH_ENTITY)
    if target.coupon_code:
        raise GraphQlError("A coupon is already applied to the cart. Please remove it to "
                           "apply another")
    code = str(data.get("coupon_code") or "")
    if code not in ctx.store.cfg.coupons:
        raise GraphQlError("The coupon code isn't valid. Verify the code and try again.",
                           NO_SUCH_ENTITY)
    target.coupon_code = code
    return {"cart": cart_out(ctx, target)}


def remove_coupon(_: Any, info: Info,
                  input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    target = _cart(ctx, str((input or {}).get("cart_id")))
    target.coupon_code = None
    return {"cart": cart_out(ctx, target)}


def set_guest_email(_: Any, info: Info,
                    input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    if ctx.customer_id is not None:
        ctx.cacheable = False
        raise GraphQlError("The request is not allowed for logged in customers")
    target = _cart(ctx, str(data.get("cart_id")))
    email = str(data.get("email") or "")
    if not _EMAIL.match(email):
        raise GraphQlError("Invalid email format")
    target.email = email
    return {"cart": cart_out(ctx, target)}


def _country_address(ctx: Context, raw: dict[str, Any], field: str) -> dict[str, Any]:
    data = raw.get("address")
    if data is None and raw.get("customer_address_id") is not None:
        customer_id = ctx.need_customer()
        customer = ctx.store.customers.by_id.get(customer_id)
        saved = [a for a in (customer.addresses if customer else [])
                 if a.get("id") == raw["customer_address_id"]]
        if not saved:
            raise GraphQlError(f'Could not find a address with ID "{raw["customer_address_id"]}"',
                               NO_SUCH_ENTITY)
        data = {k: saved[0].get(k) for k in ("firstname", "lastname", "street", "city",
                                             "postcode", "telephone", "region_id")}
        data["country_code"] = saved[0].get("country_id")
        region = saved[0].get("region")
        data["region"] = region.get("region") if isinstance(region, dict) else region
    if not isinstance(data, dict):
        raise GraphQlError(f'The {field} "address" or "customer_address_id" is required.')
    rest = {k: v for k, v in data.items() if k not in ("country_code", "save_in_address_book")
            and v is not None}
    rest["country_id"] = data.get("country_code")
    if isinstance(data.get("region"), str):
        rest["region_code"] = data["region"]
    try:
        return normalize_address(ctx.store, rest, field, strict=True)
    except WebapiError as exc:
        raise from_webapi(exc) from None


def set_shipping_addresses(_: Any, info: Info,
                           input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    addresses = data.get("shipping_addresses") or []
    if len(addresses) != 1:
        raise GraphQlError("You cannot specify multiple shipping addresses.")
    target.shipping_address = _country_address(ctx, addresses[0], "shipping_addresses")
    target.carrier_code = target.method_code = None
    target.updated_at = ctx.store.now()
    return {"cart": cart_out(ctx, target)}


async def set_shipping_methods(_: Any, info: Info,
                               input: dict[str, Any] | None = None
                               ) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    methods = data.get("shipping_methods") or []
    if len(methods) != 1:
        raise GraphQlError("You cannot specify multiple shipping methods.")
    if not target.items:
        raise GraphQlError("The shipping method can't be set for an empty cart. Add an item to "
                           "cart and try again.")
    if target.shipping_address is None:
        raise GraphQlError(MSG_NO_SHIPPING_ADDRESS)
    carrier, method = str(methods[0]["carrier_code"]), str(methods[0]["method_code"])
    accepted = await ctx.store.hooks.accept_shipping(ctx.store, target, carrier, method,
                                                     target.shipping_address)
    if accepted is False or (accepted is None and (carrier, method) != ("flatrate",
                                                                        "flatrate")):
        raise GraphQlError(f"Carrier with such method not found: {carrier}, {method}",
                           NO_SUCH_ENTITY)
    target.carrier_code, target.method_code = carrier, method
    return {"cart": cart_out(ctx, target)}


async def estimate_shipping_methods(_: Any, info: Info,
                                    input: dict[str, Any]) -> list[dict[str, Any]]:
    ctx: Context = info.context
    target = _cart(ctx, str(input.get("cart_id")))
    address = input.get("address") or {}
    region = address.get("region") or {}
    rest = {"country_id": address.get("country_code"), "postcode": address.get("postcode"),
            "region_id": region.get("region_id"), "region_code": region.get("region_code"),
            "region": region.get("region")}
    try:
        normalized = normalize_address(ctx.store, {k: v for k, v in rest.items() if v},
                                       "address", strict=False)
    except WebapiError as exc:
        raise from_webapi(exc) from None
    return await available_methods(ctx.store, target, normalized)


def set_billing_address(_: Any, info: Info,
                        input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    raw = data.get("billing_address") or {}
    if raw.get("same_as_shipping") or raw.get("use_for_shipping"):
        if target.shipping_address is None and raw.get("address") is None:
            raise GraphQlError(MSG_NO_SHIPPING_ADDRESS)
        if raw.get("address") is None:
            target.billing_address = dict(target.shipping_address or {})
            return {"cart": cart_out(ctx, target)}
    target.billing_address = _country_address(ctx, raw, "billing_address")
    if raw.get("use_for_shipping"):
        target.shipping_address = dict(target.billing_address)
    if target.email and ctx.customer_id is None:
        target.billing_address["email"] = target.email
    return {"cart": cart_out(ctx, target)}


def set_payment_method(_: Any, info: Info,
                       input: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    data = input or {}
    target = _cart(ctx, str(data.get("cart_id")))
    if target.shipping_address is None:
        raise GraphQlError(MSG_NO_SHIPPING_ADDRESS)
    try:
        set_payment(ctx.store, target, {"method": (data.get("payment_method") or {}).get("code")})
    except WebapiError as exc:
        raise from_webapi(exc) from None
    return {"cart": cart_out(ctx, target)}


def _place_error(ctx: Context, code: str, message: str) -> dict[str, Any]:
    if ctx.store.cfg.version < (2, 4, 7):
        raise GraphQlError(f"Unable to place order: {message}")
    return {"order": None, "orderV2": None, "errors": [{"code": code, "message": message}]}


async def place_order_field(_: Any, info: Info,
                            input: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
    ctx: Context = info.context
    ctx.cacheable = False
    cart_id = str((input or {}).get("cart_id"))
    found = ctx.store.carts.by_mask.get(cart_id)
    if found is None:
        return _place_error(ctx, "CART_NOT_FOUND", f'Could not find a cart with ID "{cart_id}"')
    if (found.customer_id or 0) != (ctx.customer_id or 0):
        raise GraphQlError(f'The current user cannot perform operations on cart "{cart_id}"',
                           AUTHORIZATION)
    if not found.is_active:
        return _place_error(ctx, "CART_NOT_ACTIVE", "The cart isn't active.")
    if found.customer_id is None and not found.email:
        return _place_error(ctx, "GUEST_EMAIL_MISSING", "Guest email for cart is missing.")
    if found.shipping_address is None:
        return _place_error(ctx, "UNABLE_TO_PLACE_ORDER", "Some addresses can't be used due to "
                            "the configurations for specific countries.")
    if found.carrier_code is None:
        return _place_error(ctx, "UNABLE_TO_PLACE_ORDER", "The shipping method is missing. "
                            "Select the shipping method and try again.")
    if found.billing_address is None:
        return _place_error(ctx, "UNABLE_TO_PLACE_ORDER",
                            "Please check the billing address information.")
    if found.customer_id is None:
        found.billing_address.setdefault("email", found.email)
    call = Call(ctx.store, ctx.principal, {}, {}, client=ctx.client, store_code=ctx.store_code)
    try:
        entity_id = await place_order(ctx.store, call, found)
    except WebapiError as exc:
        if exc.status == 429:
            raise GraphQlError("Too Many Requests", "graphql-too-many-requests") from None
        return _place_error(ctx, "UNABLE_TO_PLACE_ORDER", fill(exc.message, exc.parameters))
    order = ctx.store.orders.by_id[int(entity_id)]
    return {"order": {"order_number": order.increment_id, "order_id": str(order.entity_id)},
            "orderV2": order_out(ctx.store, order), "errors": []}


def merge_carts(_: Any, info: Info, source_cart_id: str,
                destination_cart_id: str | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    customer_id = ctx.need_customer()
    store = ctx.store
    destination = _cart(ctx, destination_cart_id) if destination_cart_id else \
        store.carts.for_customer(customer_id, store.now())
    source = store.carts.by_mask.get(source_cart_id)
    if source is None or not source.is_active:
        raise GraphQlError(f'Could not find a cart with ID "{source_cart_id}"', NO_SUCH_ENTITY)
    if source.customer_id not in (None, customer_id):
        raise GraphQlError(f'The current user cannot perform operations on cart '
                           f'"{source_cart_id}"', AUTHORIZATION)
    for line in list(source.items.values()):
        try:
            add_item(store, destination, {"sku": line.sku, "qty": line.qty})
        except WebapiError as exc:
            raise from_webapi(exc) from None
    source.is_active = False
    return cart_out(ctx, destination)


QUERIES = {"cart": cart, "customerCart": customer_cart}
MUTATIONS = {
    "createGuestCart": create_guest_cart, "createEmptyCart": create_empty_cart,
    "addProductsToCart": add_products_to_cart, "updateCartItems": update_cart_items,
    "removeItemFromCart": remove_item_from_cart, "applyCouponToCart": apply_coupon,
    "removeCouponFromCart": remove_coupon, "setGuestEmailOnCart": set_guest_email,
    "estimateShippingMethods": estimate_shipping_methods,
    "setShippingAddressesOnCart": set_shipping_addresses,
    "setShippingMethodsOnCart": set_shipping_methods,
    "setBillingAddressOnCart": set_billing_address,
    "setPaymentMethodOnCart": set_payment_method, "placeOrder": place_order_field,
    "mergeCarts": merge_carts,
}
