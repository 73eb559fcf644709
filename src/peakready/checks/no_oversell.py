"""no_oversell: no SKU sold more units than it had, and no salable quantity below zero.

Witnesses: Magento's orders (units ordered - canceled, placed after the snapshot), the snapshot's
salable quantities before the load, the ERP's stock history (units added during the run:
receipts and the ERP's own increases, which the integration may have passed on), and
Magento's salable quantities after the drain. ``sold ≤ salable before + added`` is an upper
bound on what could honestly be sold, so a failure is an oversell whatever the timing.

A salable quantity below zero is not always an oversell: when the ERP shipped orders that
Magento never recorded as shipped, their reservations stay open while the stock sync writes
the ERP's lower on-hand. When those unrecorded shipments account for every unit below zero
and nothing was sold beyond stock, the verdict says so and points to ``order_lifecycle``
(the guarantee that broke), failing only when that check is not in the plan to say it.

Needs: orders placed during the run (none: not judged). A SKU sold that the snapshot has no
salable quantity for cannot be judged (never read as zero: that was the "90 SKUs sold more
than they had" false alarm on a real store); it is counted and named, and when no SKU sold
can be judged the check is not judged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from peakready.checks._files import EvidenceError, parse_time
from peakready.checks._util import examples, few
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["no_oversell"]

_EPS = 1e-9


def _unrecorded_shipments(evidence: RunEvidence, skus: set[str]) -> dict[str, float]:
    """Per SKU, units of orders the ERP shipped that Magento still holds unshipped: why a
    salable quantity can sit below zero without an oversell."""
    shipped = {o.increment_id for o in evidence.erp_orders()
               if o.status in ("partially_shipped", "shipped", "invoiced", "delivered")
               and o.increment_id}
    out: dict[str, float] = defaultdict(float)
    for order in evidence.magento_orders():
        if order.increment_id in shipped:
            for sku, units in order.unshipped:
                if sku in skus:
                    out[sku] += units
    return out


@CHECKS.add("no_oversell")
def no_oversell(evidence: RunEvidence, plan: Plan) -> Verdict:
    snapshot = evidence.snapshot()
    before = (snapshot.get("magento") or {}).get("salable")
    if not isinstance(before, dict):
        raise EvidenceError("evidence/snapshot_before.json has no magento.salable")
    since = parse_time(snapshot.get("wall")) or evidence.test_start
    added: dict[str, float] = defaultdict(float)
    for change in evidence.records("erp/stock_history.jsonl"):
        delta = change.get("delta")
        if isinstance(delta, int | float) and delta > 0 and float(change.get("ts") or 0) >= since:
            added[str(change.get("sku"))] += float(delta)
    sold: dict[str, float] = defaultdict(float)
    orders_by_sku: dict[str, list[str]] = defaultdict(list)
    counted = 0
    for order in evidence.magento_orders():
        # Orders from before the snapshot already left the salable quantity it recorded
        # (created_at has whole seconds, hence the one-second margin).
        if order.created_ts is not None and order.created_ts < since - 1.0:
            continue
        counted += 1
        for sku, qty in order.items:
            if qty > 0:
                sold[sku] += qty
                orders_by_sku[sku].append(order.increment_id or f"entity {order.entity_id}")
    after = evidence.json("magento/salable.json")
    if not isinstance(after, dict):
        raise EvidenceError("evidence/magento/salable.json is not a {sku: qty} object")
    if not counted:
        return Verdict.not_judged("no_oversell", "no order was placed during the run",
                                  orders=0)
    unknown = sorted(sku for sku in sold if not isinstance(before.get(sku), int | float))
    if len(unknown) == len(sold):
        return Verdict.not_judged("no_oversell", f"none of the {len(sold)} SKUs sold has a "
                                  f"salable quantity in the snapshot before the load",
                                  orders=counted, skus_without_stock_before=len(unknown))
    oversold: list[dict[str, Any]] = []
    for sku, units in sold.items():
        if sku in unknown:
            continue
        stock = float(before[sku])
        if units > stock + added[sku] + _EPS:
            oversold.append({"sku": sku, "stock": stock, "added": added[sku], "sold": units,
                             "over": units - stock - added[sku],
                             "orders": orders_by_sku[sku][:10]})
    oversold.sort(key=lambda row: -float(row["over"]))
    negative = sorted(((str(s), float(q)) for s, q in after.items()
                       if isinstance(q, int | float) and q < -_EPS), key=lambda p: p[1])
    stuck = _unrecorded_shipments(evidence, {s for s, _ in negative}) if negative else {}
    figures = {"orders": counted, "skus_sold": len(sold), "units_sold": sum(sold.values()),
               "units_added": sum(added.values()), "oversold_skus": len(oversold),
               "oversold_units": sum(float(r["over"]) for r in oversold),
               "negative_salable_skus": len(negative),
               "skus_without_stock_before": len(unknown),
               "skus_without_stock_before_examples": unknown[:20]}
    note = (f"; {len(unknown)} SKUs not judged (no salable quantity before the load: "
            f"{few(unknown)})" if unknown else "")
    rows = examples([*oversold, *({"sku": s, "salable_after": q,
                                   "units_erp_shipped_not_in_magento": stuck.get(s, 0.0)}
                                  for s, q in negative)])
    explained = sum(stuck.values())
    figures["units_erp_shipped_not_in_magento"] = explained
    if negative and not oversold and all(stuck.get(s, 0.0) + q >= -_EPS for s, q in negative) \
            and "order_lifecycle" in plan.checks:
        return Verdict("no_oversell", "pass",
                       f"{figures['units_sold']:g} units of {len(sold)} SKUs sold in {counted} "
                       f"orders, none beyond stock; {len(negative)} SKUs ended with salable "
                       f"below zero only because {explained:g} units the ERP shipped are not "
                       f"shipped in Magento (their reservations stay open): see "
                       f"order_lifecycle{note}", figures, rows, ["whole"])
    if oversold or negative:
        parts = []
        if oversold:
            worst = oversold[0]
            had = float(worst["stock"]) + float(worst["added"])
            parts.append(f"{len(oversold)} SKUs sold more than they had (worst {worst['sku']} "
                         f"sold {worst['sold']:g} of {had:g})")
        if negative:
            parts.append(f"{len(negative)} SKUs ended with salable below zero "
                         f"({few([f'{s} {q:g}' for s, q in negative])})")
            if explained:
                parts.append(f"{explained:g} of their units the ERP shipped are not shipped in "
                             f"Magento: their reservations were never compensated (shipments "
                             f"from the ERP's feed not recorded; order_lifecycle judges that)")
        return Verdict("no_oversell", "fail", "; ".join(parts) + note, figures, rows,
                       ["whole"])
    return Verdict("no_oversell", "pass",
                   f"{figures['units_sold']:g} units of {len(sold)} SKUs sold in {counted} "
                   f"orders, none beyond stock; no salable quantity below zero{note}", figures,
                   [], ["whole"])
