"""What "acknowledged" means, when the ERP first received an order, and export lag.

::

    checkouts (ok) ─┬─ increment id (else the order id resolved through Magento's orders)
    Magento orders ─┴─ every order created since test_start - 1 s ──► Acknowledged.at
    ERP orders ──► first_received {increment id: first received wall}
    export_lags(acknowledged, received) ──► {increment id: seconds (inf: never received)}

An order is **acknowledged** when the store told the shopper it exists: a successful checkout
(acknowledged at the checkout's end) or an order in Magento's own order list placed during the
run (at its ``created_at``; whole seconds, hence the one-second margin). The checks
(``no_lost_orders``, ``export_lag``) and the report's fault impact read these, never their own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Acknowledged", "acknowledged", "export_lags", "first_received"]


class _Checkout(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def increment_id(self) -> str | None: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def end_ts(self) -> float: ...


class _MagentoOrder(Protocol):
    @property
    def entity_id(self) -> int | None: ...
    @property
    def increment_id(self) -> str | None: ...
    @property
    def created_ts(self) -> float | None: ...


class _ErpOrder(Protocol):
    @property
    def increment_id(self) -> str | None: ...
    @property
    def received_ts(self) -> float | None: ...


@dataclass(frozen=True)
class Acknowledged:
    """increment id → when it was acknowledged (None: a Magento order without a time), and
    the order ids of successful checkouts Magento's order list does not know."""

    at: dict[str, float | None] = field(default_factory=dict)
    unresolved: list[Any] = field(default_factory=list)

    def timed(self) -> dict[str, float]:
        return {inc: at for inc, at in self.at.items() if at is not None}


def acknowledged(checkouts: Iterable[_Checkout], magento_orders: Iterable[_MagentoOrder],
                 test_start: float) -> Acknowledged:
    by_entity = {o.entity_id: o for o in magento_orders if o.entity_id is not None}
    at: dict[str, float | None] = {}
    unresolved: list[Any] = []
    for attempt in checkouts:
        if not attempt.ok:
            continue
        increment = attempt.increment_id
        if increment is None and attempt.order_id in by_entity:
            increment = by_entity[attempt.order_id].increment_id
        if increment is None:
            unresolved.append(attempt.order_id)
            continue
        at.setdefault(increment, attempt.end_ts)
    since = test_start - 1.0    # created_at has whole seconds
    for order in by_entity.values():
        if order.increment_id and (order.created_ts is None or order.created_ts >= since):
            at.setdefault(order.increment_id, order.created_ts)
    return Acknowledged(at, unresolved)


def first_received(erp_orders: Iterable[_ErpOrder]) -> dict[str, float]:
    """increment id → the first time the ERP received it (the ERP's witness)."""
    received: dict[str, float] = {}
    for order in erp_orders:
        inc, when = order.increment_id, order.received_ts
        if inc and when is not None:
            first = received.get(inc)
            received[inc] = when if first is None else min(first, when)
    return received


def export_lags(acknowledged_at: Mapping[str, float | None],
                received: Mapping[str, float]) -> dict[str, float]:
    """increment id → seconds from acknowledgement to the ERP's first receipt (never below 0:
    clocks of one host; ``inf``: never received). Orders without an acknowledgement time are
    left out."""
    out: dict[str, float] = {}
    for inc, at in acknowledged_at.items():
        if at is None:
            continue
        got = received.get(inc)
        out[inc] = math.inf if got is None else max(0.0, got - at)
    return out
