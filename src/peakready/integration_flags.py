"""The built-in integration's classic-mistake flags: named once, for everything that lists them.

::

    FLAGS  (a peakready.registry.Registry of IntegrationFlag)
      │  name ─► slot and strategy it swaps in, what it does
      ├── mocks/magento/integration/strategies.py   flag → strategy of its slot (choose)
      ├── mocks/magento/integration/settings.py     which flags a setting may name
      ├── peakready.cli                             ``peakready mock magento --flag`` choices
      └── docs/integration.md                       the flags table (a test keeps it equal)

The integration itself lives in ``mocks/`` (loaded by path); the names live in the engine so the
CLI, plans and checks can name a flag without importing the mocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakready.registry import Registry

__all__ = ["FLAGS", "IntegrationFlag"]


@dataclass(frozen=True)
class IntegrationFlag:
    """One mistake: it puts ``strategy`` into ``slot`` instead of the good integration's."""

    name: str
    slot: str
    strategy: str
    summary: str


FLAGS: Registry[IntegrationFlag] = Registry("integration flag")


def _flag(name: str, slot: str, strategy: str, summary: str) -> None:
    FLAGS.register(name, IntegrationFlag(name, slot, strategy, summary))


_flag("sync_order_export", "export", "sync",
      "place-order calls the ERP itself, in the shopper's request, no timeout")
_flag("sync_stock_check", "stock_check", "erp_per_item",
      "place-order asks the ERP for each item's stock, synchronously, no timeout")
_flag("no_retry", "retry", "none",
      "a failed export is logged and dropped (not a dead letter, not replayable)")
_flag("retry_without_idempotency", "idempotency", "first_attempt_only",
      "retries are sent without `Idempotency-Key`")
_flag("retry_storm", "retry", "storm",
      "immediate retries, no backoff, no cap (bounded by `storm_attempt_limit` only)")
_flag("ignore_retry_after", "retry_after", "ignore", "a 429 is retried at once")
_flag("no_reservations", "reserve", "check_only",
      "salable quantity is checked at place-order but nothing is reserved")
_flag("full_stock_sync", "stock_pull", "full",
      "each cycle asks `GET /api/stock/{sku}` for every catalogue SKU")
_flag("stock_sync_stalls", "stock_pull", "stall_on_error",
      "the delta stock pull stops for good at its first failed pull (an ERP outage)")
_flag("batch_export", "export", "batch",
      "orders are exported in a batch every 40 s (a cron), not as they are placed")
_flag("save_every_product", "stock_write", "product_save",
      "stock and price reach Magento as full product saves (`PUT /V1/products/{sku}`) of every "
      "catalogue product each sync, not source items")
_flag("flush_cache_on_sync", "cache_after_sync", "flush",
      "the whole full-page cache is flushed after each stock sync batch")
_flag("no_shipping_fallback", "shipping", "no_fallback",
      "a carrier failure means no shipping methods")
_flag("overwrite_crm_fields", "crm_fields", "all",
      "customer sync also pushes `marketing_consent`, `segment`, `lead_score` "
      "(Magento's blank defaults)")
_flag("ignore_order_updates", "order_updates", "ignore",
      "the ERP's shipments and invoices are never applied in Magento (no ERP → Magento status "
      "sync)")
_flag("no_cancel_sync", "cancel_sync", "none",
      "an order cancelled in Magento is never cancelled in the ERP")
_flag("capture_retry_without_key", "capture_key", "first_attempt_only",
      "a capture is retried without its `Idempotency-Key` (the gateway charges again); "
      "handed to the store's card payment module, which makes the captures")
_flag("no_partial_shipments", "shipment_lines", "whole_order",
      "the ERP's first shipment of an order is recorded as the whole order")
