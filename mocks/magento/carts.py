"""Quotes: guest carts (masked ids), customer carts, items and totals (spec §2.1, §2.2).

Items in a cart reserve nothing (MSI); stock is checked when a line is added or updated and
again at place-order. The guest cart is resolved from ``cartItem.quote_id`` (the masked id),
not from the path, as Magento's GuestCartItemRepository does; ``/mine`` routes force the quote
from the customer token.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import no_product
from .inventory import stock_error
from .rest import WebapiError, check_fields, no_such_entity, to_float, to_int, to_str

if TYPE_CHECKING:
    from .routing import Call
    from .state import Store

__all__ = ["Cart", "CartItem", "Carts", "totals"]

CART_ITEM_FIELDS = frozenset({"item_id", "sku", "qty", "name", "price", "product_type",
                              "quote_id", "product_option", "extension_attributes"})
MSG_NOT_AVAILABLE = "Product that you are trying to add is not available."


@dataclass
class CartItem:
    item_id: int
    sku: str
    qty: float
    name: str
    price: float
    product_type: str
    product_id: int

    def out(self, quote_id: int) -> dict[str, Any]:
        return {"item_id": self.item_id, "sku": self.sku, "qty": self.qty, "name": self.name,
                "price": self.price, "product_type": self.product_type,
                "quote_id": str(quote_id)}


@dataclass
class Cart:
    id: int
    masked_id: str | None
    customer_id: int | None
    created_at: str
    updated_at: str
    items: dict[int, CartItem] = field(default_factory=dict)
    is_active: bool = True
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    carrier_code: str | None = None
    method_code: str | None = None
    payment_method: str | None = None
    email: str | None = None
    reserved_order_id: str | None = None
    coupon_code: str | None = None       # applyCouponToCart (GraphQL)

    @property
    def items_qty(self) -> float:
        return sum(i.qty for i in self.items.values())


@dataclass
class Carts:
    by_id: dict[int, Cart] = field(default_factory=dict)
    by_mask: dict[str, Cart] = field(default_factory=dict)
    active_by_customer: dict[int, Cart] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _item_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Ordered carts are kept (a late call gets Magento's 404 with the numeric id) but capped,
    # so hours of checkouts cannot grow memory without bound.
    ordered: deque[Cart] = field(default_factory=deque)
    ordered_limit: int = 50_000

    def create_guest(self, now: str) -> Cart:
        cart = Cart(next(self._ids), secrets.token_hex(16), None, now, now)
        self.by_id[cart.id] = cart
        assert cart.masked_id is not None
        self.by_mask[cart.masked_id] = cart
        return cart

    def create_empty(self, now: str) -> int:
        """An admin-created cart (``POST /V1/carts``): no mask, no customer."""
        cart = Cart(next(self._ids), None, None, now, now)
        self.by_id[cart.id] = cart
        return cart.id

    def adopt(self, cart: Cart, customer_id: int) -> None:
        """A guest cart becomes the customer's active cart (``PUT /V1/guest-carts/:id``)."""
        old = self.active_by_customer.get(customer_id)
        if old is not None and old is not cart:
            old.is_active = False
        cart.customer_id = customer_id
        self.active_by_customer[customer_id] = cart

    def for_customer(self, customer_id: int, now: str) -> Cart:
        cart = self.active_by_customer.get(customer_id)
        if cart is None or not cart.is_active:
            cart = Cart(next(self._ids), None, customer_id, now, now)
            self.by_id[cart.id] = cart
            self.active_by_customer[customer_id] = cart
        return cart

    def guest(self, masked_id: str) -> Cart:
        cart = self.by_mask.get(masked_id)
        if cart is None:
            raise no_such_entity("cartId", None)
        if not cart.is_active:
            raise no_such_entity("cartId", cart.id)
        return cart

    def by_number(self, cart_id: int) -> Cart:
        cart = self.by_id.get(cart_id)
        if cart is None or not cart.is_active:
            raise no_such_entity("cartId", cart_id)
        return cart

    def mine(self, customer_id: int) -> Cart:
        cart = self.active_by_customer.get(customer_id)
        if cart is None or not cart.is_active:
            raise no_such_entity("customerId", customer_id)
        return cart

    def deactivate(self, cart: Cart) -> None:
        cart.is_active = False
        if cart.customer_id is not None and self.active_by_customer.get(cart.customer_id) is cart:
            del self.active_by_customer[cart.customer_id]
        self.ordered.append(cart)
        while len(self.ordered) > self.ordered_limit:
            old = self.ordered.popleft()
            self.by_id.pop(old.id, None)
            if old.masked_id is not None:
                self.by_mask.pop(old.masked_id, None)

    def next_item_id(self) -> int:
        return next(self._item_ids)

    def mask(self, cart: Cart) -> str:
        """The cart's masked id, created on first use (a customer cart gets one in GraphQL)."""
        if cart.masked_id is None:
            cart.masked_id = secrets.token_hex(16)
            self.by_mask[cart.masked_id] = cart
        return cart.masked_id


