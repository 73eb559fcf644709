"""payment_integrity: each order is charged what Magento invoiced, once, and refunded what it
credited.

Witnesses: the payment gateway mock's payments (each authorization with its status) and
operations (every capture, refund, void and authorization increment, with the idempotency key
it carried, or none), and Magento's orders (totals invoiced and refunded, their invoices).
Per order that the gateway saw and Magento has:

* at most one live authorization (declined and voided ones are not live);
* captured amount = Magento's total invoiced (so none for a cancelled, uncaptured order); a
  capture more than the invoices is a double capture (a retry without its key, typically);
* refunded amount = Magento's total refunded (its credit memos).

Magento's totals count offline documents too (an invoice created with ``capture: false``, a
credit memo refunded offline): a card order invoiced offline shows as invoiced, not captured,
as it should (the order says paid, the card was never charged). With the Magento simulator the
card method is the store's own payment module, so this judges the built-in integration and an
external connector alike.

An invoice or credit memo less than ``thresholds.sync_grace`` before the export whose money
has not moved yet is in flight; so is money that moved that recently for a document Magento's
export (taken just before the gateway's) does not show yet. Not judged against a real store
(the payment provider is the store's own: the harness holds none of its evidence) or when no
order was paid through the gateway mock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from peakready.checks._util import examples, few
from peakready.checks.lifecycle_records import bulk, event_time
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["payment_integrity"]

_CENT = 0.005
_NOT_LIVE = frozenset({"declined", "voided"})


class _Invoiced(NamedTuple):
    """What Magento says an order owes and was credited (from its record and documents)."""

    state: str
    total_invoiced: float
    total_refunded: float
    invoices: int
    last_invoice: float | None
    last_creditmemo: float | None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> _Invoiced:
        invoices = 0
        last_invoice = last_memo = None
        for doc in raw.get("documents") or ():
            kind = doc.get("kind") if type(doc) is dict else None
            if kind == "invoice":
                invoices += 1
                last_invoice = max(last_invoice or 0.0, event_time(doc) or 0.0)
            elif kind == "creditmemo":
                last_memo = max(last_memo or 0.0, event_time(doc) or 0.0)
        return cls(str(raw.get("state") or ""), float(raw.get("total_invoiced") or 0.0),
                   float(raw.get("total_refunded") or 0.0), invoices, last_invoice, last_memo)


@dataclass(slots=True)
class _Money:
    live: list[str] = field(default_factory=list)
    captured: float = 0.0
    captures: int = 0
    unkeyed_captures: int = 0
    refunded: float = 0.0
    last_move: float = 0.0       # the latest capture or refund (epoch seconds)


def _gateway(evidence: RunEvidence) -> dict[str, _Money]:
    out: dict[str, _Money] = {}
    with bulk():
        for payment in evidence.records("payment/payments.jsonl"):
            order_id = str(payment.get("order_id"))
            money = out.get(order_id)
            if money is None:
                money = out[order_id] = _Money()
            if payment.get("status") not in _NOT_LIVE:
                money.live.append(str(payment.get("payment_id")))
        for op in evidence.records("payment/operations.jsonl"):
            kind = op.get("op")
            if kind != "capture" and kind != "refund":
                continue
            order_id = str(op.get("order_id"))
            money = out.get(order_id)
            if money is None:
                money = out[order_id] = _Money()
            amount = float(op.get("amount") or 0.0)
            ts = op.get("ts")
            if isinstance(ts, int | float) and ts > money.last_move:
                money.last_move = float(ts)
            if kind == "capture":
                money.captured += amount
                money.captures += 1
                money.unkeyed_captures += not op.get("idempotency_key")
            else:
                money.refunded += amount
    return out


@CHECKS.add("payment_integrity")
def payment_integrity(evidence: RunEvidence, plan: Plan) -> Verdict:
    if not plan.target.embedded:
        return Verdict.not_judged(
            "payment_integrity", "the store pays through its own payment provider: the "
            "harness holds none of its evidence (authorizations, captures, refunds)")
    gateway = _gateway(evidence)
    magento: dict[str, _Invoiced] = {}
    parse = _Invoiced.parse
    with bulk():
        for raw in evidence.records("magento/orders.jsonl"):
            increment_id = raw.get("increment_id")
            if increment_id in gateway:      # parsed only when the gateway saw the order
                magento[increment_id] = parse(raw)
    paid = [o for o in gateway if o in magento]
    if not paid:
        return Verdict.not_judged(
            "payment_integrity", f"no order Magento has was paid through the payment gateway "
            f"mock ({len(gateway)} orders at the gateway)")
    exported = evidence.manifest.exported_at or evidence.end
    grace = plan.thresholds.sync_grace
    kinds: Counter[str] = Counter()
    in_flight = 0
    problems: list[dict[str, Any]] = []

    def fail(kind: str, order_id: str, **detail: Any) -> None:
        kinds[kind] += 1
        if len(problems) < 200:
            problems.append({"increment_id": order_id, "problem": kind, **detail})

    for order_id in paid:
        money, m = gateway[order_id], magento[order_id]
        figures = {"magento_state": m.state, "invoiced": m.total_invoiced,
                   "captured": round(money.captured, 2), "captures": money.captures,
                   "invoices": m.invoices, "refunded_in_magento": m.total_refunded,
                   "refunded_at_gateway": round(money.refunded, 2)}
        if len(money.live) > 1:
            fail("two live authorizations", order_id, payments=money.live, **figures)
        recent = exported - money.last_move < grace
        if money.captured > m.total_invoiced + _CENT:
            double = money.captures > max(1, m.invoices)
            if not double and not m.invoices and recent:
                in_flight += 1          # invoiced after Magento's export was taken
            else:
                fail("double capture" if double else "captured more than invoiced", order_id,
                     unkeyed_captures=money.unkeyed_captures, **figures)
        elif money.captured < m.total_invoiced - _CENT:
            last = m.last_invoice
            if last is not None and exported - last < grace:
                in_flight += 1
            else:
                fail("invoiced, not captured", order_id, **figures)
        if abs(money.refunded - m.total_refunded) > _CENT:
            last = m.last_creditmemo
            if money.refunded < m.total_refunded and last is not None \
                    and exported - last < grace:
                in_flight += 1
            elif money.refunded > m.total_refunded and recent:
                in_flight += 1          # credited after Magento's export was taken
            else:
                fail("refunds differ from credit memos", order_id, **figures)
    figures_all: dict[str, Any] = {
        "orders_paid": len(paid), "orders_at_gateway": len(gateway),
        "captured": round(sum(gateway[o].captured for o in paid), 2),
        "invoiced": round(sum(magento[o].total_invoiced for o in paid), 2),
        "refunded": round(sum(gateway[o].refunded for o in paid), 2),
        "in_flight": in_flight, "problems": dict(kinds)}
    if kinds:
        parts = [f"{k} ({n})" for k, n in kinds.most_common()]
        ids = few(list(dict.fromkeys(p["increment_id"] for p in problems)))
        return Verdict("payment_integrity", "fail",
                       f"{sum(kinds.values())} payment problems on {len(paid)} paid orders: "
                       f"{'; '.join(parts)} (orders {ids})", figures_all, examples(problems),
                       ["whole"])
    return Verdict("payment_integrity", "pass",
                   f"{len(paid)} paid orders: one live authorization each, "
                   f"{figures_all['captured']:,.2f} captured = invoiced, refunds = credit "
                   f"memos" + (f" ({in_flight} in flight)" if in_flight else ""),
                   figures_all, [], ["whole"])
