"""Order export: outbox → ERP ``POST /api/orders``, with retries that cannot duplicate.

::

    OrderPlaced ──► export strategy ─┬─ outbox (good): add, wake the dispatcher, return
                                     └─ sync (mistake): add in flight, await the ERP in the
                                        shopper's request with no timeout
    dispatcher ──► take() ──► attempt (at most export_workers at once)
                                 ├─► 2xx ───────────────► exported
                                 ├─► 429/5xx/timeout ───► retry policy (retry.py) ─►
                                 │       waiting (delay ≥ Retry-After) | dead | dropped
                                 └─► other 4xx ─────────► dead (retrying cannot help)

``Idempotency-Key`` is the order's increment id, so a retry after a timeout whose request did
reach the ERP is answered with the first order instead of creating a second one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..events import OrderPlaced
from .clients import Reply, ServiceCallError, ServiceClients
from .outbox import ExportEntry, Outbox
from .retry import RetryPolicy, parse_retry_after, retry_after_floor
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["Exporter", "order_payload"]

log = logging.getLogger("peakready.mocks.magento.integration")
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


def order_payload(event: OrderPlaced) -> dict[str, Any]:
    """The sales order as the ERP expects it (mocks/_erp_orders.py ``OrderIn``)."""
    return {
        "increment_id": event.increment_id, "magento_order_id": event.entity_id,
        "created_at": event.created_at, "customer_email": event.customer_email,
        "items": [{"sku": i.sku, "qty": max(1, round(i.qty)), "price": i.price,
                   "name": i.name} for i in event.items],
        "totals": {"subtotal": event.subtotal, "shipping": event.shipping_amount,
                   "tax": event.tax_amount, "discount": event.discount_amount,
                   "grand_total": event.grand_total, "currency": event.currency},
        "billing_address": _address(event.billing_address),
        "shipping_address": _address(event.shipping_address),
    }


def _address(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    keys = ("firstname", "lastname", "company", "street", "city", "region", "postcode",
            "country_id", "telephone")
    return {k: data.get(k) for k in keys if data.get(k) is not None}


@REGISTRY.register("idempotency", "always")
def key_always(entry: ExportEntry) -> dict[str, str]:
    return {"Idempotency-Key": entry.increment_id}


@REGISTRY.register("idempotency", "first_attempt_only")
def key_first_only(entry: ExportEntry) -> dict[str, str]:
    """The mistake: the retry path builds its request without the key."""
    return {"Idempotency-Key": entry.increment_id} if entry.total_attempts == 1 else {}


class Exporter:
    def __init__(self, outbox: Outbox, clients: ServiceClients,
                 settings: IntegrationSettings, strategies: dict[str, str]) -> None:
        self.outbox = outbox
        self.clients = clients
        self.rng = random.Random(f"integration-export:{settings.seed}")
        self.configure(settings, strategies)
        self._wake: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()
        self._last_success = time.monotonic()
        self._failures_since_success = 0
        self.expedited = 0

    def configure(self, settings: IntegrationSettings, strategies: dict[str, str]) -> None:
        self.settings = settings
        self.strategies = strategies
        self.policy: RetryPolicy = REGISTRY.get("retry", strategies["retry"])(settings)
        self.key_for: Callable[[ExportEntry], dict[str, str]] = REGISTRY.get(
            "idempotency", strategies["idempotency"])
        self.on_placed: Callable[[Exporter, OrderPlaced], Awaitable[None] | None] = \
            REGISTRY.get("export", strategies["export"])

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._tasks:
            return
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self.settings.export_workers)
        self._tasks = [asyncio.create_task(self._dispatch(), name="export-dispatcher")]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        running, self._running = set(self._running), set()
        for task in (*tasks, *running):
            task.cancel()
        for task in (*tasks, *running):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Entries caught mid-attempt go back to waiting, so a restart retries them.
        for entry in self.outbox.entries.values():
            if entry.state == "in_flight":
                self.outbox.fail(entry, "stopped", 0.0)

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _dispatch(self) -> None:
        """One dispatcher hands due entries to at most ``export_workers`` attempts at a time.

        A single waiter (not N idle workers on one event) keeps the per-order cost flat:
        placing an order wakes one task, not all of them."""
        assert self._wake is not None and self._slots is not None
        while True:
            self._wake.clear()
            entry = self.outbox.take()
            if entry is None:
                try:
                    async with asyncio.timeout(self.outbox.next_due_in()):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                # Let the request that woke us finish (response, journal) before the
                # export's own CPU work starts on the same loop.
                await asyncio.sleep(0)
                continue
            await self._slots.acquire()
            task = asyncio.create_task(self._run(entry))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, entry: ExportEntry) -> None:
        assert self._slots is not None
        try:
            await self.attempt(entry, timeout_default=True)
        except Exception:  # a bug must not strand the entry in flight
            log.exception("export of %s failed unexpectedly", entry.increment_id)
            if entry.state == "in_flight":
                self.outbox.fail(entry, "internal error", 1.0)
        finally:
            self._slots.release()

    # --- one attempt -----------------------------------------------------------------------

    async def attempt(self, entry: ExportEntry, *, timeout_default: bool) -> None:
        from .clients import DEFAULT

        headers = self.key_for(entry)
        try:
            reply = await self.clients.call(
                "erp", "POST", "/api/orders", json=entry.payload, headers=headers,
                timeout=DEFAULT if timeout_default else None)
        except ServiceCallError as exc:
            self._failed(entry, f"{exc.kind}", None)
            return
        self._answered(entry, reply, bool(headers))

    def _answered(self, entry: ExportEntry, reply: Reply, keyed: bool) -> None:
        if reply.ok:
            body = reply.body if isinstance(reply.body, dict) else {}
            note = f"{reply.status} {'keyed' if keyed else 'no key'}"
            self.outbox.succeed(entry, body.get("erp_order_id"), note)
            self._recovered()
            return
        retry_after = parse_retry_after(reply.headers.get("retry-after"))
        if reply.status in _RETRYABLE:
            self._failed(entry, f"http {reply.status}", retry_after)
        else:
            log.warning("ERP refused order %s with %s; dead letter", entry.increment_id,
                        reply.status)
            self.outbox.give_up(entry, f"http {reply.status} (not retryable)", drop=False)

    def _recovered(self) -> None:
        """After an outage (failures and no success for a while), retry the backlog now:
        the workers bound the concurrency, so this drains fast without a herd."""
        now = time.monotonic()
        if self._failures_since_success and now - self._last_success >= \
                self.settings.recovery_gap:
            self.expedited += self.outbox.expedite()
            self.wake()
        self._last_success = now
        self._failures_since_success = 0

    def _failed(self, entry: ExportEntry, error: str, retry_after: float | None) -> None:
        self._failures_since_success += 1
        delay = self.policy.delay(entry.attempts, self.rng)
        if delay is None:
            drop = self.policy.on_give_up == "drop"
            log.warning("export of order %s failed (%s) after %d attempt(s); %s",
                        entry.increment_id, error, entry.attempts,
                        "dropped" if drop else "dead letter")
            self.outbox.give_up(entry, error, drop=drop)
            return
        delay = retry_after_floor(self.strategies["retry_after"], delay, retry_after)
        honoured = retry_after if self.strategies["retry_after"] == "honour" else None
        self.outbox.fail(entry, error, delay, honoured)
        self.wake()


@REGISTRY.register("export", "outbox")
def export_via_outbox(exporter: Exporter, event: OrderPlaced) -> None:
    exporter.outbox.add(event.increment_id, event.entity_id, order_payload(event))
    exporter.wake()


@REGISTRY.register("export", "sync")
def export_synchronously(exporter: Exporter, event: OrderPlaced) -> Awaitable[None]:
    """The mistake: the shopper's place-order waits for the ERP, with no timeout."""
    entry = exporter.outbox.add(event.increment_id, event.entity_id, order_payload(event),
                                in_flight=True)
    return exporter.attempt(entry, timeout_default=False)


#: The batch export's schedule: every order waits for the next boundary of this many seconds.
BATCH_EVERY_S = 40.0


@REGISTRY.register("export", "batch")
def export_in_batches(exporter: Exporter, event: OrderPlaced) -> None:
    """The mistake: orders wait for a cron that exports them in a batch (every
    ``BATCH_EVERY_S`` seconds, on the clock), so the ERP learns of an order up to that late."""
    now = time.time()
    due_in = math.ceil(now / BATCH_EVERY_S) * BATCH_EVERY_S - now
    exporter.outbox.add(event.increment_id, event.entity_id, order_payload(event),
                        due_in=due_in)
    exporter.wake()
