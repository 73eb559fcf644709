"""Orders: the sales model created at place-order, its rendering and state resolution (§5).

Lifecycle actions (invoice, ship, cancel, refund, hold) live in ``order_actions.py``; this
module owns the data and the rules every action shares: ``resolve_state`` is Magento's
StateResolver (nothing left to invoice or ship → complete, or closed when all was refunded).

Visibility (``visibility: realistic``): on a real store concurrent place-order transactions
commit out of order, so an order with a lower entity id can become visible to a search after
one with a higher id. ``Orders.delay`` gives each new order a seeded delay before searches
(``searchable()``) see it; reads by id and the evidence see it at once.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .events import OrderItemLine, OrderPlaced
from .rest import WebapiError

if TYPE_CHECKING:
    from .carts import Cart
    from .customers import Customer

__all__ = ["Order", "OrderItem", "Orders", "resolve_state"]

MSG_NO_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
EPS = 0.0001


def no_entity() -> WebapiError:
    return WebapiError(404, MSG_NO_ENTITY)


@dataclass
class OrderItem:
    item_id: int
    order_id: int
    sku: str
    name: str
    product_id: int
    product_type: str
    price: float
    qty_ordered: float
    created_at: str
    qty_invoiced: float = 0.0
    qty_shipped: float = 0.0
    qty_refunded: float = 0.0
    qty_canceled: float = 0.0
    qty_returned_to_source: float = 0.0

    @property
    def to_invoice(self) -> float:
        return max(0.0, self.qty_ordered - self.qty_invoiced - self.qty_canceled)

    @property
    def to_ship(self) -> float:
        return max(0.0, self.qty_ordered - self.qty_shipped - self.qty_refunded
                   - self.qty_canceled)

    @property
    def to_refund(self) -> float:
        return max(0.0, self.qty_invoiced - self.qty_refunded)

    @property
    def to_cancel(self) -> float:
        return min(self.to_invoice, self.to_ship)

    def out(self, updated_at: str) -> dict[str, Any]:
        row = round(self.price * self.qty_ordered, 4)
        return {
            "amount_refunded": round(self.price * self.qty_refunded, 4),
            "base_amount_refunded": round(self.price * self.qty_refunded, 4),
            "base_discount_amount": 0, "base_original_price": self.price,
            "base_price": self.price, "base_price_incl_tax": self.price,
            "base_row_invoiced": round(self.price * self.qty_invoiced, 4),
            "base_row_total": row, "base_row_total_incl_tax": row, "base_tax_amount": 0,
            "created_at": self.created_at, "discount_amount": 0, "discount_percent": 0,
            "free_shipping": 0, "is_qty_decimal": 0, "is_virtual": 0, "item_id": self.item_id,
            "name": self.name, "no_discount": 0, "order_id": self.order_id,
            "original_price": self.price, "price": self.price, "price_incl_tax": self.price,
            "product_id": self.product_id, "product_type": self.product_type,
            "qty_canceled": self.qty_canceled, "qty_invoiced": self.qty_invoiced,
            "qty_ordered": self.qty_ordered, "qty_refunded": self.qty_refunded,
            "qty_shipped": self.qty_shipped, "row_invoiced": round(
                self.price * self.qty_invoiced, 4), "row_total": row, "row_total_incl_tax": row,
            "sku": self.sku, "store_id": 1, "tax_amount": 0, "tax_percent": 0,
            "updated_at": updated_at}


@dataclass
class Order:
    entity_id: int
    increment_id: str
    quote_id: int
    created_at: str
    updated_at: str
    customer_email: str
    customer_id: int | None
    customer_firstname: str | None
    customer_lastname: str | None
    items: list[OrderItem]
    billing_address: dict[str, Any]
    shipping_address: dict[str, Any] | None
    payment_method: str
    shipping_method: str | None
    subtotal: float
    shipping_amount: float
    grand_total: float
    state: str = "new"
    status: str = "pending"
    total_invoiced: float = 0.0
    total_paid: float = 0.0
    total_refunded: float = 0.0
    total_canceled: float = 0.0
    shipping_invoiced: float = 0.0
    shipping_refunded: float = 0.0
    hold_before_state: str | None = None
    hold_before_status: str | None = None
    histories: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[int] = field(default_factory=list)
    shipments: list[int] = field(default_factory=list)
    creditmemos: list[int] = field(default_factory=list)
    # Each invoice, shipment (lines, tracks), credit memo and cancellation with its time: the
    # evidence order_lifecycle and payment_integrity read (record()).
    documents: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)   # ext_order_id and the like

    def item(self, item_id: int) -> OrderItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)

    @property
    def total_qty_ordered(self) -> float:
        return sum(i.qty_ordered for i in self.items)

    @property
    def total_due(self) -> float:
        return round(max(0.0, self.grand_total - self.total_paid - self.total_canceled), 4)

    def set_state(self, state: str, status: str | None = None) -> None:
        self.state, self.status = state, status or _STATUS[state]

    def field(self, name: str) -> Any:
        if name in _DIRECT:
            return getattr(self, name)
        if name == "customer_is_guest":
            return 1 if self.customer_id is None else 0
        if name in ("total_due", "total_qty_ordered"):
            return getattr(self, name)
        if name in ("store_id",):
            return 1
        if name == "base_grand_total":
            return self.grand_total
        if name == "sku":  # not a sales_order column in Magento; harmless convenience
            return [i.sku for i in self.items]
        return None


_STATUS = {"new": "pending", "pending_payment": "pending_payment", "processing": "processing",
           "complete": "complete", "closed": "closed", "canceled": "canceled",
           "holded": "holded", "payment_review": "payment_review"}
_DIRECT = frozenset({"entity_id", "increment_id", "quote_id", "created_at", "updated_at",
                     "customer_email", "customer_id", "customer_firstname",
                     "customer_lastname", "state", "status", "grand_total", "subtotal",
                     "shipping_amount", "total_invoiced", "total_paid", "total_refunded",
                     "total_canceled"})
SEARCHABLE = _DIRECT | {"customer_is_guest", "total_due", "total_qty_ordered", "store_id",
                        "base_grand_total"}


def resolve_state(order: Order, in_progress: bool = True) -> None:
    """Sales\\Model\\Order\\StateResolver + ResourceModel\\Order\\Handler\\State."""
    if order.state in ("canceled", "holded", "closed", "payment_review"):
        return
    can_invoice = any(i.to_invoice > EPS for i in order.items)
    can_ship = any(i.to_ship > EPS for i in order.items)
    refundable = order.total_paid - order.total_refunded > EPS
    if not can_invoice and not can_ship:
        if refundable or order.grand_total <= EPS:
            order.set_state("complete")
        elif order.total_refunded > EPS:
            order.set_state("closed")
        return
    if in_progress and order.state == "new":
        order.set_state("processing")


def _address(data: dict[str, Any] | None, kind: str, entity_id: int, parent: int,
             email: str) -> dict[str, Any] | None:
    if data is None:
        return None
    out = {"address_type": kind, "city": data.get("city"), "country_id": data.get("country_id"),
           "email": data.get("email") or email, "entity_id": entity_id,
           "firstname": data.get("firstname"), "lastname": data.get("lastname"),
           "parent_id": parent, "postcode": data.get("postcode"),
           "region": data.get("region"), "region_code": data.get("region_code"),
           "region_id": data.get("region_id"), "street": data.get("street") or [],
           "telephone": data.get("telephone")}
    return {k: v for k, v in out.items() if v is not None or k in _ADDR_REQUIRED}


_ADDR_REQUIRED = frozenset({"address_type", "city", "country_id", "firstname", "lastname",
                            "postcode", "telephone"})


@dataclass
class Orders:
    by_id: dict[int, Order] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _item_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    doc_ids: dict[str, itertools.count[int]] = field(default_factory=lambda: {
        "invoice": itertools.count(1), "shipment": itertools.count(1),
        "creditmemo": itertools.count(1), "comment": itertools.count(1)})
    # realistic visibility: seconds until a new order is searchable (None: at once)
    delay: Callable[[], float] | None = None
    hidden: dict[int, float] = field(default_factory=dict)   # entity id → visible at

    def searchable(self) -> list[Order]:
        """The orders a search sees now (every order but those not yet committed)."""
        hidden = self.hidden
        if hidden:
            now = time.monotonic()
            for entity_id in [e for e, at in hidden.items() if at <= now]:
                del hidden[entity_id]
        if not hidden:
            return list(self.by_id.values())
        return [o for o in self.by_id.values() if o.entity_id not in hidden]

    def allocate(self) -> tuple[int, str]:
        entity_id = next(self._ids)
        return entity_id, f"{entity_id:09d}"

    def get(self, entity_id: int) -> Order:
        order = self.by_id.get(entity_id)
        if order is None:
            raise no_entity()
        return order

    def create_from_cart(self, cart: Cart, entity_id: int, increment_id: str, *, now: str,
                         customer: Customer | None, shipping: float) -> Order:
        """The order of ``cart`` (its account, if any, and its shipping price are the
        caller's: the order book knows neither customers nor carriers)."""
        billing = cart.billing_address or {}
        email = customer.email if customer else str(cart.email or billing.get("email") or "")
        items = [OrderItem(next(self._item_ids), entity_id, line.sku, line.name,
                           line.product_id, line.product_type, line.price, line.qty, now)
                 for line in cart.items.values()]
        subtotal = round(sum(i.price * i.qty_ordered for i in items), 4)
        order = Order(
            entity_id, increment_id, cart.id, now, now, email, cart.customer_id,
            customer.firstname if customer else billing.get("firstname"),
            customer.lastname if customer else billing.get("lastname"), items,
            billing, cart.shipping_address, cart.payment_method or "checkmo",
            f"{cart.carrier_code}_{cart.method_code}" if cart.carrier_code else None,
            subtotal, shipping, round(subtotal + shipping, 4))
        self.by_id[entity_id] = order
        if self.delay is not None:
            self.hidden[entity_id] = time.monotonic() + self.delay()
        cart.reserved_order_id = increment_id
        return order

    def placed_event(self, order: Order) -> OrderPlaced:
        return OrderPlaced(
            entity_id=order.entity_id, increment_id=order.increment_id,
            quote_id=order.quote_id, created_at=order.created_at,
            customer_email=order.customer_email, customer_id=order.customer_id,
            customer_is_guest=order.customer_id is None,
            items=tuple(OrderItemLine(i.item_id, i.sku, i.name, i.qty_ordered, i.price,
                                      round(i.price * i.qty_ordered, 4)) for i in order.items),
            subtotal=order.subtotal, shipping_amount=order.shipping_amount, tax_amount=0.0,
            discount_amount=0.0, grand_total=order.grand_total, currency="USD",
            billing_address=dict(order.billing_address),
            shipping_address=dict(order.shipping_address) if order.shipping_address else None,
            payment_method=order.payment_method, shipping_method=order.shipping_method)

    def record(self, o: Order) -> dict[str, Any]:
        """One order as the evidence export writes it (docs/magento-simulator.md)."""
        return {"entity_id": o.entity_id, "increment_id": o.increment_id,
                "quote_id": o.quote_id, "state": o.state, "status": o.status,
                "created_at": o.created_at, "updated_at": o.updated_at,
                "customer_email": o.customer_email, "customer_id": o.customer_id,
                "grand_total": o.grand_total, "payment_method": o.payment_method,
                "total_invoiced": o.total_invoiced, "total_paid": o.total_paid,
                "total_refunded": o.total_refunded, "documents": o.documents,
                "items": [{"sku": i.sku, "qty_ordered": i.qty_ordered,
                           "qty_shipped": i.qty_shipped, "qty_refunded": i.qty_refunded,
                           "qty_canceled": i.qty_canceled, "price": i.price}
                          for i in o.items]}


def render(order: Order) -> dict[str, Any]:
    base = order.entity_id * 10
    billing = _address(order.billing_address, "billing", base + 1, order.entity_id,
                       order.customer_email)
    shipping = _address(order.shipping_address, "shipping", base + 2, order.entity_id,
                        order.customer_email)
    out: dict[str, Any] = {
        "base_currency_code": "USD", "base_discount_amount": 0,
        "base_grand_total": order.grand_total, "base_shipping_amount": order.shipping_amount,
        "base_subtotal": order.subtotal, "base_tax_amount": 0,
        "base_total_due": order.total_due, "base_total_invoiced": order.total_invoiced,
        "base_total_paid": order.total_paid, "base_total_refunded": order.total_refunded,
        "base_total_canceled": order.total_canceled, "created_at": order.created_at,
        "customer_email": order.customer_email,
        "customer_group_id": 0 if order.customer_id is None else 1,
        "customer_is_guest": 1 if order.customer_id is None else 0,
        "customer_note_notify": 1, "discount_amount": 0, "email_sent": 1,
        "entity_id": order.entity_id, "global_currency_code": "USD",
        "grand_total": order.grand_total, "increment_id": order.increment_id,
        "is_virtual": 0, "order_currency_code": "USD", "quote_id": order.quote_id,
        "shipping_amount": order.shipping_amount,
        "shipping_description": "Flat Rate - Fixed" if order.shipping_method else None,
        "shipping_invoiced": order.shipping_invoiced,
        "shipping_refunded": order.shipping_refunded, "state": order.state,
        "status": order.status, "store_currency_code": "USD", "store_id": 1,
        "store_name": "Main Website\nMain Website Store\nDefault Store View",
        "subtotal": order.subtotal, "subtotal_incl_tax": order.subtotal, "tax_amount": 0,
        "total_canceled": order.total_canceled, "total_due": order.total_due,
        "total_invoiced": order.total_invoiced, "total_item_count": len(order.items),
        "total_paid": order.total_paid, "total_qty_ordered": order.total_qty_ordered,
        "total_refunded": order.total_refunded, "updated_at": order.updated_at,
        "weight": 0, "items": [i.out(order.updated_at) for i in order.items],
        "billing_address": billing,
        "payment": {"account_status": None, "additional_information": [
            "Check / Money order" if order.payment_method == "checkmo" else
            order.payment_method], "amount_ordered": order.grand_total,
            "base_amount_ordered": order.grand_total, "cc_last4": None,
            "entity_id": order.entity_id, "method": order.payment_method,
            "parent_id": order.entity_id, "shipping_amount": order.shipping_amount},
        "status_histories": list(reversed(order.histories)),
        "extension_attributes": {"shipping_assignments": [
            {"shipping": {"address": shipping, "method": order.shipping_method,
                          "total": {"shipping_amount": order.shipping_amount,
                                    "base_shipping_amount": order.shipping_amount}},
             "items": [i.out(order.updated_at) for i in order.items], "stock_id": 1}]
            if shipping else []}}
    if order.customer_id is not None:
        out["customer_id"] = order.customer_id
    if order.customer_firstname is not None:
        out["customer_firstname"] = order.customer_firstname
    if order.customer_lastname is not None:
        out["customer_lastname"] = order.customer_lastname
    out.update(order.extra)
    if order.hold_before_state:
        out["hold_before_state"] = order.hold_before_state
        out["hold_before_status"] = order.hold_before_status
    if out["shipping_description"] is None:
        del out["shipping_description"]
    return out
