"""The simulator's built-in integration: an ERP/CRM connector as a Magento module would be.

::

    create_app ─► install(magento, settings, cfg) ─► Integration (runtime.py) or None
                                                      │
     checkout ──► CheckoutHooks (hooks.py, no-ops) ◄──┤ IntegrationHooks (checkout_hooks.py):
       place-order: stock check → reserve             │   stock check, shipping rates with
       shipping rates, shipping amount                │   table-rate fallback, reserve strategy
                                                      │
     OrderPlaced ─► Outbox (outbox.py) ─► Exporter (exporter.py) ─► ERP  POST /api/orders
                     pending → exported | dead          timeout, full-jitter backoff, cap,
                     dead ─► replay (admin)             Retry-After, Idempotency-Key
                                                      │
     OrderSync (order_sync.py) ◄── ERP /api/order-updates: shipped → ship, invoiced → online
                                   invoice (capture: the store's card module charges it)
     AfterSale (after_sale.py) ──► ERP: Magento's cancellations and credit memos
     StockSync (stock_sync.py) ◄── ERP /api/stock delta feed → source items (ERP owns on-hand)
     CustomerSync (customer_sync.py) ─► CRM PUT /api/contacts/{email} (Magento-owned fields)
                                                      │
     /__admin/integration (admin.py): state, metrics, PUT profile/flags, dead-letter replay

``settings.py`` reads the profile and flags (CLI, config file, admin API); ``strategies.py``
maps each classic-mistake flag to a named strategy, so the good path and each mistake are
separate small functions instead of branches. Every outbound call goes through
``clients.py`` to the fault proxy's listeners (DESIGN §1), never straight to a mock.
``integration: none`` installs nothing: no integration call reaches any mock (the store's own
card payment method, ``../card_payment.py``, still talks to a gateway it was given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import Integration

__all__ = ["install"]


def install(magento: Any, settings: Any, cfg: Any) -> Integration | None:
    """Build the integration for the simulator (None for ``integration: none``)."""
    from .runtime import build_integration

    return build_integration(magento, settings, cfg)
