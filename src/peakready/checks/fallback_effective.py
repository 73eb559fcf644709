"""fallback_effective: while the ERP or the carrier is faulted, shoppers still check out.

Witness: checkouts.jsonl (what the shoppers saw). For each fault window on the ERP or shipping
(proxy or mock), the share of checkout attempts that started inside it and succeeded must be
≥ ``thresholds.fallback_success_rate``. Flash-sale buys and attempts refused for stock (the
store's honest "not available") are left out: they fail for scarcity, not for the back-end.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["STOCK_REFUSAL", "fallback_effective"]

_SERVICES = ("erp", "shipping")
#: Magento's stock phrases (spec §2.3, all versions the simulator speaks).
STOCK_REFUSAL = re.compile(r"requested qty is not available|Not enough items for sale|"
                           r"Only \S+ of \S+ available|Product that you are trying to add is "
                           r"not available|out of stock", re.IGNORECASE)


@CHECKS.add("fallback_effective")
def fallback_effective(evidence: RunEvidence, plan: Plan) -> Verdict:
    floor = plan.thresholds.fallback_success_rate
    windows = [w for w in evidence.fault_windows() if w.service in _SERVICES]
    if not windows:
        return Verdict("fallback_effective", "pass", "not exercised: the run had no ERP or "
                       "shipping fault window", {"exercised": False}, [], [])
    tally: dict[str, dict[str, Any]] = {
        w.name: {"attempts": 0, "ok": 0, "failures": {}} for w in windows}
    for c in evidence.checkouts():
        if c.flash_sale or (not c.ok and c.error and STOCK_REFUSAL.search(c.error)):
            continue
        for w in windows:
            if w.contains(c.intended_ts):
                row = tally[w.name]
                row["attempts"] += 1
                if c.ok:
                    row["ok"] += 1
                else:
                    reason = f"{c.step or 'checkout'}: {c.status} {(c.error or '')[:80]}"
                    row["failures"][reason] = row["failures"].get(reason, 0) + 1
    failing: list[dict[str, Any]] = []
    for w in windows:
        row = tally[w.name]
        row["success_rate"] = row["ok"] / row["attempts"] if row["attempts"] else None
        if row["success_rate"] is not None and row["success_rate"] < floor:
            top = sorted(row["failures"].items(), key=lambda kv: -kv[1])[:3]
            failing.append({"window": w.name, "attempts": row["attempts"], "ok": row["ok"],
                            "success_rate": round(row["success_rate"], 4),
                            "top_failures": [{"reason": r, "count": n} for r, n in top]})
        row["failures"] = dict(sorted(row["failures"].items(), key=lambda kv: -kv[1])[:5])
    figures = {"exercised": True, "floor": floor, "windows": tally}
    if failing:
        text = "; ".join(f"{f['window']}: {f['ok']}/{f['attempts']} checkouts succeeded "
                         f"({f['success_rate']:.1%} < {floor:.0%})"
                         + (f", mostly {f['top_failures'][0]['reason']}" if f["top_failures"]
                            else "") for f in failing)
        return Verdict("fallback_effective", "fail", text, figures, examples(failing),
                       [w.name for w in windows])
    text = "; ".join(f"{name}: {row['ok']}/{row['attempts']} checkouts succeeded"
                     for name, row in tally.items())
    return Verdict("fallback_effective", "pass", f"{text} (floor {floor:.0%})", figures, [],
                   [w.name for w in windows])
