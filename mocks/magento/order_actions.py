"""Order routes: list/get, invoice, ship (MSI source deduction), cancel, refund, hold (§5).

Money follows Magento's online/offline split: an invoice created with ``capture: true`` on an
order paid by a gateway method (the store's card, ``card_payment.py``) is an online capture,
any other invoice is paid offline (``Invoice::pay``); a credit memo is online only when asked
for against an online invoice (``RefundInvoice`` with ``isOnline``, ``CreditmemoManagement::
refund`` without ``offlineRequested``), offline otherwise. The document's evidence carries
``online``; the payment module moves the money from the event.

Every action that changes state emits ``OrderStateChanged`` (events.py). Reservation
bookkeeping follows spec §4.3: cancel +qty_to_cancel; ship deducts the source and appends
+qty; a credit memo with return to stock puts shipped units back on the source and unshipped
ones back as a reservation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .events import OrderStateChanged
from .orders import EPS, SEARCHABLE, Order, OrderItem, no_entity, render, resolve_state
from .rest import WebapiError, as_list, invalid_type, to_float, to_int, to_str
from .search import parse_criteria, search

if TYPE_CHECKING:
    from .routing import Call, Router
    from .state import Store

__all__ = ["online_invoice", "refund", "register"]

_BLOCKED = ("canceled", "holded", "payment_review", "closed")


def _gateway_paid(store: Store, order: Order) -> bool:
    """Paid by a gateway method (which can capture and refund online)."""
    return store.card is not None and order.payment_method == store.card.settings.code


def online_invoice(order: Order, invoice_id: Any) -> bool:
    """Whether invoice ``invoice_id`` of ``order`` was captured online."""
    return any(d.get("kind") == "invoice" and d.get("id") == invoice_id and d.get("online")
               for d in order.documents)


def _doc_error(kind: str, *messages: str) -> WebapiError:
    return WebapiError(400, f"{kind} Document Validation Error(s):\n" + "\n".join(messages))


def _order(call: Call, key: str = "id") -> Order:
    raw = call.path[key]
    try:
        entity_id = to_int(raw)
    except WebapiError:
        raise no_entity() from None
    return call.store.orders.get(entity_id)


def _requested(order: Order, body: dict[str, Any], available: str,
               kind: str) -> list[tuple[OrderItem, float]]:
    """``items`` → (order item, qty); no items means everything still available."""
    raw = body.get("items")
    if raw in (None, []):
        return [(i, getattr(i, available)) for i in order.items if getattr(i, available) > EPS]
    out: list[tuple[OrderItem, float]] = []
    for entry in as_list(raw, "items"):
        if not isinstance(entry, dict):
            raise invalid_type(entry, "Magento\\Sales\\Api\\Data\\LineItemInterface")
        item = order.item(to_int(entry.get("order_item_id", 0)))
        if item is None:
            raise _doc_error(kind, f"The {kind.lower()} contains one or more items that are "
                             "not part of the original order.")
        qty = to_float(entry.get("qty", 0))
        if qty < 0:
            raise invalid_type(entry.get("qty"), "float")
        out.append((item, qty))
    return out


async def _changed(store: Store, order: Order, action: str, old: tuple[str, str],
                   doc: int | None = None) -> None:
    order.updated_at = store.now()
    await store.events.emit(OrderStateChanged(
        order.entity_id, order.increment_id, action, old[0], order.state, old[1],
        order.status, order.updated_at, doc))


def _comment(store: Store, order: Order, body: dict[str, Any], entity: str) -> None:
    comment = body.get("comment")
    if isinstance(comment, dict) and comment.get("comment"):
        order.histories.append({
            "comment": to_str(comment["comment"]), "created_at": store.now(),
            "entity_id": next(store.orders.doc_ids["comment"]), "entity_name": entity,
            "is_customer_notified": int(bool(body.get("notify"))),
            "is_visible_on_front": int(bool(comment.get("is_visible_on_front", 0))),
            "parent_id": order.entity_id, "status": order.status})


def _doc_id(store: Store, kind: str) -> int | str:
    value = next(store.orders.doc_ids[kind])
    return str(value) if store.cfg.ids_as_strings else value


async def _document_created(store: Store, order: Order, body: dict[str, Any], kind: str,
                           action: str, documents: list[int],
                           old: tuple[str, str], lines: list[tuple[OrderItem, float]],
                           extra: dict[str, Any] | None = None) -> int | str:
    """The tail every document action shares: new state, optional comment, the document
    recorded (sales_documents.py) with its id on the order, and the state-changed event."""
    resolve_state(order)
    _comment(store, order, body, kind)
    online = bool(extra.pop("online", False)) if extra else False   # evidence, not REST
    doc = _doc_id(store, kind)
    documents.append(int(doc))
    record = store.documents.add(kind, int(doc), order, lines, store.now(), extra)
    # The evidence order_lifecycle and payment_integrity read: each document with its time,
    # lines, tracks (shipments) and amount (invoices, credit memos).
    evidence: dict[str, Any] = {"kind": kind, "id": int(doc), "at": store.now(),
                                "ts": time.time(), "items": _lines(lines)}
    if kind == "shipment":
        evidence["tracks"] = _tracks(body)
    elif extra and "grand_total" in extra:
        evidence["amount"] = extra["grand_total"]
        evidence["online"] = online
    order.documents.append(evidence)
    comment = body.get("comment")
    if isinstance(comment, dict) and comment.get("comment"):
        store.documents.comment(kind, record, to_str(comment["comment"]),
                                bool(body.get("notify")),
                                bool(comment.get("is_visible_on_front")), store.now())
    if kind == "shipment":
        for track in body.get("tracks") or []:
            store.documents.track(record, track, store.now())
    await _changed(store, order, action, old, int(doc))
    return doc


async def refund(store: Store, order: Order, body: dict[str, Any],
                 invoice_id: int | None = None, online: bool = False) -> int | str:
    """RefundOrder (offline, spec §5.2) / RefundInvoice (online when asked, for an invoice
    captured online): a credit memo."""
    kind = "Creditmemo"
    available = round(order.total_paid - order.total_refunded, 4)
    if order.state in _BLOCKED or available <= EPS:
        raise _doc_error(kind, "The order does not allow a creditmemo to be created.")
    if online and not online_invoice(order, invoice_id):
        raise _doc_error(kind, "Cannot create online refund for offline invoice.")
    lines = _requested(order, body, "to_refund", kind)
    for item, qty in lines:
        if qty > item.to_refund + EPS:
            raise _doc_error(kind, "The quantity to refund must not be greater than the "
                             "unrefunded quantity.")
    args = body.get("arguments") if isinstance(body.get("arguments"),
                                                    dict) else {}
    assert isinstance(args, dict)
    ship_left = round(order.shipping_invoiced - order.shipping_refunded, 4)
    shipping = to_float(args["shipping_amount"]) if args.get(
        "shipping_amount") is not None else ship_left
    if shipping > ship_left + EPS:
        raise _doc_error(kind, f"Maximum shipping amount allowed to refund is: {ship_left}")
    amount = sum(item.price * qty for item, qty in lines) + shipping
    amount += to_float(args.get("adjustment_positive") or 0)
    amount -= to_float(args.get("adjustment_negative") or 0)
    amount = round(amount, 4)
    if amount > available + EPS:
        raise WebapiError(400, f"{kind} Document Validation Error(s):\nThe most money "
                          "available to refund is %1.", [f"${available:,.2f}"])
    if amount <= EPS:
        raise _doc_error(kind, "The credit memo's total must be positive.")
    ext = args.get("extension_attributes")
    back = ext.get("return_to_stock_items") if isinstance(ext, dict) else None
    returned = {to_int(x) for x in back} if isinstance(back, list) else set()
    old = (order.state, order.status)
    inv = store.inventory
    for item, qty in lines:
        if qty <= EPS:
            continue
        if item.item_id in returned:
            shipped_left = item.qty_shipped - item.qty_returned_to_source
            to_source = min(qty, max(0.0, shipped_left))
            if to_source > EPS:
                inv.restock(item.sku, "default", to_source)
                item.qty_returned_to_source += to_source
            if qty - to_source > EPS:
                inv.append(item.sku, qty - to_source, "creditmemo_created",
                           order.entity_id, order.increment_id)
        item.qty_refunded += qty
    order.shipping_refunded = round(order.shipping_refunded + shipping, 4)
    order.total_refunded = round(order.total_refunded + amount, 4)
    return await _document_created(store, order, body, "creditmemo", "refund",
                                   order.creditmemos, old, lines, {
                                       "grand_total": amount, "base_grand_total": amount,
                                       "shipping_amount": shipping,
                                       "adjustment_positive": to_float(
                                           args.get("adjustment_positive") or 0),
                                       "adjustment_negative": to_float(
                                           args.get("adjustment_negative") or 0),
                                       "invoice_id": invoice_id, "online": online})


def _lines(lines: list[tuple[OrderItem, float]]) -> list[dict[str, Any]]:
    return [{"sku": item.sku, "qty": qty} for item, qty in lines if qty > EPS]


def _tracks(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"track_number": to_str(t.get("track_number")),
             "carrier_code": to_str(t.get("carrier_code") or ""),
             "title": to_str(t.get("title") or "")}
            for t in body.get("tracks") or [] if isinstance(t, dict)]


def register(router: Router) -> None:
    @router.add("GET", "/V1/orders", "Magento_Sales::actions_view",
                service="Magento\\Sales\\Api\\OrderRepositoryInterface::getList")
    async def get_list(call: Call) -> Any:
        crit = parse_criteria(call.query, limits=call.store.cfg.input_limits)
        rows, total = search(call.store.orders.searchable(), crit,
                             lambda o, f: o.field(f), lambda f: f in SEARCHABLE or f == "sku")
        return {"items": [render(o) for o in rows], "search_criteria": crit.echo(),
                "total_count": total}

    @router.add("GET", "/V1/orders/{id}", "Magento_Sales::actions_view")
    async def get_one(call: Call) -> Any:
        return render(_order(call))

    @router.add("GET", "/V1/orders/{id}/statuses", "Magento_Sales::actions_view")
    async def status(call: Call) -> Any:
        return _order(call).status.capitalize()

    @router.add("POST", "/V1/order/{orderId}/invoice", "Magento_Sales::invoice")
    async def invoice(call: Call) -> Any:
        store, order = call.store, _order(call, "orderId")
        kind = "Invoice"
        if order.state in _BLOCKED or order.state == "complete" or not any(
                i.to_invoice > EPS for i in order.items):
            raise _doc_error(kind, "The order does not allow an invoice to be created.")
        lines = _requested(order, call.body, "to_invoice", kind)
        if sum(q for _, q in lines) <= EPS:
            raise _doc_error(kind, "The invoice can't be created without products. Add "
                             "products and try again.")
        for item, qty in lines:
            if qty > item.to_invoice + EPS:
                raise _doc_error(kind, "The quantity to invoice must not be greater than the "
                                 "uninvoiced quantity for product SKU \"%1\".".replace(
                                     "%1", item.sku))
        old = (order.state, order.status)
        amount = 0.0
        for item, qty in lines:
            item.qty_invoiced += qty
            amount += item.price * qty
        shipping = order.shipping_amount - order.shipping_invoiced
        order.shipping_invoiced += shipping
        amount = round(amount + shipping, 4)
        order.total_invoiced = round(order.total_invoiced + amount, 4)
        # PayOperation: captured online by a gateway method when asked, else paid offline;
        # either way the order counts it paid.
        order.total_paid = round(order.total_paid + amount, 4)
        online = bool(call.body.get("capture")) and _gateway_paid(store, order)
        return await _document_created(store, order, call.body, "invoice", "invoice",
                                       order.invoices, old, lines, {
                                           "shipping_amount": shipping, "online": online,
                                           "grand_total": amount, "base_grand_total": amount})

    @router.add("POST", "/V1/order/{orderId}/ship", "Magento_Sales::ship")
    async def ship(call: Call) -> Any:
        store, order = call.store, _order(call, "orderId")
        kind = "Shipment"
        if order.state in _BLOCKED or order.state == "complete" or not any(
                i.to_ship > EPS for i in order.items):
            raise _doc_error(kind, "The order does not allow a shipment to be created.")
        for track in call.body.get("tracks") or []:
            if not isinstance(track, dict) or track.get("track_number") in (None, ""):
                raise _doc_error(kind, "Please enter a tracking number.")
        lines = _requested(order, call.body, "to_ship", kind)
        if sum(q for _, q in lines) <= EPS:
            raise _doc_error(kind, "You can't create a shipment without products.")
        for item, qty in lines:
            if qty > item.to_ship + EPS:
                raise _doc_error(kind, "The order does not allow a shipment to be created.")
        args = call.body.get("arguments")
        ext = args.get("extension_attributes") if isinstance(args, dict) else None
        source = to_str(ext.get("source_code")) if isinstance(ext, dict) and ext.get(
            "source_code") else "default"
        inv = store.inventory
        # SourceDeductionService: all or nothing, checked before anything is taken.
        need: dict[str, float] = {}
        for item, qty in lines:
            need[item.sku] = need.get(item.sku, 0.0) + qty
        for sku, qty in need.items():
            have = inv.items.get((sku, source))
            if inv.manages_stock(sku) and (have is None or have.quantity + EPS < qty):
                raise WebapiError(400, "Not all of your products are available in the "
                                  "requested quantity.")
        old = (order.state, order.status)
        for item, qty in lines:
            if qty <= EPS:
                continue
            inv.deduct(item.sku, source, qty)
            item.qty_shipped += qty
            inv.append(item.sku, qty, "shipment_created", order.entity_id, order.increment_id)
        return await _document_created(store, order, call.body, "shipment", "ship",
                                       order.shipments, old, lines)

    @router.add("POST", "/V1/orders/{id}/cancel", "Magento_Sales::cancel")
    async def cancel(call: Call) -> Any:
        store, order = call.store, _order(call)
        if order.state in _BLOCKED or order.state == "complete" or not any(
                i.to_invoice > EPS for i in order.items):
            return False
        old = (order.state, order.status)
        canceled = 0.0
        for item in order.items:
            qty = item.to_cancel  # Item::cancel(): min(qty to invoice, qty to ship)
            if qty > EPS:
                store.inventory.append(item.sku, qty, "order_canceled", order.entity_id,
                                       order.increment_id)
            canceled += item.price * qty
            item.qty_canceled += qty
        shipping = order.shipping_amount - order.shipping_invoiced
        order.total_canceled = round(canceled + shipping, 4)
        # Order::registerCancellation: an order with invoiced, unrefunded items is not
        # "canceled" but processing (still shippable) or complete.
        if any(i.to_refund > EPS for i in order.items):
            order.set_state("processing" if any(i.to_ship > EPS for i in order.items)
                            else "complete")
        else:
            order.set_state("canceled")
        order.documents.append({"kind": "cancel", "id": None, "at": store.now(),
                                "ts": time.time(),
                                "items": [{"sku": i.sku, "qty": i.qty_canceled}
                                          for i in order.items if i.qty_canceled > EPS]})
        await _changed(store, order, "cancel", old)
        return True

    @router.add("POST", "/V1/order/{orderId}/refund", "Magento_Sales::creditmemo")
    async def refund_order(call: Call) -> Any:
        return await refund(call.store, _order(call, "orderId"), call.body)

    @router.add("POST", "/V1/orders/{id}/hold", "Magento_Sales::hold")
    async def hold(call: Call) -> Any:
        store, order = call.store, _order(call)
        if order.state not in ("new", "processing"):
            raise WebapiError(400, "A hold action is not available.")
        old = (order.state, order.status)
        order.hold_before_state, order.hold_before_status = order.state, order.status
        order.set_state("holded")
        order.documents.append({"kind": "hold", "id": None, "at": store.now(),
                                "ts": time.time()})
        await _changed(store, order, "hold", old)
        return True

    @router.add("POST", "/V1/orders/{id}/unhold", "Magento_Sales::unhold")
    async def unhold(call: Call) -> Any:
        store, order = call.store, _order(call)
        if order.state != "holded" or not order.hold_before_state:
            raise WebapiError(400, "You cannot remove the hold.")
        old = (order.state, order.status)
        order.set_state(order.hold_before_state, order.hold_before_status)
        order.hold_before_state = order.hold_before_status = None
        order.documents.append({"kind": "unhold", "id": None, "at": store.now(),
                                "ts": time.time()})
        await _changed(store, order, "unhold", old)
        return True

    @router.add("POST", "/V1/orders/{id}/comments", "Magento_Sales::comment")
    async def add_comment(call: Call) -> Any:
        store, order = call.store, _order(call)
        history = call.body.get("status_history")
        if not isinstance(history, dict):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "statusHistory"})
        if history.get("status"):
            order.status = to_str(history["status"])
        order.histories.append({
            "comment": to_str(history.get("comment") or ""), "created_at": store.now(),
            "entity_id": next(store.orders.doc_ids["comment"]), "entity_name": "order",
            "is_customer_notified": int(bool(history.get("is_customer_notified", 0))),
            "is_visible_on_front": int(bool(history.get("is_visible_on_front", 0))),
            "parent_id": order.entity_id, "status": order.status})
        order.updated_at = store.now()
        return True

    @router.add("GET", "/V1/orders/{id}/comments", "Magento_Sales::actions_view")
    async def comments(call: Call) -> Any:
        order = _order(call)
        return {"items": list(order.histories), "search_criteria": {"filter_groups": [
            {"filters": [{"field": "parent_id", "value": str(order.entity_id),
                          "condition_type": "eq"}]}]}, "total_count": len(order.histories)}