def resolve(call: Call, *, from_item: dict[str, Any] | None = None) -> Cart:
    """The cart a guest, /mine or admin-side (``/V1/carts/:cartId``, numeric) route acts on."""
    carts = call.store.carts
    if call.principal.kind == "customer" and "cartId" not in call.path:
        return carts.mine(call.principal.user_id)
    if call.route is not None and call.route.pattern.startswith(("/V1/carts/:cartId",
                                                                 "/V1/carts/:quoteId")):
        raw = from_item.get("quote_id") if from_item is not None else call.path["cartId"]
        if raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "quoteId"})
        return carts.by_number(to_int(raw))
    if from_item is not None:
        masked = from_item.get("quote_id")
        if masked in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "quoteId"})
        return carts.guest(to_str(masked))
    return carts.guest(call.path["cartId"])


def _qty(value: Any) -> float:
    qty = to_float(value) if value is not None else 0.0
    if qty <= 0:
        raise WebapiError(400, 'Invalid value of "%value" provided for the %fieldName field.',
                          {"value": value, "fieldName": "qty"})
    return qty


def _check_qty(store: Store, sku: str, product_id: int, qty: float, *, update: bool) -> None:
    inv = store.inventory
    cfg = inv.stock_config(sku, product_id)
    if not inv.manages_stock(sku):
        return
    if not cfg.is_qty_decimal and not float(qty).is_integer():
        raise WebapiError(400, "You cannot use decimal quantity for this product.")
    if qty < cfg.min_sale_qty:
        raise WebapiError(400, f"The fewest you may purchase is {_num(cfg.min_sale_qty)}.")
    if qty > cfg.max_sale_qty:
        raise WebapiError(400, "The requested qty exceeds the maximum qty allowed in shopping "
                          "cart")
    if cfg.enable_qty_increments and cfg.qty_increments > 0 and qty % cfg.qty_increments:
        raise WebapiError(400, "You can buy this product only in quantities of "
                          f"{_num(cfg.qty_increments)} at a time.")
    if not inv.can_sell(sku, qty):
        if update and not inv.indexed_in_stock(sku):
            raise WebapiError(400, "This product is out of stock.")
        raise stock_error(store.cfg.version, store.cfg.not_available_message,
                          inv.salable(sku), qty)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def add_item(store: Store, cart: Cart, data: dict[str, Any]) -> CartItem:
    check_fields(data, CART_ITEM_FIELDS, store.cfg.version,
                 "Magento\\Quote\\Api\\Data\\CartItemInterface")
    qty = _qty(data.get("qty"))
    if data.get("sku") in (None, ""):
        raise no_product()
    product = store.catalog.get(to_str(data["sku"]))
    if product is None:
        raise no_product()
    if product.status != 1 or 1 not in product.website_ids:
        raise WebapiError(400, MSG_NOT_AVAILABLE)
    if product.is_composite:
        raise WebapiError(400, "You need to choose options for your item.")
    if store.inventory.manages_stock(product.sku) and not store.inventory.indexed_in_stock(
            product.sku):
        raise WebapiError(400, MSG_NOT_AVAILABLE)
    line = next((i for i in cart.items.values() if i.sku == product.sku), None)
    total = qty + (line.qty if line else 0.0)
    _check_qty(store, product.sku, product.id, total, update=False)
    if line is None:
        line = CartItem(store.carts.next_item_id(), product.sku, qty, product.name,
                        product.price, product.type_id, product.id)
        cart.items[line.item_id] = line
    else:
        line.qty = total
    cart.updated_at = store.now()
    return line


def update_item(store: Store, cart: Cart, item_id: int, data: dict[str, Any]) -> CartItem:
    check_fields(data, CART_ITEM_FIELDS, store.cfg.version,
                 "Magento\\Quote\\Api\\Data\\CartItemInterface")
    line = cart.items.get(item_id)
    if line is None:
        raise WebapiError(404, "The %1 Cart doesn't contain the %2 item.", [cart.id, item_id])
    qty = _qty(data.get("qty"))
    _check_qty(store, line.sku, line.product_id, qty, update=True)
    line.qty = qty
    cart.updated_at = store.now()
    return line


