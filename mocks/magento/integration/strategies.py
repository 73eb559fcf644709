"""Named strategies: each classic mistake is one strategy swapped into one slot.

::

    slot            good (default)     the mistakes' strategies
    export          outbox             sync
    stock_check     none               erp_per_item
    retry           backoff            none | storm
    retry_after     honour             ignore
    idempotency     always             first_attempt_only
    reserve         reserve            check_only
    stock_pull      delta              full
    shipping        fallback           no_fallback
    crm_fields      owned_by_magento   all
    stock_write     source_items       product_save
    cache_after_sync none              flush
    order_updates   apply              ignore
    shipment_lines  per_line           whole_order
    cancel_sync     sync               none
    capture_key     always             first_attempt_only

The flags themselves (name → slot and strategy) are named once, in
:mod:`peakready.integration_flags`. The module that implements a slot registers its strategies
with ``REGISTRY.register(slot, name)``: each slot is a :class:`peakready.registry.Registry`, so a
strategy name is taken once per slot. ``choose(flags)`` says which name each slot uses. Two
flags for the same slot (``no_retry`` with ``retry_storm``) contradict each other and are a
ConfigError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from peakready.errors import ConfigError
from peakready.integration_flags import FLAGS
from peakready.registry import Registry

__all__ = ["DEFAULTS", "FLAG_STRATEGIES", "REGISTRY", "Strategies", "choose"]

T = TypeVar("T")

DEFAULTS: dict[str, str] = {
    "export": "outbox", "stock_check": "none", "retry": "backoff", "retry_after": "honour",
    "idempotency": "always", "reserve": "reserve", "stock_pull": "delta",
    "shipping": "fallback", "crm_fields": "owned_by_magento", "stock_write": "source_items",
    "cache_after_sync": "none", "order_updates": "apply", "shipment_lines": "per_line",
    "cancel_sync": "sync", "capture_key": "always",
}
# Derived from the one flag registry: flag → (slot, strategy).
FLAG_STRATEGIES: dict[str, tuple[str, str]] = {
    name: (flag.slot, flag.strategy) for name, flag in FLAGS.items().items()}


class Strategies:
    """``slot → Registry(name → implementation)``; implementations are usually functions."""

    def __init__(self) -> None:
        self.slots: dict[str, Registry[Any]] = {
            slot: Registry(f"{slot} strategy") for slot in DEFAULTS}

    def _slot(self, slot: str) -> Registry[Any]:
        try:
            return self.slots[slot]
        except KeyError:
            raise ValueError(f"unknown strategy slot {slot!r}") from None

    def register(self, slot: str, name: str) -> Callable[[T], T]:
        """Decorator: ``@REGISTRY.register("retry", "backoff")``."""
        return self._slot(slot).add(name)

    def get(self, slot: str, name: str) -> Any:
        return self._slot(slot)[name]

    def names(self, slot: str) -> tuple[str, ...]:
        return self._slot(slot).names()


REGISTRY = Strategies()


def choose(flags: Iterable[str]) -> dict[str, str]:
    """The strategy name of every slot for this set of flags."""
    chosen = dict(DEFAULTS)
    by: dict[str, str] = {}
    for flag in sorted(flags):
        slot, name = FLAGS[flag].slot, FLAGS[flag].strategy  # ConfigError names the closest
        if slot in by:
            raise ConfigError(f"integration flags {by[slot]} and {flag} both decide {slot!r}; "
                              "use one of them")
        by[slot] = flag
        chosen[slot] = name
    return chosen
