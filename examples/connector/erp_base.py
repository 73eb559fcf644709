"""What every ERP adapter of the example connector is (erp_api.py picks one per dialect).

The shared part: the connector-facing interface, the stock change bookkeeping for vendors
without a change feed, and the once-only emission of order updates. Stdlib only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

__all__ = ["Adapter", "Call", "Reply", "iso"]


class Reply(Protocol):
    status: int
    body: Any
    headers: dict[str, str]


Call = Callable[..., Any]   # connector.call(method, url, body, headers, params) → Reply


def iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Adapter:
    dialect = "peakready"

    def __init__(self, base: str, call: Call, reply: Callable[..., Any],
                 mistakes: frozenset[str]) -> None:
        self.base, self.call, self.reply, self.mistakes = base, call, reply, mistakes
        self.started = time.time()
        self.emitted: set[tuple[str, str]] = set()
        self.levels: dict[str, float] = {}
        self.unsaved: dict[str, dict[str, Any]] = {}
        self.stale: set[str] = set()
        self.pulls = 0

    # what differs per vendor -----------------------------------------------------------------
    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        raise NotImplementedError

    def order_updates(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def stock_level(self, sku: str) -> float | None:
        raise NotImplementedError

    def all_levels(self) -> dict[str, float] | None:
        raise NotImplementedError

    def cancel_order(self, increment: str) -> bool:
        """Tell the ERP that Magento cancelled the order; True once the ERP has it (cancelled,
        or refused because a shipment already left: the ERP's answer is final either way)."""
        raise NotImplementedError

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        """Make the ERP's credit memos of the order add up to Magento's ``refunded`` total
        (``credited`` of it was booked before); True once they do."""
        raise NotImplementedError

    # shared ----------------------------------------------------------------------------------
    def stock_changes(self) -> list[dict[str, Any]] | None:
        changes = self._changes()
        if changes is None:
            return list(self.unsaved.values()) or None
        merged = {**self.unsaved, **{c["sku"]: c for c in changes}}
        self.unsaved = {}
        for sku in sorted(self.stale - merged.keys()):
            level = self.stock_level(sku)
            if level is not None:
                merged[sku] = {"sku": sku, "qty": level}
        self.stale -= merged.keys()
        return list(merged.values())

    def stock_unsaved(self, items: list[dict[str, Any]]) -> None:
        self.unsaved.update({i["sku"]: i for i in items})

    def stock_forget(self, skus: list[str]) -> None:
        """Hand these SKUs' ERP levels over again next time, changed or not."""
        self.stale.update(skus)

    FULL_EVERY = 15     # every 15th pull hands over every level (Magento may have moved)

    def _changes(self) -> list[dict[str, Any]] | None:
        """Vendors without a change feed: read every level, hand over what changed (and,
        every FULL_EVERY pulls, everything: a full resync heals what a delta missed)."""
        levels = self.all_levels()
        if levels is None:
            return None
        self.pulls += 1
        if self.pulls % self.FULL_EVERY == 0:
            self.levels = {}
        changed = [{"sku": s, "qty": q} for s, q in levels.items() if self.levels.get(s) != q]
        self.levels.update(levels)
        return changed

    def _shipment(self, increment: str, shipment_id: str, tracking: Any, carrier: Any,
                  items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One ERP shipment as the connector applies it (its lines, carrier and tracking),
        unless it was handed over before."""
        if (shipment_id, "shipment") in self.emitted:
            return []
        return [{"increment_id": increment, "status": "shipped", "shipment_id": shipment_id,
                 "tracking_number": tracking, "carrier": carrier, "items": items}]

    def _once(self, increment: str, status: str, **extra: Any) -> list[dict[str, Any]]:
        """The order's ``status`` update unless it was handed over before."""
        if (increment, status) in self.emitted:
            return []
        return [{"increment_id": increment, "status": status, **extra}]

    def _hand_over(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The updates a poll gives the connector, each remembered as given only now: a poll
        that fails part-way (an Odoo error inside a 200 on its second query) returns nothing
        and loses nothing, its updates come again on the next poll."""
        out = []
        for update in updates:
            key = (update["shipment_id"], "shipment") if update.get("shipment_id") \
                else (update["increment_id"], update["status"])
            if key not in self.emitted:
                self.emitted.add(key)
                out.append(update)
        return out
