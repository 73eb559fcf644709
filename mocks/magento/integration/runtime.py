"""``Integration``: owns the parts, attaches them to the store, runs the background loops.

::

    Integration
    ├── settings / strategies (settings.py, strategies.py)   replaced by PUT /__admin/integration
    ├── clients (clients.py) ─► fault proxy listeners
    ├── outbox + exporter (outbox.py, exporter.py)   N workers
    ├── order_sync, stock_sync, customer_sync        one poll loop each (interval 0 = off)
    ├── after_sale (after_sale.py)                    cancellations, credit memos → ERP
    │                                                 (its own loop)
    └── hooks (checkout_hooks.py)                     on ``store.hooks`` while enabled

With profile ``none`` nothing is attached: ``store.hooks`` stays the no-op default, no event
subscription, no loop runs, so the simulator sends nothing anywhere. The object still exists
so that the admin API can switch a profile on at runtime. The card payment method is the
store's (``../card_payment.py``, ``card`` here): the integration only hands it its settings and
the ``capture_key`` strategy of its flags, and switches it on with the profile. Loops start
with the server's lifespan, or on the first request when the app is driven without one
(in-process tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..card_payment import CardPayment, CardSettings
from ..events import OrderPlaced, OrderStateChanged
from ..hooks import CheckoutHooks
from . import stock_write  # noqa: F401  (registers the stock_write strategies)
from .after_sale import AfterSale, backoff_of
from .checkout_hooks import IntegrationHooks
from .clients import ServiceClients
from .customer_sync import CustomerSync
from .exporter import Exporter
from .magento_api import MagentoApi
from .order_sync import OrderSync
from .outbox import Outbox
from .settings import IntegrationSettings, settings_from_options
from .stock_sync import StockSync
from .strategies import choose

# Importing the parts above registers every named strategy (strategies.py) before use.
__all__ = ["Integration", "build_integration", "card_settings"]

log = logging.getLogger("peakready.mocks.magento.integration")


def build_integration(magento: Any, settings: Any, cfg: Any) -> Integration:
    options = dict(settings.options)
    options.setdefault("integration", "none")  # in-process apps opt in; the CLI defaults good
    resolved = settings_from_options(options, getattr(cfg, "integration", None) or None,
                                     seed=settings.seed)
    return Integration(magento, resolved)


def card_settings(settings: IntegrationSettings) -> CardSettings:
    """The store's card payment method as these settings configure it."""
    return CardSettings(settings.services["payment"], settings.payment_method,
                        settings.payment_title, settings.default_card, settings.payment_timeout,
                        settings.connect_timeout, backoff_of(settings), settings.seed)


