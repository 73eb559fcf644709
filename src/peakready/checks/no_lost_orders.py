"""no_lost_orders: every order Magento acknowledged reached the ERP by the end of the drain.

Acknowledged = the increment ids of successful checkouts (checkouts.jsonl; an order id without
an increment id is resolved through Magento's orders) and every order in Magento's order list
placed during the run. Received = the ERP's order evidence. An order missing from the ERP whose
requests the ERP answered with a non-retryable refusal (a 422 naming a field: the ERP refused
the data) is **rejected**, listed with the ERP's answer, and does not fail the check; an order
the ERP never saw, or saw only with retryable failures (5xx, 429, timeouts), is **lost**.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples, few
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["acknowledged_orders", "no_lost_orders"]


def acknowledged_orders(evidence: RunEvidence) -> tuple[dict[str, float | None], list[Any]]:
    """increment id -> when Magento acknowledged it, and the order ids of successful checkouts
    that Magento's order list does not know (peakready.measure.orders defines both)."""
    acked = evidence.acknowledged()
    return acked.at, acked.unresolved


@CHECKS.add("no_lost_orders")
def no_lost_orders(evidence: RunEvidence, plan: Plan) -> Verdict:
    acked, unresolved = acknowledged_orders(evidence)
    received = {o.increment_id for o in evidence.erp_orders() if o.increment_id}
    missing = [i for i in acked if i not in received]
    attempts = evidence.erp_attempts() if missing else {}
    lost: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for increment in missing:
        seen = attempts.get(increment)
        if seen is not None and seen.refusal is not None:
            rejected.append({"increment_id": increment, "attempts": len(seen),
                             "erp_answer": seen.refusal})
            continue
        statuses = sorted(set(seen.status)) if seen is not None else []
        lost.append({"increment_id": increment, "acknowledged_at": acked[increment],
                     "erp_attempts": len(seen) if seen is not None else 0,
                     "erp_statuses": statuses})
    never = sum(1 for row in lost if not row["erp_attempts"])
    figures = {"acknowledged": len(acked), "in_erp": len(acked) - len(missing),
               "lost": len(lost), "never_received": never,
               "only_retryable_failures": len(lost) - never, "rejected": len(rejected),
               "rejected_orders": rejected[:20], "unresolved_order_ids": len(unresolved)}
    rows = examples([*lost, *({"order_id": o, "reason": "acknowledged by checkout, absent "
                               "from Magento's orders"} for o in unresolved),
                     *({"kind": "rejected", **r} for r in rejected)])
    note = (f"; {len(rejected)} rejected by the ERP for their data "
            f"({few([r['increment_id'] for r in rejected])})" if rejected else "")
    if lost or unresolved:
        parts = []
        if lost:
            parts.append(f"{len(lost)} of {len(acked)} acknowledged orders never reached the "
                         f"ERP ({never} never seen, {len(lost) - never} only with retryable "
                         f"failures): {few([r['increment_id'] for r in lost])}")
        if unresolved:
            parts.append(f"{len(unresolved)} acknowledged order ids are not in Magento's "
                         f"orders: {few(unresolved)}")
        return Verdict("no_lost_orders", "fail", "; ".join(parts) + note, figures, rows,
                       ["whole"])
    reached = f"all {len(acked)} acknowledged orders reached the ERP" if not rejected else (
        f"all {len(acked)} acknowledged orders accounted for: {len(acked) - len(rejected)} in "
        f"the ERP")
    return Verdict("no_lost_orders", "pass", f"{reached}{note}",
                   figures, examples({"kind": "rejected", **r} for r in rejected), ["whole"])
