"""sync_efficiency: the stock sync reads what changed, not the catalogue; Magento is not hammered.

Witnesses: the ERP's journal (``evidence/erp/journal.json``, its exact request counters per
route template) and stock history (every on-hand change); the simulator's journal
(``evidence/magento/journal.json``, optional) and Magento's orders.

* per-SKU stock reads (``GET /api/stock/{sku}``) per ERP on-hand change during the run ≤
  ``thresholds.max_stock_reads_per_change``: a delta sync reads the feed (``GET /api/stock``,
  one page per cycle) and no SKU one by one; a full sync reads every SKU every cycle;
* Magento REST calls of the connector kind (order searches and reads, shipments, invoices,
  source-item writes, customer searches) per order placed, reported, and judged against
  ``thresholds.max_magento_calls_per_order`` when the plan sets it. The built-in integration
  calls Magento in process, so only a user's connector (and back-office load) shows here.

Needs: stock reads at the ERP (none: not judged, no stock sync ran to judge).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from peakready.checks._files import EvidenceError
from peakready.checks._util import ratio
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["journal_count", "sync_efficiency"]

_PER_SKU = re.compile(r"^/api/stock/(?!adjustments)[^/]+$")
_FEED = re.compile(r"^/api/stock$")
_CONNECTOR = re.compile(r"/V1/(orders|order/|inventory/source-items|customers/search|"
                        r"stockItems|products/[^/]+/stockItems)")


def journal_count(journal: Any, route: re.Pattern[str], method: str = "GET") -> int:
    """Requests of ``method`` to routes matching ``route`` in a mock's /__admin/journal."""
    routes = journal.get("routes") if isinstance(journal, dict) else None
    if not isinstance(routes, dict):
        raise EvidenceError("the journal export has no 'routes' counters")
    total = 0
    for path, methods in routes.items():
        if route.search(path) and isinstance(methods, dict):
            by_status = methods.get(method) or {}
            total += sum(int(n) for n in by_status.values() if isinstance(n, int))
    return total


@CHECKS.add("sync_efficiency")
def sync_efficiency(evidence: RunEvidence, plan: Plan) -> Verdict:
    limits = plan.thresholds
    erp = evidence.json("erp/journal.json")
    per_sku = journal_count(erp, _PER_SKU)
    feed = journal_count(erp, _FEED)
    changes = 0
    changed: set[str] = set()
    for change in evidence.records("erp/stock_history.jsonl"):
        if float(change.get("ts") or 0.0) >= evidence.test_start:
            changes += 1
            changed.add(str(change.get("sku")))
    if not per_sku and not feed:
        return Verdict.not_judged("sync_efficiency", "the ERP saw no stock read (no stock sync "
                                  "ran)", erp_per_sku_reads=0, erp_feed_reads=0,
                                  erp_stock_changes=changes)
    per_change = per_sku / max(changes, 1)
    orders = len(evidence.magento_orders())
    connector_calls: int | None = None
    if evidence.has("magento/journal.json"):
        journal = evidence.json("magento/journal.json")
        connector_calls = sum(journal_count(journal, _CONNECTOR, m)
                              for m in ("GET", "POST", "PUT"))
    per_order = None if connector_calls is None else ratio(connector_calls, orders)
    figures = {"erp_per_sku_reads": per_sku, "erp_feed_reads": feed,
               "erp_stock_changes": changes, "skus_changed": len(changed),
               "per_sku_reads_per_change": round(per_change, 2),
               "limit_reads_per_change": limits.max_stock_reads_per_change,
               "magento_orders": orders, "magento_connector_calls": connector_calls,
               "magento_calls_per_order": None if per_order is None else round(per_order, 2),
               "limit_calls_per_order": limits.max_magento_calls_per_order}
    problems = []
    if per_sku and per_change > limits.max_stock_reads_per_change:
        problems.append(f"{per_sku} per-SKU ERP stock reads for {changes} on-hand changes "
                        f"({per_change:.1f} per change > {limits.max_stock_reads_per_change:g}): "
                        f"a full sync where a delta one is due")
    cap = limits.max_magento_calls_per_order
    if cap is not None and per_order is not None and per_order > cap:
        problems.append(f"{connector_calls} connector calls to Magento for {orders} orders "
                        f"({per_order:.1f} per order > {cap:g})")
    calls = "" if per_order is None else f"; {per_order:.1f} Magento connector calls per order"
    if problems:
        return Verdict("sync_efficiency", "fail", "; ".join(problems), figures, [], ["whole"])
    return Verdict("sync_efficiency", "pass",
                   f"{feed} stock feed reads and {per_sku} per-SKU reads for {changes} on-hand "
                   f"changes of {len(changed)} SKUs{calls}", figures, [], ["whole"])
