"""The detection self-test's matrix: each mistake, the fault that exposes it, the check it trips.

::

    SCENARIOS       scenario -> the plan every run of it uses (short load, one fault or none)
    BUILTIN         built-in integration flag -> Case(check that must fail, scenario)
    CONNECTOR       example connector mistake (CONNECTOR_MISTAKES) -> Case(check, scenario)
    QUICK           the quick subset of each (the default test suite runs the built-in one)
    scenario_plan(scenario, integration, mistake=None) -> the plan of one run: the mistake's,
                    or the clean integration's (mistake None: every verdict must pass)

A scenario is a short plan (seconds of load, one fault window, the ``tiny`` fixture profile
unless it needs a larger catalogue) on the embedded estate with
every registered check and loose SLO gates except where the scenario is about latency
(its ``plan`` may add ``load``, ``faults``, ``target``, ``thresholds`` and, for the
connector, ``connector_env``). The
connector's runs use ``target.integration: none`` and the example connector
(``examples/connector/connector.py``) with its mistake switched on through
``target.connector.env``. ``checkout_slo`` and ``fallback_effective`` judge Magento's own
checkout, which an external connector takes no part in: they have built-in cases only.
``payment_integrity`` has a case on each: the card payment method is the store's (the
simulator's payment module on the gateway mock), so shoppers pay by card with
``integration: none`` as well; the connector's online invoices (``capture: true``) capture at
the gateway, and its ``invoice_offline`` switch (``capture: false``) leaves invoiced orders
uncaptured.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from peakready.checks.verdict import CHECKS
from peakready.config import Plan, parse_plan

__all__ = ["BUILTIN", "CONNECTOR", "QUICK", "SCENARIOS", "Case", "Integration", "Scenario",
           "cases", "default_connector", "scenario_plan"]

Integration = Literal["builtin", "connector"]


@dataclass(frozen=True)
class Case:
    mistake: str        # a built-in flag, or a CONNECTOR_MISTAKES name
    check: str          # the check that must fail for it
    scenario: str


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    plan: dict[str, Any]
    profile: str = "tiny"       # the fixture profile (docs/seeding.md)


_LOAD: dict[str, Any] = {
    "duration": "25s", "shape": "constant", "orders_per_minute": 90, "workers": 1,
    "arrivals": "uniform", "mix": {"browse": 10, "search": 10, "guest_checkout": 40,
                                   "customer_checkout": 40},
    "sync": {"erp_stock_updates_per_minute": 60},
    # Shoppers browse a Luma store's pages (as the bundled plans do), so storefront_cache has
    # a full-page cache to judge in every scenario; checkouts stay REST.
    "storefront": {"browse": "pages", "search": "pages"}}
_SLO = {"checkout": {"p95_ms": 3000, "error_rate": 0.05}}


def _fault(**fault: Any) -> list[dict[str, Any]]:
    return [{"at": "8s", "for": "12s", **fault}]


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("erp-latency", "ERP answers 4 s late (beyond the export timeouts: 2 s built-in, "
             "3 s connector)",
             {"faults": _fault(proxy="erp", toxic="latency", attributes={"latency": 4000})}),
    Scenario("erp-down", "the ERP link is down for 12 s",
             {"faults": _fault(proxy="erp", down=True)}),
    Scenario("erp-503", "half the ERP's order answers are 503",
             {"faults": _fault(mock="erp", http={"status": 503, "rate": 0.5,
                                                 "path": "/api/orders*"})}),
    Scenario("erp-429", "the ERP answers 429 with Retry-After: 3",
             {"faults": _fault(mock="erp", http={"status": 429, "retry_after": 3,
                                                 "path": "/api/orders*"})}),
    # The buyers keep coming for 10 s (one every 1/6 s), the sale outlasting the syncs'
    # cycles (a second or two): a stock write that ignores Magento's reservations (the
    # connector's absolute_stock) offers the units sold before it to the buyers after it. A
    # race over in a quarter of a second, all buyers at once, ended before any sync ran.
    Scenario("flash-sale", "60 buyers race for 2 SKUs of 10 units over 10 s",
             {"load": {"flash_sale": {"skus": 2, "stock_each": 10, "buyers": 60, "at": "12s",
                                      "over": "10s"}}}),
    # A catalogue of hundreds of SKUs: a full sync's reads per stock change show only when
    # the catalogue is much larger than the changes of a cycle. The export lag limit is in
    # proportion to the 25 s of load: a batch export on a 40 s cron (both integrations'
    # batch_export) keeps the p95 above 22 s wherever the load falls on the cron's clock
    # (with the default 30 s limit, one start in five stayed under it), while exporting as
    # orders come takes a poll (1 s).
    Scenario("stock-sync", "ordinary load: the syncs' own cycles (805 SKUs)",
             {"faults": [], "thresholds": {"export_lag_p95_s": "10s"}}, profile="small"),
    Scenario("erp-refuses", "3 in 10 checkouts carry data a strict ERP refuses",
             {"load": {"edge_case_orders": 0.3}, "faults": []}),
    Scenario("carrier-down", "the carrier link is down for 12 s",
             {"faults": _fault(proxy="shipping", down=True)}),
    # Connector only: the built-in integration speaks peakready's own CRM API.
    # 200 customers (the small profile): an edit dropped during the limit stays lost. With the
    # tiny profile's 10, each customer was edited every ten seconds or so, and a later edit
    # synced after the limit healed most drops (2 of 10 lost in one run, none in the next).
    Scenario("crm-limit", "customers edit their accounts while the CRM (Salesforce's API) is "
             "over its API-call limit for 12 s",
             {"target": {"crm": {"dialect": "salesforce"}},
              "connector_env": {"CONNECTOR_CRM_DIALECT": "salesforce"},
              "load": {"sync": {**_LOAD["sync"], "customer_updates_per_minute": 60}},
              "faults": _fault(mock="crm", http={"api_limit": True,
                                                 "path": "/services/data/*"})},
             profile="small"),
    Scenario("storefront", "Luma shoppers browse pages from the full-page cache while the "
             "ERP's stock feed syncs", {"load": {
                 "duration": "40s", "mix": {"browse": 40, "search": 20, "guest_checkout": 20,
                                            "customer_checkout": 20}}, "faults": []}),
    # Connector only, the ERP's own APIs (docs/dialects.md): each vendor's failure mode.
    Scenario("odoo-error-in-200", "half the Odoo ERP's JSON-RPC answers are a serialization "
             "failure inside an HTTP 200",
             {"target": {"erp": {"dialect": "odoo"}},
              "connector_env": {"CONNECTOR_ERP_DIALECT": "odoo"},
              "faults": _fault(mock="erp", http={"error_in_200": True, "rate": 0.5,
                                                 "path": "/jsonrpc"})}),
    Scenario("b1-session-expiry", "the SAP B1 ERP's B1SESSION times out mid-run",
             {"target": {"erp": {"dialect": "sap-b1"}},
              "connector_env": {"CONNECTOR_ERP_DIALECT": "sap-b1"},
              "faults": _fault(mock="erp", http={"session_expiry": True})}),
    Scenario("netsuite-stale-lookup", "the NetSuite ERP's otherRefNum lookups are stale while "
             "its creates answer after the connector's timeout (but commit)",
             {"target": {"erp": {"dialect": "netsuite"}},
              "connector_env": {"CONNECTOR_ERP_DIALECT": "netsuite"},
              # the lookups stay stale past the retries of the creates that timed out
              "faults": [{"at": "8s", "for": "16s", "mock": "erp",
                          "http": {"stale_lookup": True}},
                         {"at": "8s", "for": "6s", "mock": "erp", "http": {
                             "delay_ms": 4000, "methods": ["POST", "PUT"],
                             "path": "/services/rest/record/v1/salesOrder*"}}]}),
    Scenario("customer-edits", "customers edit their accounts in Magento, marketing edits "
             "the CRM's own fields", {"load": {"sync": {
                 "erp_stock_updates_per_minute": 60, "customer_updates_per_minute": 30,
                 "crm_upserts_per_minute": 30}}, "faults": []}),
    # After the order: the back office cancels, refunds and holds; the ERP ships half of its
    # orders in two parts (its fulfilment is seconds after receipt on the embedded estate).
    Scenario("lifecycle", "back-office cancels, refunds and holds; the ERP ships in parts",
             {"faults": [], "load": {
                 "sync": {"erp_stock_updates_per_minute": 60, "backoffice_per_minute": 60},
                 "lifecycle": {"cancel": 0.5, "refund": 0.3, "hold": 0.2,
                               "partial_shipments": 0.5}}}),
    # Captures answer 6 s late (beyond the built-in 5 s payment timeout) while invoices come
    # in: the capture goes through, its answer is lost, the integration retries it.
    Scenario("payment-slow-capture", "captures answer 6 s late (beyond the payment timeout)",
             {"faults": _fault(mock="payment", http={"delay_ms": 6000,
                                                     "path": "/api/payments/*/capture"})}),
)}


def _cases(*rows: tuple[str, str, str]) -> dict[str, Case]:
    return {mistake: Case(mistake, check, scenario) for mistake, check, scenario in rows}


BUILTIN = _cases(
    ("sync_order_export", "checkout_slo", "erp-latency"),
    ("sync_stock_check", "checkout_slo", "erp-latency"),
    ("retry_without_idempotency", "no_duplicate_orders", "erp-latency"),
    ("no_retry", "no_lost_orders", "erp-down"),
    ("stock_sync_stalls", "inventory_convergence", "erp-down"),
    ("retry_storm", "retry_discipline", "erp-503"),
    ("ignore_retry_after", "retry_discipline", "erp-429"),
    ("no_reservations", "no_oversell", "flash-sale"),
    ("full_stock_sync", "sync_efficiency", "stock-sync"),
    ("batch_export", "export_lag", "stock-sync"),
    ("no_shipping_fallback", "fallback_effective", "carrier-down"),
    ("overwrite_crm_fields", "crm_integrity", "customer-edits"),
    ("save_every_product", "storefront_cache", "storefront"),
    ("flush_cache_on_sync", "storefront_cache", "storefront"),
    ("ignore_order_updates", "order_lifecycle", "lifecycle"),
    ("no_cancel_sync", "order_lifecycle", "lifecycle"),
    ("no_partial_shipments", "order_lifecycle", "lifecycle"),
    ("capture_retry_without_key", "payment_integrity", "payment-slow-capture"),
)

CONNECTOR = _cases(
    ("retry_without_key", "no_duplicate_orders", "erp-latency"),
    ("no_retry", "no_lost_orders", "erp-down"),
    ("stock_sync_stalls", "inventory_convergence", "erp-down"),
    ("no_backoff", "retry_discipline", "erp-503"),
    ("ignore_retry_after", "retry_discipline", "erp-429"),
    ("absolute_stock", "no_oversell", "flash-sale"),
    ("full_stock_sync", "sync_efficiency", "stock-sync"),
    ("batch_export", "export_lag", "stock-sync"),
    ("no_dead_letter", "retry_discipline", "erp-refuses"),
    ("overwrite_crm_fields", "crm_integrity", "customer-edits"),
    ("crm_limit_is_final", "crm_integrity", "crm-limit"),
    ("save_every_product", "storefront_cache", "storefront"),
    ("trust_http_200", "no_lost_orders", "odoo-error-in-200"),
    ("no_relogin", "no_lost_orders", "b1-session-expiry"),
    ("lookup_before_create", "no_duplicate_orders", "netsuite-stale-lookup"),
    ("ignore_order_updates", "order_lifecycle", "lifecycle"),
    ("no_cancel_sync", "order_lifecycle", "lifecycle"),
    ("invoice_offline", "payment_integrity", "lifecycle"),
)

#: The quick subset: an ERP outage loses orders without retries (about 90 s per integration).
QUICK = ("no_retry",)


def cases(integration: Integration) -> dict[str, Case]:
    return BUILTIN if integration == "builtin" else CONNECTOR


def default_connector() -> Path:
    """The example connector of the working directory's checkout (``peakready init`` copies
    ``examples/`` too)."""
    return Path.cwd() / "examples" / "connector" / "connector.py"


def scenario_plan(scenario: Scenario, integration: Integration = "builtin",
                  mistake: str | None = None, *, connector: Path | None = None,
                  seed: int = 11) -> Plan:
    """The plan of one selftest run: the scenario, the integration, and its mistake (if any)."""
    load = {**_LOAD, **scenario.plan.get("load", {})}
    # The tiny fixture profile (40 SKUs, 10 customers) unless the scenario needs more: the
    # estate starts in seconds and a run's evidence stays small enough to keep as recorded
    # evidence (tests/recorded/).
    target: dict[str, Any] = {"magento": "embedded",
                              "simulator": {"profile": scenario.profile}}
    if integration == "builtin":
        target["integration"] = {"profile": "good", "flags": [mistake] if mistake else []}
    else:
        script = (connector or default_connector()).resolve()
        target["integration"] = "none"
        target["connector"] = {"command": [sys.executable, str(script)],
                               "cwd": str(script.parent),
                               "env": {"POLL_SECONDS": "1",
                                       **scenario.plan.get("connector_env", {}),
                                       "CONNECTOR_MISTAKES": mistake or ""}}
        target.update(scenario.plan.get("target", {}))   # e.g. the CRM's dialect
    who = mistake or "good"
    data = {
        "name": f"selftest-{integration}-{scenario.name}-{who}".replace("_", "-"),
        "description": scenario.what, "target": target,
        "load": load, "faults": scenario.plan.get("faults", []),
        "slo": _SLO, "checks": list(CHECKS.names()), "drain": {"timeout": "45s"},
        # the runs are short; a scenario may set a limit of its own
        "thresholds": {"cache_warmup": "5s", **scenario.plan.get("thresholds", {})},
        "seed": seed}
    return parse_plan(data, source=f"selftest scenario {scenario.name}")
