"""export_lag: orders reach the ERP promptly outside faults, and the backlog drains after each.

Witnesses: when Magento acknowledged each order (the checkout's end, else Magento's
created_at) and when the ERP first received it (its order evidence).

* lag = ERP received - acknowledged; p95 over the orders acknowledged outside every fault
  window ≤ ``thresholds.export_lag_p95_s``;
* backlog drain: for each fault window, the orders acknowledged before it cleared and not yet in
  the ERP by then must all be in the ERP within ``thresholds.backlog_drain_s`` of the clear.
Orders the ERP never received are no_lost_orders' business and are only counted here.
Lags and "acknowledged" are ``peakready.measure.orders``' (the report's fault impact reads the
same). Needs: acknowledged orders the ERP received (none: not judged).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples, percentile
from peakready.checks.no_lost_orders import acknowledged_orders
from peakready.checks.verdict import CHECKS, Verdict
from peakready.measure.orders import export_lags

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["export_lag"]


@CHECKS.add("export_lag")
def export_lag(evidence: RunEvidence, plan: Plan) -> Verdict:
    limits = plan.thresholds
    acked, _ = acknowledged_orders(evidence)
    if not acked:
        return Verdict.not_judged("export_lag", "no order was acknowledged", orders=0)
    received = evidence.erp_received()
    lags = export_lags(acked, received)
    faults = evidence.fault_windows()
    outside: list[float] = []
    never = sum(1 for i in acked if i not in received)
    for increment, lag in lags.items():
        if math.isfinite(lag) and not any(w.contains(acked[increment] or 0.0) for w in faults):
            outside.append(lag)
    p95 = percentile(outside, 95)
    drains: dict[str, dict[str, Any]] = {}
    slow: list[dict[str, Any]] = []
    for w in faults:
        backlog = [received[i] for i, at in acked.items()
                   if at is not None and at < w.end and i in received and received[i] >= w.end]
        drained = max(backlog) - w.end if backlog else 0.0
        drains[w.name] = {"backlog": len(backlog), "drained_s": round(drained, 2)}
        if drained > limits.backlog_drain_s:
            slow.append({"window": w.name, **drains[w.name]})
    if not outside and not any(d["backlog"] for d in drains.values()):
        return Verdict.not_judged("export_lag", f"none of the {len(acked)} acknowledged orders "
                                  f"reached the ERP outside a fault window or in a fault's "
                                  f"backlog", orders=len(acked), never_received=never)
    figures = {"orders": len(acked), "judged_outside_faults": len(outside),
               "never_received": never,
               "lag_p50_s": None if not outside else round(percentile(outside, 50) or 0, 3),
               "lag_p95_s": None if p95 is None else round(p95, 3),
               "lag_max_s": round(max(outside), 3) if outside else None,
               "limit_p95_s": limits.export_lag_p95_s, "drains": drains,
               "limit_drain_s": limits.backlog_drain_s}
    problems = []
    if p95 is not None and p95 > limits.export_lag_p95_s:
        problems.append(f"export lag p95 {p95:.1f} s outside faults "
                        f"(> {limits.export_lag_p95_s:g} s)")
    problems.extend(f"{s['window']}: backlog of {s['backlog']} drained {s['drained_s']:.0f} s "
                    f"after the fault (> {limits.backlog_drain_s:g} s)" for s in slow)
    windows = ["whole", *drains]
    if problems:
        return Verdict("export_lag", "fail", "; ".join(problems), figures, examples(slow),
                       windows)
    drain_text = "; ".join(f"{n}: {d['backlog']} drained in {d['drained_s']:.1f} s"
                           for n, d in drains.items())
    return Verdict("export_lag", "pass",
                   f"export lag p95 {figures['lag_p95_s']} s over {len(outside)} orders "
                   f"outside faults" + (f"; {drain_text}" if drain_text else ""),
                   figures, [], windows)
