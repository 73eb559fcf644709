"""Compact records of what happened to each order after it was placed, on both sides.

* :class:`MagentoLife` (``evidence/magento/orders.jsonl``, the ``documents`` each order
  records: invoices, shipments with their lines and tracks, credit memos, the cancellation,
  each with its time) and the order's totals;
* :class:`ErpLife` (``evidence/erp/orders.jsonl``: the ERP's shipments with their lines,
  carrier and tracking number, its invoice, the cancellation requests it got and the credit
  memos it booked).

Built once per run (``RunEvidence.derived``) and shared by order_lifecycle and
payment_integrity. Times are epoch seconds; lines are ``(sku, qty)`` tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peakready.checks._files import parse_time

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence

__all__ = ["ErpLife", "ErpShipment", "MagentoLife", "MagentoShipment", "erp_lives",
           "magento_lives"]

Lines = tuple[tuple[str, float], ...]


def _lines(raw: Any) -> Lines:
    if not isinstance(raw, list):
        return ()
    out: dict[str, float] = {}
    for line in raw:
        if isinstance(line, dict):
            sku = str(line.get("sku"))
            out[sku] = out.get(sku, 0.0) + float(line.get("qty") or 0)
    return tuple(sorted(out.items()))


def _time(raw: dict[str, Any]) -> float | None:
    ts = raw.get("ts")
    return float(ts) if isinstance(ts, int | float) else parse_time(raw.get("at"))


@dataclass(frozen=True, slots=True)
class MagentoShipment:
    ts: float | None
    tracks: tuple[tuple[str, str], ...]      # (track number, carrier code or title)
    items: Lines


@dataclass(slots=True)
class MagentoLife:
    increment_id: str
    state: str
    payment_method: str | None
    total_invoiced: float
    total_refunded: float
    documented: bool                          # the record carries its documents at all
    invoices: tuple[tuple[float | None, float], ...] = ()      # (time, amount)
    shipments: tuple[MagentoShipment, ...] = ()
    creditmemos: tuple[tuple[str, float | None, float], ...] = ()  # (id, time, amount)
    cancelled_ts: float | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> MagentoLife:
        documents = raw.get("documents")
        invoices, shipments, memos = [], [], []
        cancelled = None
        for doc in documents if isinstance(documents, list) else ():
            if not isinstance(doc, dict):
                continue
            kind, ts = doc.get("kind"), _time(doc)
            if kind == "invoice":
                invoices.append((ts, float(doc.get("amount") or 0.0)))
            elif kind == "shipment":
                tracks = tuple((str(t.get("track_number")),
                                str(t.get("carrier_code") or t.get("title") or ""))
                               for t in doc.get("tracks") or () if isinstance(t, dict))
                shipments.append(MagentoShipment(ts, tracks, _lines(doc.get("items"))))
            elif kind == "creditmemo":
                memos.append((str(doc.get("id")), ts, float(doc.get("amount") or 0.0)))
            elif kind == "cancel":
                cancelled = ts
        state = str(raw.get("state") or "")
        return cls(str(raw.get("increment_id")), state, raw.get("payment_method"),
                   float(raw.get("total_invoiced") or 0.0),
                   float(raw.get("total_refunded") or 0.0), isinstance(documents, list),
                   tuple(invoices), tuple(shipments), tuple(memos),
                   cancelled if state == "canceled" else None)


@dataclass(frozen=True, slots=True)
class ErpShipment:
    ts: float | None
    tracking: str
    carrier: str
    items: Lines


@dataclass(slots=True)
class ErpLife:
    erp_order_id: str
    increment_id: str
    status: str
    shipments: tuple[ErpShipment, ...]
    invoiced_ts: float | None
    cancelled_ts: float | None
    cancel_requests: tuple[tuple[float | None, str], ...]     # (time, outcome)
    credit_memos: tuple[tuple[str, float | None, float], ...]  # (memo id, time, amount)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ErpLife:
        shipments = tuple(
            ErpShipment(_time(s), str(s.get("tracking_number") or ""),
                        str(s.get("carrier") or ""), _lines(s.get("items")))
            for s in raw.get("shipments") or () if isinstance(s, dict))
        if not shipments and raw.get("tracking_number"):
            # An ERP whose evidence has no shipment list: one shipment of every line.
            shipped = next((h for h in raw.get("status_history") or ()
                            if isinstance(h, dict) and h.get("status") == "shipped"), {})
            shipments = (ErpShipment(_time(shipped), str(raw["tracking_number"]),
                                     str(raw.get("carrier") or ""), _lines(raw.get("items"))),)
        invoiced = next((_time(h) for h in raw.get("status_history") or ()
                         if isinstance(h, dict) and h.get("status") == "invoiced"), None)
        if invoiced is None and raw.get("invoice_id"):
            invoiced = parse_time(raw.get("received_at"))
        return cls(str(raw.get("erp_order_id") or ""), str(raw.get("increment_id")),
                   str(raw.get("status") or ""), shipments, invoiced,
                   parse_time(raw.get("cancelled_at")),
                   tuple((_time(r), str(r.get("outcome") or ""))
                         for r in raw.get("cancel_requests") or () if isinstance(r, dict)),
                   tuple((str(m.get("credit_memo_id")), _time(m), float(m.get("amount") or 0))
                         for m in raw.get("credit_memos") or () if isinstance(m, dict)))


def magento_lives(evidence: RunEvidence) -> dict[str, MagentoLife]:
    """Increment id → its Magento life (this run's orders)."""
    def build() -> dict[str, MagentoLife]:
        out: dict[str, MagentoLife] = {}
        for raw in evidence.records("magento/orders.jsonl"):
            if raw.get("increment_id") is not None:
                life = MagentoLife.parse(raw)
                out[life.increment_id] = life
        return out
    return evidence.derived("magento_lives", build)


def erp_lives(evidence: RunEvidence) -> dict[str, list[ErpLife]]:
    """Increment id → its ERP orders (more than one when a retry duplicated it)."""
    def build() -> dict[str, list[ErpLife]]:
        out: dict[str, list[ErpLife]] = {}
        for raw in evidence.records("erp/orders.jsonl"):
            life = ErpLife.parse(raw)
            out.setdefault(life.increment_id, []).append(life)
        return out
    return evidence.derived("erp_lives", build)
