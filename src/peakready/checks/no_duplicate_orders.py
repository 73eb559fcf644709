"""no_duplicate_orders: one ERP order per Magento order, one Magento order per quote.

Witnesses: the ERP's orders grouped by increment id (a retry without an idempotency key
creates a second one), with the ERP's request log for the attempts behind each; Magento's
orders grouped by quote id (a double submit that turned one cart into two orders), and, when
Magento's order evidence carries no quote id, the successful checkouts' quote ids.

Needs: an order in the ERP or a quote turned into an order (neither: not judged).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from peakready.checks._util import examples, few
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["no_duplicate_orders"]


@CHECKS.add("no_duplicate_orders")
def no_duplicate_orders(evidence: RunEvidence, plan: Plan) -> Verdict:
    erp: dict[str, list[str]] = defaultdict(list)
    for sent in evidence.erp_orders():
        if sent.increment_id:
            erp[sent.increment_id].append(sent.erp_order_id)
    erp_dups = {i: ids for i, ids in erp.items() if len(ids) > 1}
    attempts = evidence.erp_attempts() if erp_dups else {}
    quotes: dict[Any, list[str]] = defaultdict(list)
    orders = evidence.magento_orders()
    if any(o.quote_id is not None for o in orders):
        for order in orders:
            if order.quote_id is not None:
                quotes[order.quote_id].append(order.increment_id or f"entity {order.entity_id}")
        quote_source = "magento"
    else:
        seen: dict[Any, set[Any]] = defaultdict(set)
        for c in evidence.checkouts():
            if c.ok and c.quote_id is not None:
                ident = c.increment_id or c.order_id
                if ident not in seen[c.quote_id]:
                    seen[c.quote_id].add(ident)
                    quotes[c.quote_id].append(str(ident))
        quote_source = "checkouts"
    quote_dups = {q: ids for q, ids in quotes.items() if len(ids) > 1}
    if not erp and not quotes:
        return Verdict.not_judged("no_duplicate_orders", "no order in the ERP and no quote "
                                  "turned into an order", erp_orders=0, quotes=0)
    rows: list[dict[str, Any]] = []
    for increment, ids in sorted(erp_dups.items(), key=lambda kv: -len(kv[1])):
        seen_attempts = attempts.get(increment)
        rows.append({"increment_id": increment, "erp_order_ids": ids,
                     "erp_attempts": len(seen_attempts) if seen_attempts else None,
                     "attempt_statuses": list(seen_attempts.status) if seen_attempts else [],
                     "with_idempotency_key": bool(seen_attempts and seen_attempts.keyed)})
    rows.extend({"quote_id": q, "magento_orders": ids} for q, ids in quote_dups.items())
    figures = {"erp_orders": sum(len(v) for v in erp.values()), "distinct_in_erp": len(erp),
               "duplicate_increment_ids": len(erp_dups),
               "extra_erp_orders": sum(len(v) - 1 for v in erp_dups.values()),
               "quotes": len(quotes), "quotes_with_two_orders": len(quote_dups),
               "quote_source": quote_source}
    if erp_dups or quote_dups:
        parts = []
        if erp_dups:
            parts.append(f"{len(erp_dups)} orders created more than once in the ERP "
                         f"({figures['extra_erp_orders']} extra): {few(list(erp_dups))}")
        if quote_dups:
            parts.append(f"{len(quote_dups)} quotes became two Magento orders: "
                         f"{few(list(quote_dups))}")
        return Verdict("no_duplicate_orders", "fail", "; ".join(parts), figures,
                       examples(rows), ["whole"])
    return Verdict("no_duplicate_orders", "pass",
                   f"{len(erp)} orders in the ERP, each once; {len(quotes)} quotes, one order "
                   f"each", figures, [], ["whole"])