def remove_item(store: Store, cart: Cart, item_id: int) -> bool:
    if cart.items.pop(item_id, None) is None:
        raise WebapiError(404, "The %1 Cart doesn't contain the %2 item.", [cart.id, item_id])
    cart.updated_at = store.now()
    return True


def shipping_amount(store: Store, cart: Cart) -> float:
    if cart.carrier_code is None:
        return 0.0
    hooked = store.hooks.shipping_amount(store, cart)  # a carrier's quoted price
    if hooked is not None:
        return hooked
    return round(store.cfg.flat_rate * cart.items_qty, 4)


def totals(store: Store, cart: Cart) -> dict[str, Any]:
    items = []
    subtotal = 0.0
    for line in cart.items.values():
        row = round(line.price * line.qty, 4)
        subtotal += row
        items.append({
            "item_id": line.item_id, "price": line.price, "base_price": line.price,
            "qty": line.qty, "row_total": row, "base_row_total": row,
            "row_total_with_discount": 0, "tax_amount": 0, "base_tax_amount": 0,
            "tax_percent": 0, "discount_amount": 0, "base_discount_amount": 0,
            "discount_percent": 0, "price_incl_tax": line.price,
            "base_price_incl_tax": line.price, "row_total_incl_tax": row,
            "base_row_total_incl_tax": row, "options": "[]", "weee_tax_applied_amount": None,
            "weee_tax_applied": None, "name": line.name})
    subtotal = round(subtotal, 4)
    shipping = shipping_amount(store, cart)
    grand = round(subtotal + shipping, 4)
    segments = [
        {"code": "subtotal", "title": "Subtotal", "value": subtotal},
        {"code": "shipping", "title": "Shipping & Handling", "value": shipping},
        {"code": "grand_total", "title": "Grand Total", "value": grand, "area": "footer"},
        {"code": "tax", "title": "Tax", "value": 0, "extension_attributes":
         {"tax_grandtotal_details": []}},
    ]
    return {
        "grand_total": grand, "base_grand_total": grand, "subtotal": subtotal,
        "base_subtotal": subtotal, "discount_amount": 0, "base_discount_amount": 0,
        "subtotal_with_discount": subtotal, "base_subtotal_with_discount": subtotal,
        "shipping_amount": shipping, "base_shipping_amount": shipping,
        "shipping_discount_amount": 0, "base_shipping_discount_amount": 0, "tax_amount": 0,
        "base_tax_amount": 0, "weee_tax_applied_amount": None, "shipping_tax_amount": 0,
        "base_shipping_tax_amount": 0, "subtotal_incl_tax": subtotal,
        "base_subtotal_incl_tax": subtotal, "shipping_incl_tax": shipping,
        "base_shipping_incl_tax": shipping, "base_currency_code": "USD",
        "quote_currency_code": "USD", "items_qty": int(cart.items_qty)
        if float(cart.items_qty).is_integer() else cart.items_qty,
        "items": items, "total_segments": segments}


def render_cart(store: Store, cart: Cart) -> dict[str, Any]:
    customer: dict[str, Any] = {"email": None, "firstname": None, "lastname": None}
    if cart.customer_id is not None:
        found = store.customers.by_id.get(cart.customer_id)
        if found is not None:
            customer = found.out()
    out: dict[str, Any] = {
        "id": cart.id, "created_at": cart.created_at, "updated_at": cart.updated_at,
        "is_active": cart.is_active, "is_virtual": False,
        "items": [i.out(cart.id) for i in cart.items.values()],
        "items_count": len(cart.items), "items_qty": cart.items_qty, "customer": customer,
        "orig_order_id": 0,
        "currency": {"global_currency_code": "USD", "base_currency_code": "USD",
                     "store_currency_code": "USD", "quote_currency_code": "USD",
                     "store_to_base_rate": 0, "store_to_quote_rate": 0,
                     "base_to_global_rate": 1, "base_to_quote_rate": 1},
        "customer_is_guest": cart.customer_id is None, "customer_note_notify": True,
        "customer_tax_class_id": 3, "store_id": 1,
        "extension_attributes": {"shipping_assignments": []}}
    if cart.billing_address is not None:
        out["billing_address"] = cart.billing_address
    if cart.reserved_order_id:
        out["reserved_order_id"] = cart.reserved_order_id
    return out


def item_id_of(call: Call) -> int:
    return to_int(call.path["itemId"])
