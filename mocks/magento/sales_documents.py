"""Invoices, shipments and credit memos as records (Magento_Sales' document repositories).

``order_actions.py`` creates them (invoice, ship, refund) and this module keeps what the read
routes return: the document with its items, comments and, for shipments, tracks. A document's
``entity_id`` is the one the create call returned; its ``increment_id`` follows the order's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .orders import Order, OrderItem

__all__ = ["KINDS", "SEARCHABLE", "SalesDocuments"]

KINDS = ("invoice", "shipment", "creditmemo")
SEARCHABLE = frozenset({"entity_id", "order_id", "increment_id", "created_at", "updated_at",
                        "state", "grand_total", "total_qty", "store_id", "shipment_status",
                        "creditmemo_status", "email_sent"})


@dataclass
class SalesDocuments:
    records: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS})
    _line_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _comment_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _track_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def get(self, kind: str, doc_id: int) -> dict[str, Any] | None:
        return self.records[kind].get(doc_id)

    def add(self, kind: str, doc_id: int, order: Order,
            lines: list[tuple[OrderItem, float]], now: str,
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
        items = []
        subtotal = 0.0
        for item, qty in lines:
            if qty <= 0:
                continue
            row = round(item.price * qty, 4)
            subtotal += row
            line: dict[str, Any] = {
                "entity_id": next(self._line_ids), "parent_id": doc_id,
                "order_item_id": item.item_id, "sku": item.sku, "name": item.name,
                "product_id": item.product_id, "qty": qty, "price": item.price,
                "row_total": row}
            if kind != "shipment":
                line.update(base_price=item.price, base_row_total=row, price_incl_tax=item.price,
                            row_total_incl_tax=row, tax_amount=0, discount_amount=0)
            if kind == "creditmemo":
                line["base_cost"] = 0
            items.append(line)
        record: dict[str, Any] = {
            "entity_id": doc_id, "increment_id": f"{doc_id:09d}", "order_id": order.entity_id,
            "store_id": 1, "created_at": now, "updated_at": now, "items": items,
            "comments": [], "total_qty": sum(q for _, q in lines), "email_sent": 0}
        if kind == "shipment":
            record.update(tracks=[], packages=[])
        else:
            subtotal = round(subtotal, 4)
            record.update(state=2, subtotal=subtotal, base_subtotal=subtotal,
                          grand_total=subtotal, base_grand_total=subtotal,
                          shipping_amount=0.0, tax_amount=0, discount_amount=0,
                          base_currency_code="USD", order_currency_code="USD",
                          global_currency_code="USD", store_currency_code="USD")
        if kind == "creditmemo":
            record["creditmemo_status"] = None
            record["state"] = 2   # refunded
        record.update(extra or {})
        self.records[kind][doc_id] = record
        return record

    def comment(self, kind: str, record: dict[str, Any], text: str, notify: bool,
                visible: bool, now: str) -> dict[str, Any]:
        entry = {"entity_id": next(self._comment_ids), "parent_id": record["entity_id"],
                 "comment": text, "is_customer_notified": int(notify),
                 "is_visible_on_front": int(visible), "created_at": now}
        record["comments"].append(entry)
        record["updated_at"] = now
        return entry

    def track(self, record: dict[str, Any], data: dict[str, Any], now: str) -> dict[str, Any]:
        entry = {"entity_id": next(self._track_ids), "parent_id": record["entity_id"],
                 "order_id": record["order_id"], "created_at": now, "updated_at": now,
                 "track_number": str(data.get("track_number") or ""),
                 "title": str(data.get("title") or ""),
                 "carrier_code": str(data.get("carrier_code") or "custom"),
                 "weight": data.get("weight"), "qty": data.get("qty"),
                 "description": data.get("description")}
        record["tracks"].append(entry)
        return entry

    def find_track(self, track_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for record in self.records["shipment"].values():
            for track in record["tracks"]:
                if track["entity_id"] == track_id:
                    return record, track
        return None

    def of_order(self, kind: str, order_id: int) -> list[dict[str, Any]]:
        return [r for r in self.records[kind].values() if r["order_id"] == order_id]
