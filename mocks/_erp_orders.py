"""The ERP's sales orders: creation, attempts, and the status updates it makes later.

State lives in memory for speed and in the evidence store for the checks (and for a restart
on the same data directory, which rebuilds memory from it):

* entity ``orders`` (key: ERP order id) - the order as received, with its idempotency key,
  attempt count and attempt times, current status, its shipments (each with its lines,
  carrier and tracking number), invoice, the cancellation requests it got and the credit
  memos it booked;
* event ``status_updates`` - one per change the ERP makes later (picked, partially_shipped
  and shipped with the shipment's lines and tracking number, invoiced, cancelled); its event
  id is the cursor of ``GET /api/order-updates``.

Fulfilment is scheduled from the receipt time (``pick_after``, ``ship_after``,
``invoice_after`` seconds) and applied lazily by ``advance(now)`` at the due times. A share of
orders (``partial_share``, chosen per increment id and seed) ships in two parts: about half of
each line at ``ship_after`` (``partially_shipped``), the rest ``partial_gap`` seconds later
(``shipped``); the invoice follows the last part. A cancellation is honoured while nothing has
shipped (the order leaves fulfilment; stock taken at receipt goes back) and refused once a
shipment left; a credit memo is booked once per Magento credit memo id.
"""

from __future__ import annotations

import heapq
import time
import zlib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from peakready.mockkit import EvidenceStore

from ._erp_stock import StockBook, iso

__all__ = ["STATUSES", "Address", "OrderBook", "OrderIn"]

STATUSES = ("received", "picked", "partially_shipped", "shipped", "invoiced")
CANCELLED = "cancelled"
# Fulfilment order; a cancelled order is past every step (nothing more happens to it).
_RANK = {**{s: i for i, s in enumerate(STATUSES)}, CANCELLED: len(STATUSES)}
_EMAIL = r"^[^@\s]+@[^@\s]+$"
_CARRIERS = ("UPS", "FedEx", "USPS")


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore")
    firstname: str | None = Field(default=None, max_length=255)
    lastname: str | None = Field(default=None, max_length=255)
    street: list[str] | str | None = None
    city: str | None = Field(default=None, max_length=255)
    region: str | None = Field(default=None, max_length=255)
    postcode: str | None = Field(default=None, max_length=32)
    country_id: str | None = Field(default=None, max_length=2)
    telephone: str | None = Field(default=None, max_length=64)
    company: str | None = Field(default=None, max_length=255)


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(gt=0, le=100_000)
    price: float = Field(ge=0, le=10_000_000)
    name: str | None = Field(default=None, max_length=255)


