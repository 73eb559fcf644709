"""no_lost_orders: every order Magento acknowledged reached the ERP by the end of the drain.

Needs: acknowledged orders (none: not judged). Witnesses: what Magento acknowledged
(``peakready.measure.orders``: successful checkouts and Magento's own order list), the ERP's
order evidence and its request log.

An acknowledged order missing from the ERP is **rejected** (listed, not failed) only when the
harness placed it with data a strict ERP refuses (the recorder marked the checkout
``edge_case``) and the ERP refused it naming that data (``peakready.checks.refusals``).
Every other missing order is **lost**: never seen by the ERP, seen only with retryable failures
(5xx, 429, timeouts), or refused for anything else, reported grouped by status with the ERP's
answer and what to check ("422 on 2,214 of 2,238 orders: check the connector's mapping").
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples, few
from peakready.checks.refusals import group_refusals, names_edge_case_data
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
    if not acked and not unresolved:
        return Verdict.not_judged("no_lost_orders", "no order was acknowledged (no successful "
                                  "checkout, no order in Magento's list placed during the run)",
                                  acknowledged=0)
    received = {o.increment_id for o in evidence.erp_orders() if o.increment_id}
    missing = [i for i in acked if i not in received]
    attempts = evidence.erp_attempts() if missing else {}
    edge_cases = {c.increment_id for c in evidence.checkouts() if c.edge_case and c.increment_id}
    lost: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    refused: list[tuple[str, dict[str, Any]]] = []
    for increment in missing:
        seen = attempts.get(increment)
        refusal = seen.refusal if seen is not None else None
        if refusal is not None and increment in edge_cases and names_edge_case_data(refusal):
            rejected.append({"increment_id": increment, "attempts": len(seen or ()),
                             "erp_answer": refusal})
            continue
        if refusal is not None:
            refused.append((increment, refusal))
        lost.append({"increment_id": increment, "acknowledged_at": acked[increment],
                     "erp_attempts": len(seen) if seen is not None else 0,
                     "erp_statuses": sorted(set(seen.status)) if seen is not None else [],
                     **({"erp_answer": refusal} if refusal is not None else {})})
    statuses: Counter[int] = Counter()
    if refused:
        for seen in attempts.values():
            statuses.update(seen.status)
    groups = group_refusals(refused, statuses)
    never = sum(1 for row in lost if not row["erp_attempts"])
    retryable_only = len(lost) - never - len(refused)
    figures = {"acknowledged": len(acked), "in_erp": len(acked) - len(missing),
               "lost": len(lost), "never_received": never,
               "only_retryable_failures": retryable_only, "refused": len(refused),
               "refused_by_status": [g.to_json() for g in groups],
               "rejected": len(rejected), "rejected_orders": rejected[:20],
               "unresolved_order_ids": len(unresolved)}
    rows = examples([*({"kind": "refused", **g.to_json()} for g in groups), *lost,
                     *({"order_id": o, "reason": "acknowledged by checkout, absent "
                        "from Magento's orders"} for o in unresolved),
                     *({"kind": "rejected", **r} for r in rejected)])
    note = (f"; {len(rejected)} edge-case orders rejected by the ERP for their data "
            f"({few([r['increment_id'] for r in rejected])})" if rejected else "")
    if lost or unresolved:
        parts = []
        if lost:
            how = [g.describe(len(acked)) for g in groups]
            if never:
                how.append(f"{never} never seen")
            if retryable_only:
                how.append(f"{retryable_only} only with retryable failures")
            parts.append(f"{len(lost)} of {len(acked)} acknowledged orders never reached the "
                         f"ERP ({'; '.join(how)}): {few([r['increment_id'] for r in lost])}")
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
