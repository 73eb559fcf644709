"""The checkout's hook points, with the simulator's own behaviour as the defaults.

The simulator calls these at the few places where a Magento module would plug in (a carrier,
an inventory plugin; the card payment method is the store's own, ``card_payment.py``).
``CheckoutHooks`` itself changes nothing, so the simulator with ``integration: none``
behaves exactly as before; the built-in integration (``integration/checkout_hooks.py``)
installs a subclass on ``store.hooks``. It lives beside
the store, not in ``integration/``: the store knows the seam, never the integration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .carts import Cart
    from .state import Store

__all__ = ["CheckoutHooks"]


class CheckoutHooks:
    """No-op defaults: every method answers "do what the simulator does"."""

    async def place(self, store: Store, cart: Cart, wanted: dict[str, float], order_id: int,
                    increment_id: str) -> list[str]:
        """Before the order is saved: check and reserve stock; returns the SKUs short.

        Raising a ``WebapiError`` refuses the order (the cart stays active)."""
        return await store.inventory.reserve(wanted, order_id, increment_id)

    async def shipping_methods(self, store: Store, cart: Cart,
                               address: dict[str, Any] | None) -> list[dict[str, Any]] | None:
        """Rates to offer for ``address``; None means the simulator's flat rate."""
        return None

    async def accept_shipping(self, store: Store, cart: Cart, carrier: str, method: str,
                              address: dict[str, Any]) -> bool | None:
        """Whether ``carrier_method`` may be chosen; None means the simulator decides."""
        return None

    def shipping_amount(self, store: Store, cart: Cart) -> float | None:
        """The chosen method's price; None means the simulator's flat rate."""
        return None

