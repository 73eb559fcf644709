"""Compact records of what happened to each order after it was placed, on both sides.

* :class:`MagentoLife` (``evidence/magento/orders.jsonl``, the ``documents`` each order
  records: invoices, shipments with their lines and tracks, credit memos, the cancellation,
  each with its time) and the order's totals;
* :class:`ErpLife` (``evidence/erp/orders.jsonl``: the ERP's shipments with their lines,
  carrier and tracking number, its invoice, the cancellation requests it got and the credit
  memos it booked).

Read by order_lifecycle and payment_integrity. Times are epoch seconds; lines are
``(sku, qty)`` tuples. Nothing here is kept for the run: Magento's orders are streamed, the
ERP's held only while a check runs. A hundred thousand records kept alive would make every
later garbage collection (and so every check judged after these) rescan them.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from peakready.checks._files import parse_time

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence

__all__ = ["ErpLife", "ErpShipment", "MagentoLife", "MagentoShipment", "bulk", "erp_lives",
           "event_time", "magento_lives"]

Lines = tuple[tuple[str, float], ...]


def _lines(raw: Any) -> Lines:
    if type(raw) is not list or not raw:
        return ()
    if len(raw) == 1:            # the common case: no merging, no sorting
        line = raw[0]
        return ((str(line.get("sku")), float(line.get("qty") or 0)),) \
            if type(line) is dict else ()
    out: dict[str, float] = {}
    for line in raw:
        if type(line) is dict:
            sku = str(line.get("sku"))
            out[sku] = out.get(sku, 0.0) + float(line.get("qty") or 0)
    return tuple(sorted(out.items()))


def event_time(raw: dict[str, Any]) -> float | None:
    """A document's or event's time: its epoch ``ts``, else its ``at`` text."""
    ts = raw.get("ts")
    if type(ts) is float:
        return ts
    return float(ts) if isinstance(ts, int) else parse_time(raw.get("at"))


class MagentoShipment(NamedTuple):
    ts: float | None
    tracks: tuple[tuple[str, str], ...]      # (track number, carrier code or title)
    items: Lines


class MagentoLife(NamedTuple):
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
        get = raw.get
        documents = get("documents")
        invoices: list[tuple[float | None, float]] = []
        shipments: list[MagentoShipment] = []
        memos: list[tuple[str, float | None, float]] = []
        cancelled = None
        for doc in documents if type(documents) is list else ():
            if type(doc) is not dict:
                continue
            kind = doc.get("kind")
            if kind == "shipment":
                tracks = tuple((str(t.get("track_number")),
                                str(t.get("carrier_code") or t.get("title") or ""))
                               for t in doc.get("tracks") or () if type(t) is dict)
                shipments.append(MagentoShipment(event_time(doc), tracks, _lines(doc.get("items"))))
            elif kind == "invoice":
                invoices.append((event_time(doc), float(doc.get("amount") or 0.0)))
            elif kind == "creditmemo":
                memos.append((str(doc.get("id")), event_time(doc), float(doc.get("amount") or 0.0)))
            elif kind == "cancel":
                cancelled = event_time(doc)
        state = str(get("state") or "")
        return cls(str(get("increment_id")), state, get("payment_method"),
                   float(get("total_invoiced") or 0.0), float(get("total_refunded") or 0.0),
                   type(documents) is list, tuple(invoices), tuple(shipments), tuple(memos),
                   cancelled if state == "canceled" else None)


class ErpShipment(NamedTuple):
    ts: float | None
    tracking: str
    carrier: str
    items: Lines


class ErpLife(NamedTuple):
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
        get = raw.get
        shipments: tuple[ErpShipment, ...] = tuple(
            ErpShipment(event_time(s), str(s.get("tracking_number") or ""),
                        str(s.get("carrier") or ""), _lines(s.get("items")))
            for s in get("shipments") or () if type(s) is dict)
        history = get("status_history") or ()
        if not shipments and get("tracking_number"):
            # An ERP whose evidence has no shipment list: one shipment of every line.
            shipped = next((h for h in history
                            if type(h) is dict and h.get("status") == "shipped"), {})
            shipments = (ErpShipment(event_time(shipped), str(get("tracking_number")),
                                     str(get("carrier") or ""), _lines(get("items"))),)
        invoiced = None
        for entry in history:
            if type(entry) is dict and entry.get("status") == "invoiced":
                invoiced = event_time(entry)
                break
        if invoiced is None and get("invoice_id"):
            invoiced = parse_time(get("received_at"))
        requests = get("cancel_requests")
        memos = get("credit_memos")
        cancelled = get("cancelled_at")
        return cls(str(get("erp_order_id") or ""), str(get("increment_id")),
                   str(get("status") or ""), shipments, invoiced,
                   None if cancelled is None else parse_time(cancelled),
                   tuple((event_time(r), str(r.get("outcome") or ""))
                         for r in requests if type(r) is dict) if requests else (),
                   tuple((str(m.get("credit_memo_id")), event_time(m), float(m.get("amount") or 0))
                         for m in memos if type(m) is dict) if memos else ())


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """No cyclic garbage collection while a big, acyclic structure is built: with a large
    heap each collection rescans it, and those passes cost more than the parsing itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def magento_lives(evidence: RunEvidence) -> Iterator[MagentoLife]:
    """This run's Magento orders, streamed."""
    parse = MagentoLife.parse
    for raw in evidence.records("magento/orders.jsonl"):
        if raw.get("increment_id") is not None:
            yield parse(raw)


def erp_lives(evidence: RunEvidence) -> dict[str, tuple[ErpLife, ...]]:
    """Increment id → its ERP orders (more than one when a retry duplicated it)."""
    out: dict[str, tuple[ErpLife, ...]] = {}
    parse = ErpLife.parse
    with bulk():
        for raw in evidence.records("erp/orders.jsonl"):
            life = parse(raw)
            found = out.get(life.increment_id)
            out[life.increment_id] = (life,) if found is None else (*found, life)
    return out
