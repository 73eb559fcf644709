"""The seam to the built-in integration: "order placed" and "order state changed" events.

::

    checkout.place_order ──► OrderPlaced ──┐
    orders (invoice/ship/cancel/refund/    ├──► EventHub ──► subscribers (callables, sync or
            hold/unhold) ► OrderStateChanged┘        │          async, awaited in order)
                                                     └──► outbox (bounded deque, drained
                                                          by whoever consumes later)

A subscriber is ``fn(event) -> None | Awaitable[None]``. It runs inside the request that
caused the event, so an integration that (wrongly) calls its ERP synchronously in checkout
slows checkout down, exactly as a Magento observer would. A subscriber that raises is logged
and does not fail the order (Magento wraps observers the same way for after-save events).
The built-in integration (``integration/``) subscribes here: its outbox entry is written
inside ``emit``, in the same event-loop step as the order.
"""

from __future__ import annotations

import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["EventHub", "OrderItemLine", "OrderPlaced", "OrderStateChanged", "Subscriber"]

log = logging.getLogger("peakready.mocks.magento")


@dataclass(frozen=True)
class OrderItemLine:
    item_id: int
    sku: str
    name: str
    qty: float
    price: float
    row_total: float


@dataclass(frozen=True)
class OrderPlaced:
    entity_id: int
    increment_id: str
    quote_id: int
    created_at: str
    customer_email: str
    customer_id: int | None
    customer_is_guest: bool
    items: tuple[OrderItemLine, ...]
    subtotal: float
    shipping_amount: float
    tax_amount: float
    discount_amount: float
    grand_total: float
    currency: str
    billing_address: dict[str, Any]
    shipping_address: dict[str, Any] | None
    payment_method: str
    shipping_method: str | None
    kind: str = "order_placed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OrderStateChanged:
    entity_id: int
    increment_id: str
    action: str              # invoice | ship | cancel | refund | hold | unhold | comment
    old_state: str
    new_state: str
    old_status: str
    new_status: str
    at: str
    document_id: int | None = None  # the invoice / shipment / credit memo created, if any
    kind: str = "order_state_changed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Event = OrderPlaced | OrderStateChanged
Subscriber = Callable[[Event], "Awaitable[None] | None"]


@dataclass
class EventHub:
    outbox_limit: int = 100_000
    subscribers: list[Subscriber] = field(default_factory=list)
    outbox: deque[Event] = field(default_factory=deque)
    dropped: int = 0

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        self.subscribers.append(fn)
        return lambda: self.subscribers.remove(fn) if fn in self.subscribers else None

    async def emit(self, event: Event) -> None:
        if len(self.outbox) >= self.outbox_limit:
            self.outbox.popleft()
            self.dropped += 1
        self.outbox.append(event)
        for fn in list(self.subscribers):
            try:
                result = fn(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("order event subscriber %r failed on %s", fn, event.kind)

    def drain(self, limit: int | None = None) -> list[Event]:
        """Take events from the outbox (oldest first)."""
        out: list[Event] = []
        while self.outbox and (limit is None or len(out) < limit):
            out.append(self.outbox.popleft())
        return out
