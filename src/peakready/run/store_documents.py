"""A real store's after-sale documents as each exported order's ``documents``.

The simulator's order evidence carries, per order, every invoice, shipment (lines and tracks),
credit memo and the cancellation, each with its time: what ``order_lifecycle`` judges. A real
store keeps the same facts in its own tables; Magento's REST API serves them as searches
(``GET /V1/shipments``, ``/V1/invoices``, ``/V1/creditmemos``) and on the order itself (its
state and status history). This module reads those, bounded in pages like every witness read,
and writes them in the simulator's shape, so the check reads a staging store as it reads the
embedded one::

    kept = await documents_since(store, "2026-12-06 10:00:00")    # order id -> documents
    row["documents"] = order_documents(order, kept.get(order["entity_id"], []))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peakready.run.witness import StoreApi

__all__ = ["SEARCHES", "documents_since", "order_documents"]

#: Each document kind and the REST search that lists it.
SEARCHES = {"invoice": "/invoices", "shipment": "/shipments", "creditmemo": "/creditmemos"}


def _document(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": kind, "id": raw.get("entity_id"), "at": raw.get("created_at"),
                           "items": [{"sku": line.get("sku"), "qty": line.get("qty")}
                                     for line in raw.get("items") or ()
                                     if isinstance(line, dict) and line.get("qty")]}
    if kind == "shipment":
        doc["tracks"] = [{"track_number": t.get("track_number"),
                          "carrier_code": t.get("carrier_code"), "title": t.get("title")}
                         for t in raw.get("tracks") or () if isinstance(t, dict)]
    else:
        doc["amount"] = raw.get("grand_total")
    return doc


async def documents_since(store: StoreApi, since: str) -> dict[int, list[dict[str, Any]]]:
    """Every invoice, shipment and credit memo created at or after ``since`` (Magento time),
    by the entity id of its order."""
    found: dict[int, list[dict[str, Any]]] = {}
    for kind, path in SEARCHES.items():
        async for page in store.pages(path, since=since):
            for raw in page:
                order_id = raw.get("order_id")
                if isinstance(order_id, int | str) and str(order_id).isdigit():
                    found.setdefault(int(order_id), []).append(_document(kind, raw))
    return found


def order_documents(order: dict[str, Any],
                    documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's documents, its cancellation added when Magento cancelled it (the time of
    the status history entry that says so, else the order's last update)."""
    if order.get("state") != "canceled":
        return documents
    history = [h for h in order.get("status_histories") or ()
               if isinstance(h, dict) and h.get("status") == "canceled"]
    at = min((str(h.get("created_at")) for h in history if h.get("created_at")),
             default=order.get("updated_at"))
    return [*documents, {"kind": "cancel", "id": None, "at": at}]
