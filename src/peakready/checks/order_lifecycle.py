"""order_lifecycle: what happens to an order after it reaches the ERP reaches Magento, and back.

Witnesses: the ERP's orders (its shipments with their lines, carrier and tracking number, its
invoice, the cancellation requests it got and the credit memos it booked) and Magento's orders
(their invoices, shipments with lines and tracks, credit memos and cancellation, each with
its time). The guarantees, each judged per order:

* **shipped**: every shipment the ERP made is a Magento shipment with the same tracking
  number, carrier and lines (line by line: an ERP shipping part of an order, then the rest,
  is two shipments in Magento too); Magento ships nothing the ERP did not;
* **invoiced**: every order the ERP invoiced is invoiced in Magento;
* **cancelled**: every order cancelled in Magento is cancelled in the ERP, and the ERP ships
  nothing after the cancellation reached it. A cancellation that reached the ERP within
  ``sync_grace`` but after a shipment had left (the ERP refused it) is a race, listed, not
  failed. A fault in front of the ERP holds everything back: a cancellation made during one
  has ``sync_grace`` from the fault's end;
* **refunded**: every Magento credit memo is booked in the ERP (by its id, or the ERP's
  credit memos of the order add up to Magento's).

Something the ERP (or Magento) did less than ``thresholds.sync_grace`` before the evidence
export is in flight: listed, not failed. Not judged when nothing after the order happened
(nothing shipped, invoiced, cancelled or refunded) or Magento's orders carry no documents (a
real store's order export has no shipment tracks).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples, few
from peakready.checks.lifecycle_records import (
    ErpLife,
    MagentoLife,
    bulk,
    erp_lives,
    magento_lives,
)
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["order_lifecycle"]

_EPS = 1e-6
_WHAT = {
    "shipment_missing": "shipped in the ERP, not in Magento",
    "tracking_missing": "shipped in Magento without the ERP's tracking number",
    "shipment_lines": "a Magento shipment's lines differ from the ERP's shipment",
    "carrier": "a Magento shipment's carrier differs from the ERP's",
    "not_shipped_by_erp": "shipped in Magento, not by the ERP",
    "invoice_missing": "invoiced in the ERP, not in Magento",
    "cancel_missing": "cancelled in Magento, never cancelled in the ERP",
    "cancel_late": "cancelled in Magento, the cancellation reached the ERP late",
    "shipped_after_cancel": "shipped by the ERP after the cancellation reached it",
    "credit_memo_missing": "a Magento credit memo never booked in the ERP",
}


def _when(ts: float | None) -> float | None:
    return None if ts is None else round(ts, 3)


class _Judge:
    """One pass over the orders; ``problems`` and the counts are the verdict's material."""

    def __init__(self, exported: float, grace: float,
                 erp_faults: tuple[tuple[float, float], ...] = ()) -> None:
        self.exported, self.grace = exported, grace
        self.erp_faults = erp_faults          # (start, end) of the faults before the ERP
        self.problems: list[dict[str, Any]] = []
        self.kinds: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.raced: list[str] = []
        self.judged: Counter[str] = Counter()

    def fresh(self, ts: float | None) -> bool:
        return ts is not None and self.exported - ts < self.grace

    def fail(self, kind: str, m: MagentoLife, erp: ErpLife | None, **detail: Any) -> None:
        self.kinds[kind] += 1
        if len(self.problems) < 200:
            self.problems.append({
                "increment_id": m.increment_id, "problem": _WHAT[kind],
                "erp": None if erp is None else {
                    "order": erp.erp_order_id, "status": erp.status,
                    "shipped_at": [_when(s.ts) for s in erp.shipments],
                    "invoiced_at": _when(erp.invoiced_ts),
                    "cancelled_at": _when(erp.cancelled_ts)},
                "magento": {"state": m.state,
                            "shipped_at": [_when(s.ts) for s in m.shipments],
                            "invoiced_at": [_when(t) for t, _ in m.invoices],
                            "cancelled_at": _when(m.cancelled_ts)},
                **detail})

    # ------------------------------------------------------------------------ the rules
    def shipments(self, m: MagentoLife, erps: tuple[ErpLife, ...]) -> None:
        if len(erps) == 1 and _mirrored(m, erps[0]):
            self.judged["shipments"] += len(m.shipments)
            return
        tracks = {number: (carrier, s) for s in m.shipments for number, carrier in s.tracks}
        erp_numbers = {s.tracking for e in erps for s in e.shipments}
        primary = next((e for e in erps if any(s.tracking in tracks for s in e.shipments)),
                       erps[0])
        for shipment in primary.shipments:
            self.judged["shipments"] += 1
            found = tracks.get(shipment.tracking)
            if found is None:
                if self.fresh(shipment.ts):
                    self.in_flight["shipments"] += 1
                else:
                    untracked = any(not s.tracks for s in m.shipments)
                    self.fail("tracking_missing" if untracked else "shipment_missing", m,
                              primary, tracking_number=shipment.tracking,
                              erp_lines=dict(shipment.items))
                continue
            carrier, mine = found
            if any(abs(a - b) > _EPS for a, b in _pairs(mine.items, shipment.items)):
                self.fail("shipment_lines", m, primary, tracking_number=shipment.tracking,
                          erp_lines=dict(shipment.items), magento_lines=dict(mine.items))
            elif carrier and shipment.carrier and carrier.lower() != shipment.carrier.lower():
                self.fail("carrier", m, primary, tracking_number=shipment.tracking,
                          erp_carrier=shipment.carrier, magento_carrier=carrier)
        for mine in m.shipments:
            if mine.tracks and not any(n in erp_numbers for n, _ in mine.tracks):
                self.fail("not_shipped_by_erp", m, primary,
                          magento_tracks=[n for n, _ in mine.tracks])

    def invoice(self, m: MagentoLife, erps: tuple[ErpLife, ...]) -> None:
        invoiced = min((e.invoiced_ts for e in erps if e.invoiced_ts is not None),
                       default=None)
        if invoiced is None:
            return
        self.judged["invoices"] += 1
        if m.invoices or m.total_invoiced > _EPS:
            return
        if self.fresh(invoiced):
            self.in_flight["invoices"] += 1
        else:
            self.fail("invoice_missing", m, erps[0])

    def cancellation(self, m: MagentoLife, erps: tuple[ErpLife, ...]) -> None:
        assert m.cancelled_ts is not None
        self.judged["cancellations"] += 1
        for erp in erps:
            if erp.cancelled_ts is not None:
                late = [s for s in erp.shipments if s.ts is not None and s.ts > erp.cancelled_ts]
                if late:
                    self.fail("shipped_after_cancel", m, erp,
                              tracking_number=late[0].tracking)
                continue
            reached = min((t for t, _ in erp.cancel_requests if t is not None), default=None)
            if reached is None:
                if self.fresh(m.cancelled_ts):
                    self.in_flight["cancellations"] += 1
                else:
                    self.fail("cancel_missing", m, erp)
            elif reached - self._since(m.cancelled_ts, reached) > self.grace:
                self.fail("cancel_late", m, erp, reached_erp_at=_when(reached))
            elif erp.shipments:
                self.raced.append(m.increment_id)   # a shipment left before it arrived

    def _since(self, start: float, until: float) -> float:
        """When the integration could first deliver something made at ``start``: the end of
        the ERP faults between then and ``until`` that held it back, else ``start``."""
        for begin, end in self.erp_faults:
            if begin <= until and end >= start:
                start = max(start, end)
        return start

    def credit_memos(self, m: MagentoLife, erps: tuple[ErpLife, ...]) -> None:
        booked = {memo_id for e in erps for memo_id, _, _ in e.credit_memos}
        # A connector may book Magento's refunds under its own memo ids: the amounts then
        # say whether every credit memo arrived.
        credited = sum(amount for e in erps for _, _, amount in e.credit_memos)
        covered = credited + 0.005 >= sum(amount for _, _, amount in m.creditmemos)
        for memo_id, ts, amount in m.creditmemos:
            self.judged["credit_memos"] += 1
            if memo_id in booked or covered:
                continue
            if self.fresh(ts):
                self.in_flight["credit_memos"] += 1
            else:
                self.fail("credit_memo_missing", m, erps[0], credit_memo_id=memo_id,
                          amount=amount)