class Totals(BaseModel):
    model_config = ConfigDict(extra="ignore")
    subtotal: float | None = Field(default=None, ge=0)
    shipping: float | None = Field(default=None, ge=0)
    tax: float | None = Field(default=None, ge=0)
    discount: float | None = None
    grand_total: float = Field(ge=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class OrderIn(BaseModel):
    """A sales order as a Magento connector exports it."""

    model_config = ConfigDict(extra="ignore")
    increment_id: str = Field(min_length=1, max_length=50)
    customer_email: str = Field(pattern=_EMAIL, max_length=255)
    items: list[OrderItem] = Field(min_length=1, max_length=500)
    totals: Totals
    billing_address: Address | None = None
    shipping_address: Address | None = None
    magento_order_id: int | None = Field(default=None, ge=0, le=4_294_967_295)  # a Magento id
    created_at: str | None = Field(default=None, max_length=64)


class OrderOut(BaseModel):
    erp_order_id: str
    increment_id: str
    status: str
    received_at: str
    idempotency_key: str | None
    attempts: int
    attempt_times: list[str]
    customer_email: str
    grand_total: float
    currency: str
    items: list[dict[str, Any]]
    tracking_number: str | None
    carrier: str | None
    invoice_id: str | None
    status_history: list[dict[str, Any]]
    shipments: list[dict[str, Any]] = []
    cancel_requests: list[dict[str, Any]] = []
    cancelled_at: str | None = None
    credit_memos: list[dict[str, Any]] = []


class OrderBook:
    def __init__(self, evidence: EvidenceStore, stock: StockBook, *, pick_after: float,
                 ship_after: float, invoice_after: float, decrement_stock_on: str,
                 clock: Callable[[], float] = time.time, partial_share: float = 0.0,
                 partial_gap: float = 10.0, seed: int = 0) -> None:
        self.evidence = evidence
        self.stock = stock
        self.offsets = {"picked": pick_after, "partially_shipped": ship_after,
                        "shipped": ship_after, "invoiced": invoice_after}
        self.partial_share = partial_share
        self.partial_gap = partial_gap
        self.seed = seed
        self.decrement_on = decrement_stock_on
        self.clock = clock
        self.orders: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.by_increment: dict[str, list[str]] = {}
        self._due: list[tuple[float, int, str, str]] = []
        self._n = 0
        self.replays = 0

    def clear(self) -> None:
        self.orders.clear()
        self.by_key.clear()
        self.by_increment.clear()
        self._due.clear()
        self._n = 0
        self.replays = 0

    def _index(self, order: dict[str, Any]) -> None:
        erp_id = order["erp_order_id"]
        self.orders[erp_id] = order
        if order["idempotency_key"]:
            self.by_key[order["idempotency_key"]] = erp_id
        self.by_increment.setdefault(order["increment_id"], []).append(erp_id)

    def ships_in_parts(self, order: dict[str, Any]) -> bool:
        """Whether this order ships in two parts: a seeded draw per increment id (the same
        on every run of the plan), for orders with more than one unit only."""
        if self.partial_share <= 0 or sum(i["qty"] for i in order["items"]) < 2:
            return False
        draw = zlib.crc32(f"{self.seed}:{order['increment_id']}".encode()) / 2**32
        return draw < self.partial_share

    def _schedule(self, order: dict[str, Any]) -> None:
        received = order["received_ts"]
        current = _RANK[order["status"]]
        offsets = dict(self.offsets)
        if order.get("partial", False):
            offsets["shipped"] = offsets["partially_shipped"] + self.partial_gap
            offsets["invoiced"] = max(offsets["invoiced"], offsets["shipped"] + 1.0)
        for status in STATUSES[current + 1:]:
            if status == "partially_shipped" and not order.get("partial", False):
                continue
            self._n += 1
            heapq.heappush(self._due, (received + offsets[status], self._n,
                                       order["erp_order_id"], status))

    def restore(self) -> int:
        """Rebuild memory from evidence after a restart on the same data directory."""
        after = 0
        while True:
            rows = self.evidence.entities("orders", after_seq=after, limit=5000)
            if not rows:
                break
            for row in rows:
                after = row.pop("seq")
                row.pop("key", None)
                self._index(row)
                self._schedule(row)
        return len(self.orders)

    def create(self, order_in: OrderIn, key: str | None, now: float,
               request_id: str) -> dict[str, Any]:
        erp_id = f"SO-{len(self.orders) + 1:07d}"
        order: dict[str, Any] = {
            "erp_order_id": erp_id, "increment_id": order_in.increment_id,
            "status": "received", "received_at": iso(now), "received_ts": now,
            "idempotency_key": key, "attempts": 1, "attempt_times": [iso(now)],
            "customer_email": order_in.customer_email,
            "grand_total": order_in.totals.grand_total, "currency": order_in.totals.currency,
            "items": [{"sku": i.sku, "qty": i.qty, "price": i.price} for i in order_in.items],
            "tracking_number": None, "carrier": None, "invoice_id": None,
            "status_history": [{"status": "received", "at": iso(now)}],
            "request_id": request_id, "shipments": [], "cancel_requests": [],
            "cancelled_at": None, "credit_memos": [],
        }
        order["partial"] = self.ships_in_parts(order)
        self._index(order)
        self.evidence.put("orders", erp_id, order, ts=now)
        if self.decrement_on == "receive":
            for item in order["items"]:
                self.stock.move(item["sku"], -item["qty"], "order_received", "order", at=now,
                                ref=erp_id)
        self._schedule(order)
        return order

    def note_replay(self, key: str, now: float) -> dict[str, Any] | None:
        erp_id = self.by_key.get(key)
        order = self.orders.get(erp_id) if erp_id else None
        if order is None:
            return None
        self.replays += 1
        order["attempts"] += 1
        order["attempt_times"].append(iso(now))
        self.evidence.put("orders", order["erp_order_id"], order, ts=order["received_ts"])
        return order

    def advance(self, now: float) -> int:
        """Apply the status changes due by ``now``; returns how many were applied."""
        applied = 0
        due = self._due
        while due and due[0][0] <= now:
            at, _, erp_id, status = heapq.heappop(due)
            order = self.orders.get(erp_id)
            if order is None or _RANK[status] <= _RANK[order["status"]]:
                continue
            self._transition(order, status, at)
            applied += 1
        return applied

    def _transition(self, order: dict[str, Any], status: str, at: float) -> None:
        erp_id = order["erp_order_id"]
        n = int(erp_id.rsplit("-", 1)[1])
        update: dict[str, Any] = {"erp_order_id": erp_id, "increment_id": order["increment_id"],
                                  "status": status, "at": iso(at)}
        with self.evidence.batch():
            if status in ("partially_shipped", "shipped"):
                update.update(self._ship(order, n, status, at))
            elif status == "invoiced":
                order["invoice_id"] = f"INV-{n:07d}"
                update["invoice_id"] = order["invoice_id"]
            order["status"] = status
            order["status_history"].append({"status": status, "at": iso(at)})
            self.evidence.put("orders", erp_id, order, ts=order["received_ts"])
            self.evidence.append("status_updates", update, key=erp_id, ts=at)

    def _ship(self, order: dict[str, Any], n: int, status: str, at: float) -> dict[str, Any]:
        """One shipment: the first part (about half of each line) or what is left."""
        shipped: dict[str, int] = {}
        for shipment in order.get("shipments") or []:
            for line in shipment["items"]:
                shipped[line["sku"]] = shipped.get(line["sku"], 0) + line["qty"]
        left = []
        for item in order["items"]:
            rest = item["qty"] - shipped.get(item["sku"], 0)
            if rest > 0:
                left.append({"sku": item["sku"], "qty": rest})
        if status == "partially_shipped":
            part = [{"sku": i["sku"], "qty": i["qty"] // 2} for i in left if i["qty"] // 2]
            if not part:             # single units on several lines: the first line alone
                part = left[:1]
            left = part
        part_no = len(order.get("shipments") or []) + 1
        tracking = f"1Z{n:010d}" if part_no == 1 and status == "shipped" else \
            f"1Z{n:08d}P{part_no}"
        shipment = {"shipment_id": f"SH-{n:07d}-{part_no}", "at": iso(at),
                    "carrier": _CARRIERS[n % len(_CARRIERS)], "tracking_number": tracking,
                    "items": left}
        order.setdefault("shipments", []).append(shipment)
        order["carrier"], order["tracking_number"] = shipment["carrier"], tracking
        if self.decrement_on == "ship":
            for line in left:
                self.stock.move(line["sku"], -line["qty"], "order_shipped", "order", at=at,
                                ref=order["erp_order_id"])
        return {"carrier": shipment["carrier"], "tracking_number": tracking,
                "shipment_id": shipment["shipment_id"], "items": left,
                "complete": status == "shipped"}

    def cancel(self, erp_id: str, now: float) -> tuple[str, dict[str, Any]]:
        """A cancellation request: ``cancelled`` (honoured now), ``already_cancelled``, or
        ``refused_shipped`` (a shipment has left: too late). Every request is evidence."""
        order = self.orders[erp_id]
        if order["status"] == CANCELLED:
            outcome = "already_cancelled"
        elif order.get("shipments"):
            outcome = "refused_shipped"
        else:
            outcome = "cancelled"
        order.setdefault("cancel_requests", []).append({"at": iso(now), "outcome": outcome})
        with self.evidence.batch():
            if outcome == "cancelled":
                order["status"] = CANCELLED
                order["cancelled_at"] = iso(now)
                order["status_history"].append({"status": CANCELLED, "at": iso(now)})
                if self.decrement_on == "receive":
                    for item in order["items"]:
                        self.stock.move(item["sku"], item["qty"], "order_cancelled", "order",
                                        at=now, ref=erp_id)
                self.evidence.append("status_updates", {
                    "erp_order_id": erp_id, "increment_id": order["increment_id"],
                    "status": CANCELLED, "at": iso(now)}, key=erp_id, ts=now)
            self.evidence.put("orders", erp_id, order, ts=order["received_ts"])
        return outcome, order

    def credit(self, erp_id: str, memo_id: str, amount: float,
               items: list[dict[str, Any]], now: float) -> tuple[bool, dict[str, Any]]:
        """Book a credit memo once per Magento credit memo id; (created, the memo)."""
        order = self.orders[erp_id]
        memos = order.setdefault("credit_memos", [])
        for memo in memos:
            if memo["credit_memo_id"] == memo_id:
                return False, memo
        memo = {"credit_memo_id": memo_id, "amount": round(amount, 4), "items": items,
                "at": iso(now)}
        memos.append(memo)
        self.evidence.put("orders", erp_id, order, ts=order["received_ts"])
        return True, memo

    def public(self, order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items()
                if k not in ("received_ts", "request_id", "partial")}

    def summary(self) -> dict[str, Any]:
        duplicates = {inc: ids for inc, ids in self.by_increment.items() if len(ids) > 1}
        return {
            "orders": len(self.orders),
            "distinct_increment_ids": len(self.by_increment),
            "duplicate_increment_ids": dict(list(duplicates.items())[:1000]),
            "duplicate_order_count": sum(len(ids) - 1 for ids in duplicates.values()),
            "replays": self.replays,
            "status_counts": {s: sum(1 for o in self.orders.values() if o["status"] == s)
                              for s in (*STATUSES, CANCELLED)},
        }
