"""The detection self-test's matrix: each integration flag, the fault that exposes it, its check.

::

    CASES     flag -> Case(check that must fail, scenario)
    SCENARIOS scenario -> the plan both runs use: the flag's, and `good`'s (every check passes)
    QUICK     the flags of the quick subset (default test suite, <= 3 minutes)

A scenario is a short plan (seconds of load, one fault window) on the embedded estate, with
all ten checks and loose SLO gates except where the scenario is about latency. ``side`` names
traffic the selftest adds beside the load (customer edits in Magento, which no journey makes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peakready.checks.verdict import CHECKS
from peakready.config import Plan, parse_plan

__all__ = ["CASES", "QUICK", "SCENARIOS", "Case", "Scenario", "scenario_plan"]


@dataclass(frozen=True)
class Case:
    flag: str
    check: str
    scenario: str


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    plan: dict[str, Any]
    side: str | None = None      # "customer_edits": the selftest edits customers mid-load


_LOAD: dict[str, Any] = {
    "duration": "25s", "shape": "constant", "orders_per_minute": 90, "workers": 1,
    "arrivals": "uniform", "mix": {"browse": 10, "search": 10, "guest_checkout": 40,
                                   "customer_checkout": 40},
    "sync": {"erp_stock_updates_per_minute": 60}}
_SLO = {"checkout": {"p95_ms": 3000, "error_rate": 0.05}}


def _fault(**fault: Any) -> list[dict[str, Any]]:
    return [{"at": "8s", "for": "12s", **fault}]


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("erp-latency", "ERP answers 4 s late (beyond the 2 s export timeout)",
             {"faults": _fault(proxy="erp", toxic="latency", attributes={"latency": 4000})}),
    Scenario("erp-down", "the ERP link is down for 12 s",
             {"faults": _fault(proxy="erp", down=True)}),
    Scenario("erp-503", "half the ERP's order answers are 503",
             {"faults": _fault(mock="erp", http={"status": 503, "rate": 0.5,
                                                 "path": "/api/orders*"})}),
    Scenario("erp-429", "the ERP answers 429 with Retry-After: 3",
             {"faults": _fault(mock="erp", http={"status": 429, "retry_after": 3,
                                                 "path": "/api/orders*"})}),
    # At 15 s, so the ERP (ship_after 30 s) has not shipped them by the export: the built-in
    # integration cannot record a shipment once the stock sync has zeroed the source first.
    Scenario("flash-sale", "60 buyers race for 2 SKUs of 10 units",
             {"load": {"flash_sale": {"skus": 2, "stock_each": 10, "buyers": 60, "at": "15s"}}}),
    Scenario("stock-sync", "ordinary load: the stock sync's cycles",
             {"faults": []}),
    Scenario("carrier-down", "the carrier link is down for 12 s",
             {"faults": _fault(proxy="shipping", down=True)}),
    Scenario("customer-edits", "customers edited in Magento during the load",
             {"faults": []}, side="customer_edits"),
    # After the order: the back office cancels, refunds and holds; the ERP ships half of its
    # orders in two parts (its fulfilment is seconds after receipt on the embedded estate).
    Scenario("lifecycle", "back-office cancels, refunds and holds; the ERP ships in parts",
             {"faults": [], "load": {
                 "sync": {"erp_stock_updates_per_minute": 60, "backoffice_per_minute": 60},
                 "lifecycle": {"cancel": 0.5, "refund": 0.3, "hold": 0.2,
                               "partial_shipments": 0.5}}}),
    # Captures answer 6 s late (beyond the 5 s payment timeout) while invoices come in: the
    # capture goes through, its answer is lost, the integration retries.
    Scenario("payment-slow-capture", "captures answer 6 s late (beyond the payment timeout)",
             {"faults": _fault(mock="payment", http={"delay_ms": 6000,
                                                     "path": "/api/payments/*/capture"})}),
)}

CASES: dict[str, Case] = {c.flag: c for c in (
    Case("sync_order_export", "checkout_slo", "erp-latency"),
    Case("sync_stock_check", "checkout_slo", "erp-latency"),
    Case("retry_without_idempotency", "no_duplicate_orders", "erp-latency"),
    Case("no_retry", "no_lost_orders", "erp-down"),
    Case("retry_storm", "retry_discipline", "erp-503"),
    Case("ignore_retry_after", "retry_discipline", "erp-429"),
    Case("no_reservations", "no_oversell", "flash-sale"),
    Case("full_stock_sync", "sync_efficiency", "stock-sync"),
    Case("no_shipping_fallback", "fallback_effective", "carrier-down"),
    Case("overwrite_crm_fields", "crm_integrity", "customer-edits"),
    Case("ignore_order_updates", "order_lifecycle", "lifecycle"),
    Case("no_cancel_sync", "order_lifecycle", "lifecycle"),
    Case("no_partial_shipments", "order_lifecycle", "lifecycle"),
    Case("capture_retry_without_key", "payment_integrity", "payment-slow-capture"),
)}

#: The quick subset: the acceptance example (an ERP outage loses orders without retries).
QUICK = ("no_retry",)


def scenario_plan(scenario: Scenario, flags: list[str], seed: int = 11) -> Plan:
    """The plan of one selftest run: the scenario with the integration's ``flags``."""
    load = {**_LOAD, **scenario.plan.get("load", {})}
    data = {
        "name": f"selftest-{scenario.name}" + (f"-{'-'.join(flags)}" if flags else "-good"),
        "description": scenario.what,
        "target": {"magento": "embedded", "simulator": {"profile": "small"},
                   "integration": {"profile": "good", "flags": flags}},
        "load": load, "faults": scenario.plan.get("faults", []),
        "slo": _SLO, "checks": list(CHECKS.names()), "drain": {"timeout": "45s"},
        "seed": seed}
    return parse_plan(data, source=f"selftest scenario {scenario.name}")
