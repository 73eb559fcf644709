"""Invoice, shipment and credit memo routes (Magento_Sales' document repositories and
management services): list, by id, save, comments, emails, shipment tracks and labels,
invoice capture/void, refunds by invoice and by credit memo.

Documents are created by the order actions (``order_actions.py``: invoice, ship, refund);
the repository saves here that create a document (``POST /V1/invoices/``, ``/V1/shipment/``,
``/V1/creditmemo``, ``/V1/creditmemo/refund``) go through the same actions, so stock,
reservations, order state and events follow as they do there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .order_actions import online_invoice, refund
from .orders import no_entity
from .rest import WebapiError, as_object, to_int, to_str
from .routing import Call
from .sales_documents import SEARCHABLE
from .search import listing

if TYPE_CHECKING:
    from .routing import Router

__all__ = ["register"]

ACL = {"invoice": "Magento_Sales::sales_invoice", "shipment": "Magento_Sales::shipment",
       "creditmemo": "Magento_Sales::sales_creditmemo"}
OPEN, PAID, CANCELED = 1, 2, 3


def _doc(call: Call, kind: str, name: str = "id") -> dict[str, Any]:
    try:
        doc_id = to_int(call.param(name))
    except WebapiError:
        raise no_entity() from None
    found = call.store.documents.get(kind, doc_id)
    if found is None:
        raise no_entity()
    return found


def _comments(record: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(record["comments"]), "search_criteria": {"filter_groups": [
        {"filters": [{"field": "parent_id", "value": str(record["entity_id"]),
                      "condition_type": "eq"}]}]}, "total_count": len(record["comments"])}


def _lines(entity: dict[str, Any]) -> list[dict[str, Any]]:
    items = entity.get("items")
    if not isinstance(items, list):
        return []
    return [{"order_item_id": i.get("order_item_id"), "qty": i.get("qty")}
            for i in items if isinstance(i, dict)]


def register(router: Router) -> None:
    def listed(kind: str, path: str) -> None:
        async def handler(call: Call) -> Any:
            docs = call.store.documents.records[kind]
            return listing(call.criteria, list(docs.values()), lambda d, f: d.get(f),
                           SEARCHABLE, dict)
        router.add("GET", path, ACL[kind])(handler)

    def by_id(kind: str, path: str) -> None:
        async def handler(call: Call) -> Any:
            return _doc(call, kind)
        router.add("GET", path, ACL[kind])(handler)

    def comments(kind: str, path: str) -> None:
        async def read(call: Call) -> Any:
            return _comments(_doc(call, kind))

        async def write(call: Call) -> Any:
            entity = as_object(call.body.get("entity"), "entity")
            raw = call.path.get("id", entity.get("parent_id"))
            if raw is None:
                raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                                  {"fieldName": "parent_id"})
            record = call.store.documents.get(kind, to_int(raw))
            if record is None:
                raise WebapiError(400, "Could not save the %1 comment.", [kind])
            if entity.get("comment") in (None, ""):
                raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                                  {"fieldName": "comment"})
            return call.store.documents.comment(
                kind, record, to_str(entity["comment"]),
                bool(entity.get("is_customer_notified")),
                bool(entity.get("is_visible_on_front")), call.store.now())
        if path:
            router.add("GET", path, ACL[kind])(read)
            router.add("POST", path, ACL[kind])(write)
        else:
            router.add("POST", "/V1/invoices/comments", ACL[kind])(write)

    def emails(kind: str, path: str) -> None:
        async def handler(call: Call) -> Any:
            _doc(call, kind)
            return True
        router.add("POST", path, ACL[kind])(handler)

    for kind, many, one in (("invoice", "/V1/invoices", "/V1/invoices/{id}"),
                            ("shipment", "/V1/shipments", "/V1/shipment/{id}"),
                            ("creditmemo", "/V1/creditmemos", "/V1/creditmemo/{id}")):
        listed(kind, many)
        by_id(kind, one)
        emails(kind, one + "/emails")
        comments(kind, "" if kind == "invoice" else one + "/comments")
    @router.add("GET", "/V1/invoices/{id}/comments", ACL["invoice"])
    async def invoice_comments(call: Call) -> Any:
        return _comments(_doc(call, "invoice"))

    async def through(call: Call, pattern: str, order_id: Any,
                      body: dict[str, Any]) -> Any:
        """Run an order action (invoice/ship/refund) as this call."""
        route = router.find("POST", pattern)
        assert route is not None
        if order_id in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "order_id"})
        sub = Call(call.store, call.principal, {"orderId": str(order_id)}, body,
                   route=route, is_async=call.is_async)
        return await route.handler(sub)

    @router.add("POST", "/V1/invoices/", ACL["invoice"])
    async def save_invoice(call: Call) -> Any:
        store = call.store
        entity = as_object(call.body.get("entity"), "entity")
        if entity.get("entity_id") not in (None, ""):
            record = store.documents.get("invoice", to_int(entity["entity_id"]))
            if record is None:
                raise no_entity()
        else:
            doc = await through(call, "/V1/order/:orderId/invoice", entity.get("order_id"),
                                {"items": _lines(entity)})
            record = store.documents.get("invoice", int(doc))
            assert record is not None
        if entity.get("state") is not None:
            record["state"] = to_int(entity["state"])
        record["updated_at"] = store.now()
        return record

    @router.add("POST", "/V1/invoices/{id}/capture", ACL["invoice"])
    async def capture(call: Call) -> Any:
        record = _doc(call, "invoice")
        if record["state"] != OPEN:
            raise WebapiError(400, "The capture action is not available.")
        record["state"] = PAID
        return str(record["entity_id"])

    @router.add("POST", "/V1/invoices/{id}/void", ACL["invoice"])
    async def void(call: Call) -> Any:
        record = _doc(call, "invoice")
        if record["state"] != OPEN:
            raise WebapiError(400, "The invoice can't be voided.")
        record["state"] = CANCELED
        return True

    @router.add("POST", "/V1/invoice/{invoiceId}/refund", "Magento_Sales::sales_invoice")
    async def refund_invoice(call: Call) -> Any:
        record = _doc(call, "invoice", "invoiceId")
        order = call.store.orders.get(record["order_id"])
        return await refund(call.store, order, call.body, invoice_id=record["entity_id"],
                            online=bool(call.body.get("is_online")))

    @router.add("POST", "/V1/shipment/", ACL["shipment"])
    async def save_shipment(call: Call) -> Any:
        store = call.store
        entity = as_object(call.body.get("entity"), "entity")
        if entity.get("entity_id") not in (None, ""):
            record = store.documents.get("shipment", to_int(entity["entity_id"]))
            if record is None:
                raise no_entity()
        else:
            doc = await through(call, "/V1/order/:orderId/ship", entity.get("order_id"),
                                {"items": _lines(entity), "tracks": entity.get("tracks")
                                 or []})
            record = store.documents.get("shipment", int(doc))
            assert record is not None
        record["updated_at"] = store.now()
        return record

    @router.add("POST", "/V1/shipment/track", ACL["shipment"])
    async def add_track(call: Call) -> Any:
        store = call.store
        entity = as_object(call.body.get("entity"), "entity")
        record = store.documents.get("shipment", to_int(entity.get("parent_id") or 0))
        if record is None:
            raise WebapiError(400, "Could not save the shipment tracking.")
        if entity.get("track_number") in (None, ""):
            raise WebapiError(400, "Please enter a tracking number.")
        return store.documents.track(record, entity, store.now())

    @router.add("DELETE", "/V1/shipment/track/{id}", ACL["shipment"])
    async def delete_track(call: Call) -> Any:
        found = call.store.documents.find_track(to_int(call.param("id")))
        if found is None:
            raise WebapiError(400, "Could not delete the shipment tracking.")
        record, track = found
        record["tracks"].remove(track)
        return True

    @router.add("GET", "/V1/shipment/{id}/label", ACL["shipment"])
    async def label(call: Call) -> Any:
        return str(_doc(call, "shipment").get("shipping_label") or "")

    async def memo_from(call: Call, entity: dict[str, Any], online: bool = False) -> Any:
        store = call.store
        order = store.orders.get(to_int(entity.get("order_id") or 0))
        body: dict[str, Any] = {"items": _lines(entity), "arguments": {
            key: entity[key] for key in ("shipping_amount", "adjustment_positive",
                                         "adjustment_negative") if entity.get(key) is not None}}
        invoice_id = entity.get("invoice_id")
        invoice_id = to_int(invoice_id) if invoice_id not in (None, "") else None
        # Online only against an invoice captured online; Magento refunds the rest offline.
        doc = await refund(store, order, body, invoice_id=invoice_id,
                           online=online and online_invoice(order, invoice_id))
        return store.documents.get("creditmemo", int(doc))

    @router.add("POST", "/V1/creditmemo", ACL["creditmemo"])
    async def save_memo(call: Call) -> Any:
        entity = as_object(call.body.get("entity"), "entity")
        if entity.get("entity_id") not in (None, ""):
            record = call.store.documents.get("creditmemo", to_int(entity["entity_id"]))
            if record is None:
                raise no_entity()
            return record
        return await memo_from(call, entity)

    @router.add("POST", "/V1/creditmemo/refund", ACL["creditmemo"])
    async def refund_memo(call: Call) -> Any:
        return await memo_from(call, as_object(call.body.get("creditmemo"), "creditmemo"),
                               online=not call.body.get("offline_requested"))

    @router.add("PUT", "/V1/creditmemo/{id}", ACL["creditmemo"])
    async def cancel_memo(call: Call) -> Any:
        _doc(call, "creditmemo")
        # CreditmemoService::cancel refuses every credit memo in Magento 2.4.
        raise WebapiError(400, "You can not cancel Credit Memo")