def _mirrored(m: MagentoLife, erp: ErpLife) -> bool:
    """The common case, checked fast: Magento's shipments are the ERP's, in the same order,
    each with its tracking number, carrier and lines."""
    if len(m.shipments) != len(erp.shipments):
        return False
    for mine, theirs in zip(m.shipments, erp.shipments, strict=True):
        if len(mine.tracks) != 1 or mine.items != theirs.items:
            return False
        number, carrier = mine.tracks[0]
        if number != theirs.tracking or (carrier and theirs.carrier
                                         and carrier.lower() != theirs.carrier.lower()):
            return False
    return True


def _pairs(a: tuple[tuple[str, float], ...],
           b: tuple[tuple[str, float], ...]) -> list[tuple[float, float]]:
    left, right = dict(a), dict(b)
    return [(left.get(k, 0.0), right.get(k, 0.0)) for k in left.keys() | right.keys()]


@CHECKS.add("order_lifecycle")
def order_lifecycle(evidence: RunEvidence, plan: Plan) -> Verdict:
    erp = erp_lives(evidence)
    erp_faults = tuple((w.start, w.end) for w in evidence.fault_windows() if w.service == "erp")
    judge = _Judge(evidence.manifest.exported_at or evidence.end, plan.thresholds.sync_grace,
                   erp_faults)
    orders = documented = 0
    with bulk():
        for m in magento_lives(evidence):
            orders += 1
            if not m.documented:
                continue
            documented += 1
            erps = erp.get(m.increment_id)
            if not erps:
                continue       # never reached the ERP: no_lost_orders' guarantee
            if m.cancelled_ts is not None:
                judge.cancellation(m, erps)
            else:
                judge.shipments(m, erps)
                judge.invoice(m, erps)
            judge.credit_memos(m, erps)
    if orders and not documented:
        return Verdict.not_judged(
            "order_lifecycle", "Magento's orders carry no documents in the evidence (a real "
            "store's invoices, shipments and credit memos could not be read: see the "
            "manifest's errors)",
            orders=orders)
    judged = judge.judged
    figures: dict[str, Any] = {
        "orders": orders, "erp_shipments": judged["shipments"],
        "erp_invoices": judged["invoices"], "magento_cancellations": judged["cancellations"],
        "magento_credit_memos": judged["credit_memos"],
        "in_flight": dict(judge.in_flight), "cancellations_raced": len(judge.raced),
        "problems": dict(judge.kinds)}
    if not sum(judged.values()):
        return Verdict.not_judged(
            "order_lifecycle", "nothing happened after the orders: the ERP shipped and "
            "invoiced none that Magento has, and Magento cancelled and refunded none",
            **figures)
    if judge.kinds:
        parts = [f"{_WHAT[k]} ({n})" for k, n in judge.kinds.most_common()]
        ids = few(list(dict.fromkeys(p["increment_id"] for p in judge.problems)))
        return Verdict("order_lifecycle", "fail",
                       f"{sum(judge.kinds.values())} lifecycle breaks: {'; '.join(parts)} "
                       f"(orders {ids})", figures, examples(judge.problems), ["whole"])
    flight = sum(judge.in_flight.values())
    notes = [f"{flight} in flight"] if flight else []
    if judge.raced:
        notes.append(f"{len(judge.raced)} cancellations raced a shipment "
                     f"({few(judge.raced)})")
    return Verdict("order_lifecycle", "pass",
                   f"{judged['shipments']} ERP shipments, {judged['invoices']} invoices, "
                   f"{judged['cancellations']} cancellations and {judged['credit_memos']} "
                   f"credit memos all reached the other side"
                   + (f" ({'; '.join(notes)})" if notes else ""), figures, [], ["whole"])
