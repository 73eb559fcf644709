"""The example connector's classic-mistake switches: ``CONNECTOR_MISTAKES=no_retry,...``.

Each name turns on one mistake real connectors make, so the harness's checks can be proven on
a connector as well as on the built-in integration (``peakready selftest --connector``). An
unknown name stops the connector at start with the list, so a typo never passes as "good".
"""

from __future__ import annotations

import os

__all__ = ["MISTAKES", "active"]

#: name → what the connector then does wrong (and which check should catch it).
MISTAKES = {
    "no_retry": "a failed export is dropped, never retried (no_lost_orders)",
    "retry_without_key": "exports carry no Idempotency-Key, so a timed-out one is sent twice "
                         "(no_duplicate_orders)",
    "no_backoff": "a failed export is retried at once, again and again, in the same cycle "
                  "(retry_discipline)",
    "ignore_retry_after": "a 429's Retry-After is not waited for (retry_discipline)",
    "absolute_stock": "writes the ERP's on-hand as Magento's salable quantity (source = "
                      "on-hand + what Magento holds reserved), on every stock write and for "
                      "the SKUs of each new order, so units sold and not yet shipped are "
                      "offered again (no_oversell)",
    "full_stock_sync": "reads every SKU's stock from the ERP one by one, every cycle "
                       "(sync_efficiency)",
    "overwrite_crm_fields": "pushes the CRM's own fields (consent, segment, score) with "
                            "Magento's blanks (crm_integrity)",
    "no_dead_letter": "an order the ERP refuses for its data is sent again every cycle "
                      "(retry_discipline)",
    "batch_export": "exports orders in a batch every 40 s (a cron), not as they come "
                    "(export_lag)",
    "stock_sync_stalls": "the stock pull stops for good at its first failure "
                         "(inventory_convergence)",
    "save_every_product": "writes stock as product saves (PUT /V1/products/{sku}) and, every "
                          "10 s a sync changed something, saves every product again: each save "
                          "purges the product's cached pages and every listing "
                          "(storefront_cache)",
    # ERP dialects (erp_api.py): the vendors' own failure modes mishandled
    "trust_http_200": "an ERP error inside an HTTP 200 (Odoo's JSON-RPC error) is read as "
                      "success (no_lost_orders)",
    "no_relogin": "an expired ERP session or token (SAP B1, OAuth2) is never renewed "
                  "(no_lost_orders)",
    "lookup_before_create": "NetSuite orders are looked up by otherRefNum and POSTed, not "
                            "upserted by externalId: a retry after a stale lookup creates "
                            "twice (no_duplicate_orders)",
    "crm_limit_is_final": "the CRM's \"over your API limit\" answer (Salesforce 403 "
                          "REQUEST_LIMIT_EXCEEDED, HubSpot 429) is taken as a refusal: those "
                          "customers' changes are dropped (crm_integrity)",
    "ignore_order_updates": "the ERP's shipments and invoices are never applied in Magento "
                            "(order_lifecycle)",
    "no_cancel_sync": "orders cancelled in Magento are never cancelled in the ERP "
                      "(order_lifecycle)",
    "invoice_offline": "the ERP's invoices are created in Magento with capture: false (the "
                       "REST default): the order shows paid, the card was never charged "
                       "(payment_integrity)",
}


def active(raw: str | None = None) -> frozenset[str]:
    """The mistakes named in ``CONNECTOR_MISTAKES`` (comma-separated); SystemExit on an
    unknown name, with the known ones."""
    text = os.environ.get("CONNECTOR_MISTAKES", "") if raw is None else raw
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = sorted(names - MISTAKES.keys())
    if unknown:
        raise SystemExit(f"CONNECTOR_MISTAKES: unknown mistake {unknown[0]!r}; known: "
                         f"{', '.join(MISTAKES)}")
    return frozenset(names)
