"""The integration's side of checkout: ERP stock check, reservation, carrier rates.

::

    place-order ─► stock_check strategy ─► reserve strategy
                     none | erp_per_item     reserve, under the SKUs' locks |
                     (the mistake: the       check_only (the mistake: nothing reserved)
                     ERP, per item, no
                     timeout)
    estimate / shipping-information ─► shipping mock /api/rates (timeout) ─┬─ rates
                                                       failure/timeout ─────┴─ fallback:
                                                       table rate | nothing (the mistake)

The card payment is not here: it is the store's payment module (``../card_payment.py``),
authorized by the checkout before these hooks run, with or without this integration.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..hooks import CheckoutHooks
from .clients import ServiceCallError
from .strategies import REGISTRY

if TYPE_CHECKING:
    from ..carts import Cart
    from ..state import Store
    from .runtime import Integration

__all__ = ["IntegrationHooks"]

log = logging.getLogger("peakready.mocks.magento.integration")
TABLE_RATE = ("tablerate", "bestway")


class IntegrationHooks(CheckoutHooks):
    def __init__(self, integration: Integration) -> None:
        self.rt = integration
        self.chosen: dict[int, float] = {}
        self.counts: Counter[str] = Counter()

    # --- place order -----------------------------------------------------------------------

    async def place(self, store: Store, cart: Cart, wanted: dict[str, float], order_id: int,
                    increment_id: str) -> list[str]:
        strategies = self.rt.strategies
        short: list[str] = await REGISTRY.get("stock_check", strategies["stock_check"])(
            self, wanted)
        if short:
            return short
        reserved: list[str] = await REGISTRY.get("reserve", strategies["reserve"])(
            store, wanted, order_id, increment_id)
        return reserved

    # --- shipping --------------------------------------------------------------------------

    async def collect(self, store: Store, cart: Cart,
                      address: dict[str, Any] | None) -> list[dict[str, Any]]:
        if not cart.items:
            return []
        quoted: list[dict[str, Any]] | None
        try:
            quoted = await self._carrier_rates(store, cart, address or {})
        except (ServiceCallError, _CarrierError) as exc:
            self.counts["carrier_failures"] += 1
            log.info("carrier rates unavailable for quote %s: %s", cart.id, exc)
            quoted = None
        offer = REGISTRY.get("shipping", self.rt.strategies["shipping"])
        methods: list[dict[str, Any]] = offer(store, cart, quoted)
        return methods

    async def _carrier_rates(self, store: Store, cart: Cart,
                             address: dict[str, Any]) -> list[dict[str, Any]]:
        weight = 0.0
        subtotal = 0.0
        for line in cart.items.values():
            product = store.catalog.get(line.sku)
            weight += (product.weight if product is not None else 1.0) * line.qty
            subtotal += line.price * line.qty
        body = {"destination": {"country_id": address.get("country_id") or "US",
                                "postcode": str(address.get("postcode") or "00000"),
                                "city": address.get("city")},
                "parcel": {"weight": max(0.1, min(weight, 1000.0))},
                "value": min(round(subtotal, 2), 1_000_000), "currency": "USD"}
        reply = await self.rt.clients.call("shipping", "POST", "/api/rates", json=body)
        if not reply.ok or not isinstance(reply.body, dict):
            raise _CarrierError(f"http {reply.status}")
        self.counts["carrier_quotes"] += 1
        return [_method(r["carrier"], r["method"], r["title"], float(r["amount"]))
                for r in reply.body.get("rates", [])]

    async def shipping_methods(self, store: Store, cart: Cart,
                               address: dict[str, Any] | None) -> list[dict[str, Any]] | None:
        return await self.collect(store, cart, address or cart.shipping_address)

    async def accept_shipping(self, store: Store, cart: Cart, carrier: str, method: str,
                              address: dict[str, Any]) -> bool | None:
        if (carrier, method) == ("flatrate", "flatrate"):
            self.chosen.pop(cart.id, None)
            return None  # the store's offline flat rate stays enabled, as in the simulator
        for offered in await self.collect(store, cart, address):
            if (offered["carrier_code"], offered["method_code"]) == (carrier, method):
                self.chosen[cart.id] = float(offered["amount"])
                return True
        return False

    def shipping_amount(self, store: Store, cart: Cart) -> float | None:
        if cart.carrier_code in (None, "flatrate"):
            return None
        return self.chosen.get(cart.id)


class _CarrierError(Exception):
    pass


def _method(carrier: str, method: str, method_title: str, amount: float, *,
            title: str | None = None) -> dict[str, Any]:
    return {"carrier_code": carrier, "method_code": method,
            "carrier_title": title or carrier.upper(), "method_title": method_title,
            "amount": amount, "base_amount": amount, "available": True, "error_message": "",
            "price_excl_tax": amount, "price_incl_tax": amount}


@REGISTRY.register("shipping", "fallback")
def table_rates(store: Store, cart: Cart,
                quoted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The carrier's rates, or the table rate when it cannot quote; then the store's own
    offline flat rate, which a store with flat rate enabled always lists (last, so a client
    taking the first method takes the carrier's)."""
    amount = round(store.cfg.flat_rate * cart.items_qty, 4)
    offered = quoted if quoted is not None else [
        _method(*TABLE_RATE, "Best Way (table rate)", amount)]
    return [*offered, _method("flatrate", "flatrate", "Fixed", amount, title="Flat Rate")]


@REGISTRY.register("shipping", "no_fallback")
def no_rates(store: Store, cart: Cart,
             quoted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The mistake: the store ships with the carrier alone; when it is down, the shopper has
    no way to ship."""
    return quoted if quoted is not None else []


# --- stock check and reservation strategies --------------------------------------------------

@REGISTRY.register("stock_check", "none")
async def no_stock_check(hooks: IntegrationHooks, wanted: dict[str, float]) -> list[str]:
    return []


@REGISTRY.register("stock_check", "erp_per_item")
async def erp_stock_check(hooks: IntegrationHooks, wanted: dict[str, float]) -> list[str]:
    """The mistake: one synchronous ERP call per item, no timeout, in the shopper's request."""
    short = []
    for sku, qty in wanted.items():
        try:
            reply = await hooks.rt.clients.call("erp", "GET", f"/api/stock/{quote(sku, safe='')}",
                                                timeout=None)
        except ServiceCallError:
            hooks.counts["stock_check_errors"] += 1
            continue
        hooks.counts["stock_checks"] += 1
        if reply.ok and isinstance(reply.body, dict) and float(reply.body.get("qty", 0)) < qty:
            short.append(sku)
    return short


@REGISTRY.register("reserve", "reserve")
async def reserve(store: Store, wanted: dict[str, float], order_id: int,
                  increment_id: str) -> list[str]:
    """Check and reserve under the SKUs' locks: Magento core leaves a window between the two
    (magento/magento2#25653, the simulator's ``race`` mode) where the last units sell twice."""
    async with store.inventory.locked(wanted):
        return await store.inventory.reserve(wanted, order_id, increment_id)


@REGISTRY.register("reserve", "check_only")
async def check_only(store: Store, wanted: dict[str, float], order_id: int,
                     increment_id: str) -> list[str]:
    """The mistake: salable quantity is checked, nothing is reserved, so it never drops."""
    return [sku for sku, qty in wanted.items() if not store.inventory.can_sell(sku, qty)]