class Integration:
    def __init__(self, magento: Any, settings: IntegrationSettings) -> None:
        self.magento = magento
        self.settings = settings
        self.strategies = choose(settings.flags)
        self.clients = ServiceClients(settings)
        self.api = MagentoApi(magento)
        self.outbox = Outbox()
        self.exporter = Exporter(self.outbox, self.clients, settings, self.strategies)
        self.order_sync = OrderSync(self.clients, self.api, settings)
        self.order_sync.strategies = self.strategies
        self.after_sale = AfterSale(self.clients, lambda: self.magento.store, settings,
                                    self.strategies)
        self.stock_sync = StockSync(self.clients, self.api, settings,
                                    self.strategies["stock_pull"],
                                    self.strategies["stock_write"],
                                    self.strategies["cache_after_sync"])
        self.customer_sync = CustomerSync(self.clients, lambda: self.magento.store, settings,
                                          self.strategies["crm_fields"])
        self.order_sync.after_ship = self.stock_sync.reapply
        self.order_sync.before_shipments = self.stock_sync.refresh
        self.order_sync.make_room = self.stock_sync.make_room
        self.hooks = IntegrationHooks(self)
        self.card: CardPayment | None = None    # the store's, given by create_app
        self._unsubscribe: Callable[[], None] | None = None
        self._loops: list[asyncio.Task[None]] = []
        self._pending: set[asyncio.Task[None]] = set()
        self.attach()

    # --- attaching to the store ------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def attach(self, *, baseline: bool = True) -> None:
        """(Re)connect to the current store; called at start, after reset and on PUT.

        ``baseline``: customers present now count as already sent (start, reset, switching
        on); a settings change keeps the pending changes instead."""
        self.detach()
        if not self.enabled:
            return
        store = self.magento.store
        store.hooks = self.hooks
        self._unsubscribe = store.events.subscribe(self.on_event)
        if self.card is not None:
            if not self.card.active:
                self.card.attach()              # a gateway comes with the integration
            self.card.capture_key = self.strategies["capture_key"]
        if baseline:
            self.customer_sync.baseline()

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        store = self.magento.store
        if getattr(store, "hooks", None) is self.hooks:
            store.hooks = CheckoutHooks()
        if self.card is not None:
            self.card.capture_key = "always"

    def on_event(self, event: Any) -> Awaitable[None] | None:
        if isinstance(event, OrderStateChanged):
            if self.after_sale.on_event(event):
                self.ensure_started()
                self._spawn_after_sale()
            return None
        if not isinstance(event, OrderPlaced):
            return None
        self.ensure_started()
        self.order_sync.known[event.increment_id] = event.entity_id
        return self.exporter.on_placed(self.exporter, event)

    def on_reset(self) -> None:
        """The simulator rebuilt its store: start from a clean integration state too."""
        self.outbox = Outbox()
        self.exporter.outbox = self.outbox
        self.order_sync.known.clear()
        self.order_sync.deferred.clear()
        self.after_sale.queue.clear()
        self.stock_sync.cursor = 0
        self.stock_sync.levels.clear()
        self.attach()

    # --- settings at runtime ---------------------------------------------------------------

    def apply(self, changes: dict[str, Any]) -> None:
        settings = self.settings.merged(changes, "integration")
        strategies = choose(settings.flags)  # raises before anything changes
        was_enabled = self.enabled
        self.detach()
        self.settings, self.strategies = settings, strategies
        self.clients.configure(settings)
        if self.card is not None:
            self.card.configure(card_settings(settings))
        self.exporter.configure(settings, strategies)
        for part in (self.order_sync, self.stock_sync, self.customer_sync, self.after_sale):
            part.settings = settings
        self.order_sync.strategies = self.after_sale.strategies = strategies
        self.stock_sync.strategy = strategies["stock_pull"]
        self.stock_sync.writer = strategies["stock_write"]
        self.stock_sync.after_sync = strategies["cache_after_sync"]
        self.customer_sync.strategy = strategies["crm_fields"]
        self.attach(baseline=not was_enabled)
        if self._loops:
            # Worker count or loop intervals may have changed: restart what runs.
            task = asyncio.get_running_loop().create_task(self._restart())
            self._pending.add(task)  # keep a reference until it is done
            task.add_done_callback(self._pending.discard)

    def _spawn_after_sale(self) -> None:
        """Tell the back-ends now, outside the request that changed the order (a Magento
        queue consumer would); what fails is retried by the orders loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._after_sale_now())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _after_sale_now(self) -> None:
        try:
            await self.after_sale.cycle()
        except Exception:  # the loop retries; one failure must not surface in a request
            log.exception("after-sale cycle failed")

    async def _restart(self) -> None:
        await self.stop()
        self.ensure_started()

    # --- loops -----------------------------------------------------------------------------

    def ensure_started(self) -> None:
        if self._loops or not self.enabled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.exporter.start()
        self._loops = [
            loop.create_task(self._poll("orders", lambda: self.settings.order_poll_interval,
                                        self.order_sync.cycle)),
            # Retries of what failed to reach a back-end; its own loop, so a slow gateway
            # never holds up the ERP's shipments.
            loop.create_task(self._poll("after_sale", lambda: 1.0 if self.settings
                                        .order_poll_interval > 0 else 0.0,
                                        self.after_sale.cycle)),
            loop.create_task(self._poll("stock", lambda: self.settings.stock_poll_interval,
                                        self.stock_sync.cycle)),
            loop.create_task(self._poll("customers",
                                        lambda: self.settings.customer_poll_interval,
                                        self.customer_sync.cycle)),
        ]

    async def _poll(self, name: str, interval: Callable[[], float],
                    cycle: Callable[[], Awaitable[int]]) -> None:
        while True:
            every = interval()
            if every <= 0:
                await asyncio.sleep(1.0)
                continue
            await asyncio.sleep(every)
            try:
                await cycle()
            except Exception:  # one bad cycle must not end the loop
                log.exception("integration %s cycle failed", name)

    async def run_cycle(self, name: str) -> int:
        cycles = {"orders": self.order_sync.cycle, "after_sale": self.after_sale.cycle,
                  "stock": self.stock_sync.cycle,
                  "customers": self.customer_sync.cycle}
        return await cycles[name]()

    async def stop(self) -> None:
        loops, self._loops = self._loops, []
        for task in loops:
            task.cancel()
        for task in loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.exporter.stop()

    async def close(self) -> None:
        await self.stop()
        await self.clients.aclose()
        await self.api.aclose()

    def lifespan_receive(self, receive: Callable[[], Awaitable[dict[str, Any]]]
                         ) -> Callable[[], Awaitable[dict[str, Any]]]:
        """Wrap an ASGI lifespan ``receive``: start the loops at startup, stop at shutdown."""
        async def wrapped() -> dict[str, Any]:
            message = await receive()
            if message.get("type") == "lifespan.startup":
                self.ensure_started()
            elif message.get("type") == "lifespan.shutdown":
                await self.close()
            return message
        return wrapped

    # --- views -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"profile": self.settings.profile, "enabled": self.enabled,
                "flags": sorted(self.settings.flags), "strategies": dict(self.strategies),
                "settings": self.settings.public(), "running": bool(self._loops),
                "metrics": self.metrics()}

    def metrics(self) -> dict[str, Any]:
        export = {**self.outbox.metrics(), "expedited": self.exporter.expedited}
        return {"export": export, "order_sync": self.order_sync.metrics(),
                "after_sale": self.after_sale.metrics(),
                "stock_sync": self.stock_sync.metrics(),
                "customer_sync": self.customer_sync.metrics(),
                "checkout": dict(self.hooks.counts), "calls": dict(self.clients.counts)}
