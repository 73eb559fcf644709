"""fallback_effective: while the ERP or the carrier is faulted, shoppers still check out.

Witnesses: checkouts.jsonl (what the shoppers saw) and Magento's salable quantities after the
drain (``evidence/magento/salable.json``) with the ERP's stock additions (its history). For each
fault window on the ERP or shipping (proxy or mock), the share of checkout attempts that
started inside it and succeeded must be ≥ ``thresholds.fallback_success_rate``.

Left out: flash-sale buys, and stock refusals that were honest: a SKU of the checkout is sold
out by the end of the run (salable after the drain, less the stock the ERP added after the
refusal, is below the quantity asked). A stock refusal of SKUs Magento still shows salable
is the checkout refusing because a back-end did not answer: a failed fallback, counted.

Needs: a fault window on the ERP or shipping, and checkout attempts inside it (else not judged).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.checks.records import Checkout
    from peakready.config import Plan

__all__ = ["STOCK_REFUSAL", "fallback_effective"]

_SERVICES = ("erp", "shipping")
#: Magento's stock phrases (spec §2.3, all versions the simulator speaks).
STOCK_REFUSAL = re.compile(r"requested qty is not available|Not enough items for sale|"
                           r"Only \S+ of \S+ available|Product that you are trying to add is "
                           r"not available|out of stock", re.IGNORECASE)


class _SoldOut:
    """Whether a checkout's stock refusal was honest: one of its SKUs has less salable after
    the drain, less what the ERP added after the refusal, than the checkout asked for. A SKU
    the salable export does not list cannot be judged and counts as sold out."""

    def __init__(self, evidence: RunEvidence) -> None:
        self.evidence = evidence
        self._salable: dict[str, float] | None = None
        self._added: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def _load(self) -> dict[str, float]:
        if self._salable is None:
            raw = self.evidence.json("magento/salable.json") \
                if self.evidence.has("magento/salable.json") else {}
            self._salable = {str(k): float(v) for k, v in (raw or {}).items()
                             if isinstance(v, int | float)} if isinstance(raw, dict) else {}
            if self.evidence.has("erp/stock_history.jsonl"):
                for change in self.evidence.records("erp/stock_history.jsonl"):
                    delta = change.get("delta")
                    if isinstance(delta, int | float) and delta > 0:
                        self._added[str(change.get("sku"))].append(
                            (float(change.get("ts") or 0.0), float(delta)))
        return self._salable

    def __call__(self, checkout: Checkout) -> bool:
        salable = self._load()
        if not checkout.items:
            return True
        for sku, qty in checkout.items:
            if sku not in salable:
                return True
            later = sum(d for ts, d in self._added.get(sku, ()) if ts >= checkout.intended_ts)
            if salable[sku] - later < qty:
                return True
        return False


@CHECKS.add("fallback_effective")
def fallback_effective(evidence: RunEvidence, plan: Plan) -> Verdict:
    floor = plan.thresholds.fallback_success_rate
    windows = [w for w in evidence.fault_windows() if w.service in _SERVICES]
    if not windows:
        return Verdict.not_judged("fallback_effective", "the run had no ERP or shipping fault "
                                  "window", exercised=False)
    tally: dict[str, dict[str, Any]] = {
        w.name: {"attempts": 0, "ok": 0, "failures": {}, "honest_stock_refusals": 0}
        for w in windows}
    sold_out = _SoldOut(evidence)
    for c in evidence.checkouts():
        if c.flash_sale:
            continue
        if not c.ok and c.error and STOCK_REFUSAL.search(c.error) and sold_out(c):
            for w in windows:
                if w.contains(c.intended_ts):
                    tally[w.name]["honest_stock_refusals"] += 1
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
    if not any(row["attempts"] for row in tally.values()):
        return Verdict.not_judged("fallback_effective", "no checkout attempt started inside "
                                  "an ERP or shipping fault window", exercised=False,
                                  windows=tally)
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
