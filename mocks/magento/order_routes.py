"""Order routes beyond the lifecycle actions (Magento_Sales' order and order item
repositories): order items search and by id, order save (``POST /V1/orders``,
``PUT /V1/orders/create``: status, state, ``ext_order_id``), the order address update
(``PUT /V1/orders/{parent_id}``) and order emails. A save that changes state or status
emits ``OrderStateChanged`` (action ``save``) as the lifecycle actions do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .events import OrderStateChanged
from .orders import _STATUS, Order, no_entity, render
from .rest import WebapiError, as_object, invalid_type, to_int, to_str
from .search import listing

if TYPE_CHECKING:
    from .orders import OrderItem
    from .routing import Call, Router

__all__ = ["register"]

VIEW = "Magento_Sales::actions_view"
ITEM_SEARCHABLE = frozenset({
    "item_id", "order_id", "sku", "name", "product_id", "product_type", "price",
    "qty_ordered", "qty_invoiced", "qty_shipped", "qty_refunded", "qty_canceled",
    "created_at", "updated_at", "store_id"})
ADDRESS_KEYS = ("city", "company", "country_id", "email", "firstname", "lastname",
                "middlename", "postcode", "prefix", "region", "region_code", "region_id",
                "street", "suffix", "telephone", "vat_id", "fax")


def _items(call: Call) -> list[tuple[Order, OrderItem]]:
    return [(o, i) for o in call.store.orders.searchable() for i in o.items]


def _item_field(row: tuple[Order, OrderItem], name: str) -> Any:
    order, item = row
    if name == "updated_at":
        return order.updated_at
    if name == "store_id":
        return 1
    return getattr(item, name, None)


def _order(call: Call, raw: Any) -> Order:
    try:
        entity_id = to_int(raw)
    except WebapiError:
        raise no_entity() from None
    return call.store.orders.get(entity_id)


async def _save(call: Call) -> Any:
    store = call.store
    data = as_object(call.body.get("entity"), "entity")
    if data.get("entity_id") in (None, ""):
        # OrderRepository::save of a new order needs the whole sales model (items, totals,
        # payment, addresses); connectors place orders through carts instead.
        raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                          {"fieldName": "entity_id"})
    order = _order(call, data["entity_id"])
    old = (order.state, order.status)
    if data.get("state") not in (None, ""):
        state = to_str(data["state"])
        if state not in _STATUS:
            raise WebapiError(400, 'The "%1" order state is not valid.', [state])
        order.state = state
    if data.get("status") not in (None, ""):
        order.status = to_str(data["status"])
    for key in ("ext_order_id", "customer_note", "customer_note_notify"):
        if data.get(key) is not None:
            order.extra[key] = data[key]
    order.updated_at = store.now()
    if (order.state, order.status) != old:
        await store.events.emit(OrderStateChanged(
            order.entity_id, order.increment_id, "save", old[0], order.state, old[1],
            order.status, order.updated_at))
    return render(order)


def register(router: Router) -> None:
    @router.add("GET", "/V1/orders/items", VIEW)
    async def items(call: Call) -> Any:
        return listing(call.criteria, _items(call), _item_field, ITEM_SEARCHABLE,
                       lambda row: row[1].out(row[0].updated_at))

    @router.add("GET", "/V1/orders/items/{id}", VIEW)
    async def item(call: Call) -> Any:
        try:
            item_id = to_int(call.param("id"))
        except WebapiError:
            raise no_entity() from None
        for order in call.store.orders.by_id.values():
            found = order.item(item_id)
            if found is not None:
                return found.out(order.updated_at)
        raise no_entity()

    router.add("POST", "/V1/orders", "Magento_Sales::actions_edit")(_save)
    router.add("PUT", "/V1/orders/create", "Magento_Sales::create")(_save)

    @router.add("PUT", "/V1/orders/{parent_id}", "Magento_Sales::actions_edit")
    async def address(call: Call) -> Any:
        data = as_object(call.body.get("entity"), "entity")
        order = _order(call, call.path.get("parent_id", data.get("parent_id")))
        kind = to_str(data.get("address_type") or "billing")
        if kind not in ("billing", "shipping"):
            raise invalid_type(kind, "address_type")
        target = order.billing_address if kind == "billing" else order.shipping_address
        if target is None:
            raise WebapiError(400, "The order address doesn't exist.")
        for key in ADDRESS_KEYS:
            if data.get(key) is not None:
                target[key] = data[key]
        order.updated_at = call.store.now()
        rendered = render(order)
        if kind == "billing":
            return rendered["billing_address"]
        return rendered["extension_attributes"]["shipping_assignments"][0]["shipping"][
            "address"]

    @router.add("POST", "/V1/orders/{id}/emails", "Magento_Sales::emails")
    async def emails(call: Call) -> Any:
        _order(call, call.param("id"))
        return True
