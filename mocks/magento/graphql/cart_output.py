"""How carts and orders look in GraphQL (``Cart``, ``CustomerOrder``): read from the same store
the REST checkout writes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..carts import Cart, totals
from ..checkout import flat_rate_methods
from ..storefront_catalog import uid
from .catalog_fields import product_out

if TYPE_CHECKING:
    from ..state import Store
    from .context import Context

__all__ = ["address_out", "available_methods", "cart_out", "method_out", "money", "order_out"]


def money(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 4), "currency": "USD"}


def address_out(address: dict[str, Any]) -> dict[str, Any]:
    region = address.get("region")
    return {"uid": uid(address.get("customer_address_id") or 0), "id": None,
            "firstname": address.get("firstname") or "", "lastname": address.get("lastname") or "",
            "street": list(address.get("street") or []), "city": address.get("city") or "",
            "postcode": address.get("postcode"), "telephone": address.get("telephone"),
            "company": address.get("company"),
            "region": {"code": address.get("region_code") or region, "label": region,
                       "region_id": address.get("region_id")},
            "country": {"code": address.get("country_id") or "", "label":
                        address.get("country_id") or ""}}


async def available_methods(store: Store, cart: Cart,
                            address: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The carrier methods for ``address`` (the cart's shipping address by default)."""
    hooked = await store.hooks.shipping_methods(
        store, cart, cart.shipping_address if address is None else address)
    methods = hooked if hooked is not None else flat_rate_methods(store, cart)
    return [method_out(m) for m in methods]


def method_out(method: dict[str, Any]) -> dict[str, Any]:
    amount = money(method.get("amount") or 0)
    return {"carrier_code": method.get("carrier_code"), "method_code": method.get("method_code"),
            "carrier_title": method.get("carrier_title") or "",
            "method_title": method.get("method_title") or "", "amount": amount,
            "base_amount": amount, "price_excl_tax": amount, "price_incl_tax": amount,
            "available": bool(method.get("available", True)),
            "error_message": method.get("error_message") or ""}


def cart_out(ctx: Context, cart: Cart) -> dict[str, Any]:
    store = ctx.store
    sums = totals(store, cart)
    coupon = [{"code": cart.coupon_code}] if cart.coupon_code else None
    items = []
    for line in cart.items.values():
        product = store.catalog.get(line.sku)
        row = money(line.price * line.qty)
        items.append({
            "__typename": "SimpleCartItem", "id": str(line.item_id), "uid": uid(line.item_id),
            "quantity": line.qty, "is_available": store.inventory.can_sell(line.sku, line.qty),
            "customizable_options": [], "errors": None,
            "prices": {"price": money(line.price), "price_including_tax": money(line.price),
                       "row_total": row, "row_total_including_tax": row,
                       "original_item_price": money(line.price), "original_row_total": row,
                       "total_item_discount": money(0), "discounts": []},
            "product": product_out(store, product) if product is not None else None})
    shipping: list[dict[str, Any]] = []
    if cart.shipping_address is not None:
        address = address_out(cart.shipping_address)
        selected = None
        if cart.carrier_code:
            amount = money(sums["shipping_amount"])
            selected = {"carrier_code": cart.carrier_code, "method_code": cart.method_code,
                        "carrier_title": cart.carrier_code.title(),
                        "method_title": str(cart.method_code).title(), "amount": amount,
                        "base_amount": amount, "price_excl_tax": amount,
                        "price_incl_tax": amount}
        address.update(same_as_billing=False, selected_shipping_method=selected,
                       available_shipping_methods=lambda info, **_: available_methods(
                           store, cart),
                       cart_items_v2=items)
        shipping.append(address)
    grand = sums["grand_total"]   # no discount rule is modelled (config.py: coupons)
    payment = cart.payment_method
    return {
        "id": store.carts.mask(cart), "email": cart.email, "is_virtual": False,
        "total_quantity": cart.items_qty, "items": items,
        "itemsV2": {"items": items, "total_count": len(items),
                    "page_info": {"page_size": 20, "current_page": 1, "total_pages": 1}},
        "applied_coupon": coupon[0] if coupon else None, "applied_coupons": coupon,
        "shipping_addresses": shipping,
        "billing_address": address_out(cart.billing_address) if cart.billing_address else None,
        "available_payment_methods": [{"code": c, "title": t}
                                      for c, t in store.cfg.payment_methods.items()],
        "selected_payment_method": {"code": payment or "",
                                    "title": store.cfg.payment_methods.get(payment or "", "")},
        "prices": {
            "grand_total": money(grand), "grand_total_excluding_tax": money(grand),
            "subtotal_excluding_tax": money(sums["subtotal"]),
            "subtotal_including_tax": money(sums["subtotal"]),
            "subtotal_with_discount_excluding_tax": money(sums["subtotal"]),
            "applied_taxes": [], "discounts": []},
    }


def order_out(store: Store, order: Any) -> dict[str, Any]:
    """A placed order as ``CustomerOrder`` (placeOrder's ``orderV2``, ``customer.orders``)."""
    def address(raw: dict[str, Any] | None) -> dict[str, Any] | None:
        if not raw:
            return None
        return {"firstname": raw.get("firstname") or "", "lastname": raw.get("lastname") or "",
                "street": list(raw.get("street") or []), "city": raw.get("city") or "",
                "postcode": raw.get("postcode"), "telephone": raw.get("telephone"),
                "region": raw.get("region"), "region_id": raw.get("region_id"),
                "country_code": raw.get("country_id")}

    token = hashlib.sha256(f"{order.entity_id}:{order.increment_id}".encode()).hexdigest()[:32]
    return {
        "id": uid(order.entity_id), "number": order.increment_id,
        "order_number": order.increment_id, "increment_id": order.increment_id,
        "order_date": order.created_at, "created_at": order.created_at, "status": order.status,
        "order_status_change_date": order.updated_at, "email": order.customer_email,
        "token": token, "is_virtual": False, "grand_total": order.grand_total,
        "applied_coupons": [], "available_actions": [], "invoices": [],
        "customer_info": {"firstname": order.customer_firstname or "",
                          "lastname": order.customer_lastname or ""},
        "carrier": order.shipping_method, "shipping_method": order.shipping_method,
        "payment_methods": [{"name": order.payment_method, "type": order.payment_method,
                             "additional_data": []}],
        "shipping_address": address(order.shipping_address),
        "billing_address": address(order.billing_address),
        "total": {"grand_total": money(order.grand_total),
                  "base_grand_total": money(order.grand_total),
                  "subtotal": money(order.subtotal), "total_tax": money(0),
                  "total_shipping": money(order.shipping_amount), "taxes": [], "discounts": []},
        "items": [{"__typename": "OrderItem", "id": uid(i.item_id), "product_sku": i.sku,
                   "product_name": i.name, "product_type": "simple", "status": "Ordered",
                   "quantity_ordered": i.qty_ordered, "product_sale_price": money(i.price)}
                  for i in order.items],
    }
