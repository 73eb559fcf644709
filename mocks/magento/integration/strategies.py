"""Named strategies: each classic mistake is one strategy swapped into one slot.

::

    slot            good (default)     the mistake           flag
    export          outbox             sync                  sync_order_export
    stock_check     none               erp_per_item          sync_stock_check
    retry           backoff            none | storm          no_retry | retry_storm
    retry_after     honour             ignore                ignore_retry_after
    idempotency     always             first_attempt_only    retry_without_idempotency
    reserve         reserve            check_only            no_reservations
    stock_pull      delta              full                  full_stock_sync
    shipping        fallback           no_fallback           no_shipping_fallback
    crm_fields      owned_by_magento   all                   overwrite_crm_fields

The module that implements a slot registers its strategies with ``REGISTRY.register(slot,
name)``; ``choose(flags)`` says which name each slot uses. Two flags for the same slot
(``no_retry`` with ``retry_storm``) contradict each other and are a ConfigError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from peakready.errors import ConfigError

__all__ = ["DEFAULTS", "FLAG_STRATEGIES", "REGISTRY", "Registry", "choose"]

T = TypeVar("T")

DEFAULTS: dict[str, str] = {
    "export": "outbox", "stock_check": "none", "retry": "backoff", "retry_after": "honour",
    "idempotency": "always", "reserve": "reserve", "stock_pull": "delta",
    "shipping": "fallback", "crm_fields": "owned_by_magento",
}
FLAG_STRATEGIES: dict[str, tuple[str, str]] = {
    "sync_order_export": ("export", "sync"),
    "sync_stock_check": ("stock_check", "erp_per_item"),
    "no_retry": ("retry", "none"),
    "retry_storm": ("retry", "storm"),
    "ignore_retry_after": ("retry_after", "ignore"),
    "retry_without_idempotency": ("idempotency", "first_attempt_only"),
    "no_reservations": ("reserve", "check_only"),
    "full_stock_sync": ("stock_pull", "full"),
    "no_shipping_fallback": ("shipping", "no_fallback"),
    "overwrite_crm_fields": ("crm_fields", "all"),
}


class Registry:
    """``(slot, name) → implementation``; implementations are any object (usually a function)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Any] = {}

    def register(self, slot: str, name: str) -> Callable[[T], T]:
        if slot not in DEFAULTS:
            raise ValueError(f"unknown strategy slot {slot!r}")

        def deco(impl: T) -> T:
            key = (slot, name)
            if key in self._items:
                raise ValueError(f"strategy {slot}:{name} registered twice")
            self._items[key] = impl
            return impl
        return deco

    def get(self, slot: str, name: str) -> Any:
        try:
            return self._items[(slot, name)]
        except KeyError:
            raise ConfigError(f"integration strategy {slot}:{name} is not registered") from None

    def names(self, slot: str) -> list[str]:
        return sorted(name for s, name in self._items if s == slot)


REGISTRY = Registry()


def choose(flags: Iterable[str]) -> dict[str, str]:
    """The strategy name of every slot for this set of flags."""
    chosen = dict(DEFAULTS)
    by: dict[str, str] = {}
    for flag in sorted(flags):
        try:
            slot, name = FLAG_STRATEGIES[flag]
        except KeyError:
            raise ConfigError(f"integration flag {flag!r} is unknown") from None
        if slot in by:
            raise ConfigError(f"integration flags {by[slot]} and {flag} both decide {slot!r}; "
                              "use one of them")
        by[slot] = flag
        chosen[slot] = name
    return chosen
