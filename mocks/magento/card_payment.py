"""The store's card payment method: a Magento payment module (as Braintree's is) on a gateway.

::

    place-order (checkout.py) ─► authorize: the quote's total, Idempotency-Key per quote,
                                 amount and card; refused → clean 400, the cart stays active;
                                 stock short afterwards → the authorization is voided
    OrderStateChanged ─► on_event ─► JobQueue (job_queue.py), worked outside the request
       invoice, online (``capture: true``)      capture the invoice's amount
       cancel, nothing paid yet                 void the authorization
       credit memo, online (by invoice)         refund its amount
    an offline invoice or credit memo moves no money at the gateway (Magento's "capture
    offline" / "refund offline"), whoever creates it.

It belongs to the store, not to a connector: it is active whenever the simulator is given a
payment gateway (``--service payment=URL``, the embedded estate always gives one) or runs its
built-in integration, whatever syncs the ERP. Like a Magento module on a message queue, it
captures, voids and refunds after the request that asked for it, retried with backoff; every
write carries an ``Idempotency-Key`` derived from the Magento document. ``capture_key`` is the
one seam a mistake uses: ``first_attempt_only`` (the built-in integration's flag
``capture_retry_without_key``) drops the key from a capture's retries, and the gateway charges
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from peakready.mockkit.http1 import Http1Pool, JsonReply, NoAnswer, json_request

from .carts import totals
from .events import OrderStateChanged
from .job_queue import Backoff, Job, JobQueue, parse_retry_after
from .rest import WebapiError

if TYPE_CHECKING:
    from .carts import Cart
    from .state import Store

__all__ = ["CAPTURE_KEYS", "CardPayment", "CardSettings"]

log = logging.getLogger("peakready.mocks.magento.payment")
MSG_PAYMENT_FAILED = "The payment could not be authorized. Try again or use another method."
MSG_DECLINED = "Transaction has been declined. Please try again later."
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


def _key_always(job: Job) -> str | None:
    return job.key


def _key_first_only(job: Job) -> str | None:
    """The mistake: a retried capture goes out without its key (a new charge)."""
    return job.key if job.attempts <= 1 else None


# capture_key strategies, by name (the integration's strategy slot of the same name).
CAPTURE_KEYS: dict[str, Callable[[Job], str | None]] = {
    "always": _key_always, "first_attempt_only": _key_first_only}


@dataclass(frozen=True)
class CardSettings:
    gateway: str                          # base URL (the fault proxy's payment listener)
    code: str = "peakready_card"
    title: str = "Credit Card (peakready gateway)"
    default_card: str = "4242424242424242"
    timeout: float = 5.0                  # seconds without an answer
    connect_timeout: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)
    seed: int = 0


class CardPayment:
    def __init__(self, settings: CardSettings, store: Callable[[], Store]) -> None:
        self.settings = settings
        self.store = store                      # the simulator's current Store
        self.capture_key = "always"
        self.payments: dict[str, str] = {}      # increment id → payment id
        self.cards: dict[int, str] = {}         # quote id → card number the shopper sent
        self.refs: dict[int, str] = {}          # quote id → the increment id it reserved
        self.counts: Counter[str] = Counter()
        self.queue = JobQueue(self._run, settings.backoff,
                              random.Random(f"card-payment:{settings.seed}"), NoAnswer,
                              "payment")
        self._pool: Http1Pool | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.active = False                     # offered on the store (attach)
        self._loop: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # --- the store ---------------------------------------------------------------------------

    def attach(self) -> None:
        """Offer the method on the current store and follow its orders (start, reset)."""
        self.active = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        store = self.store()
        store.card = self
        store.cfg.payment_methods.setdefault(self.settings.code, self.settings.title)
        self._unsubscribe = store.events.subscribe(self.on_event)
        self.payments.clear()
        self.cards.clear()
        self.refs.clear()
        self.queue.clear()

    def configure(self, settings: CardSettings) -> None:
        """New settings (the admin API); a changed gateway URL gets a new connection pool."""
        if settings.gateway != self.settings.gateway and self._pool is not None:
            pool, self._pool = self._pool, None
            self._spawn(pool.aclose())
        self.settings = settings
        self.queue.backoff = settings.backoff

    # --- checkout ----------------------------------------------------------------------------

    def takes(self, cart: Cart) -> bool:
        return cart.payment_method == self.settings.code

    def payment_data(self, cart: Cart, data: dict[str, Any]) -> None:
        number = data.get("cc_number")
        if isinstance(number, str) and number.isdigit():
            self.cards[cart.id] = number

    async def authorize(self, store: Store, cart: Cart, increment_id: str) -> str:
        """Authorize the quote's total; the payment id, or a WebapiError refusing the order."""
        settings = self.settings
        amount = float(totals(store, cart)["grand_total"])
        card = self.cards.get(cart.id, settings.default_card)
        # Magento keeps the quote's reserved increment id across retries; so does this.
        ref = self.refs.setdefault(cart.id, increment_id)
        key = f"quote-{cart.id}-{round(amount * 100)}-{card[-4:]}"
        body = {"order_id": ref, "amount": amount, "currency": "USD",
                "card": {"number": card, "exp_month": 12, "exp_year": 2099, "cvc": "123"}}
        try:
            reply = await self._call("POST", "/api/payments/authorize", body,
                                     {"Idempotency-Key": key})
        except NoAnswer as exc:
            self.counts["authorize_unavailable"] += 1
            log.info("payment authorization failed for quote %s: %s", cart.id, exc)
            raise WebapiError(400, MSG_PAYMENT_FAILED) from None
        data = reply.body if isinstance(reply.body, dict) else {}
        if reply.ok and data.get("status") == "authorized":
            self.counts["authorized"] += 1
            return str(data.get("payment_id"))
        if reply.status == 402 or data.get("status") == "declined":
            self.counts["declined"] += 1
            raise WebapiError(400, MSG_DECLINED)
        self.counts["authorize_failed"] += 1
        raise WebapiError(400, MSG_PAYMENT_FAILED)

    def placed(self, cart: Cart, increment_id: str, payment_id: str) -> None:
        """The order was saved: its authorization is captured, voided or refunded later."""
        self.cards.pop(cart.id, None)
        self.refs.pop(cart.id, None)
        self.payments[increment_id] = payment_id

    def abandon(self, payment_id: str) -> None:
        """The order was not placed after all (stock short): void, in the background."""
        self._spawn(self._void_now(payment_id))

    async def _void_now(self, payment_id: str) -> None:
        try:
            await self._call("POST", f"/api/payments/{quote(payment_id, safe='')}/void", None,
                             {"Idempotency-Key": f"void-{payment_id}"})
            self.counts["abandoned_voided"] += 1
        except NoAnswer as exc:
            log.warning("void of %s failed: %s", payment_id, exc)

    # --- after the order ---------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        if not isinstance(event, OrderStateChanged) or event.increment_id not in self.payments:
            return
        order = self.store().orders.by_id.get(event.entity_id)
        if order is None:
            return
        doc: dict[str, Any] = next((d for d in reversed(order.documents)
                                    if d.get("id") == event.document_id), {})
        amount = float(doc.get("amount") or 0.0)
        jobs: list[Job] = []
        if event.action == "invoice" and doc.get("online"):
            jobs.append(Job("capture", event.increment_id, event.document_id, amount))
        elif event.action == "cancel" and event.new_state == "canceled" \
                and order.total_paid <= 0:
            jobs.append(Job("void", event.increment_id, None))
        elif event.action == "refund" and doc.get("online"):
            jobs.append(Job("refund", event.increment_id, event.document_id, amount))
        if jobs:
            self.queue.add(jobs)
            self._ensure_loop()
            self._spawn(self._cycle_now())

    async def _run(self, job: Job) -> bool:
        """True when the job is done (or moot); False to retry; NoAnswer retries."""
        payment_id = quote(self.payments[job.increment_id], safe="")
        body: dict[str, Any] | None = None
        key: str | None = job.key
        if job.kind == "capture":
            # increment: Magento's invoice may exceed the authorization (totals recalculated)
            body = {"amount": round(job.amount, 2), "increment": True}
            key = CAPTURE_KEYS[self.capture_key](job)
        elif job.kind == "refund":
            body = {"amount": round(job.amount, 2)}
        reply = await self._call("POST", f"/api/payments/{payment_id}/{job.kind}", body,
                                 {"Idempotency-Key": key} if key else None)
        if reply.ok:
            return True
        if reply.status == 409:
            # A capture or void answered 409: the payment is past that state already. A
            # refund answered 409: its capture has not landed yet (a slow gateway): later,
            # as a new request (nothing was refunded under this key).
            if job.kind == "refund":
                job.refused += 1
                return False
            return True
        job.retry_after = parse_retry_after(reply.headers.get("retry-after"))
        if reply.status in _RETRYABLE or reply.status >= 500:
            return False
        self.counts["refused"] += 1
        return True

    # --- the gateway -------------------------------------------------------------------------

    async def _call(self, method: str, path: str, json: Any,
                    headers: dict[str, str] | None) -> JsonReply:
        if self._pool is None:
            self._pool = Http1Pool(self.settings.gateway)
        self.counts["gateway_requests"] += 1
        return await json_request(
            self._pool, method, path, json=json, headers=headers, timeout=self.settings.timeout,
            connect_timeout=min(self.settings.timeout, self.settings.connect_timeout))

    # --- the consumer loop -------------------------------------------------------------------

    async def cycle(self) -> int:
        return await self.queue.cycle()

    async def _cycle_now(self) -> None:
        try:
            await self.queue.cycle()
        except Exception:  # the loop retries; one failure must not surface in a request
            log.exception("payment cycle failed")

    def _ensure_loop(self) -> None:
        if self._loop is not None:
            return
        with contextlib.suppress(RuntimeError):
            self._loop = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            await self._cycle_now()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            coro.close()
            return
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()

    def lifespan_receive(self, receive: Callable[[], Awaitable[dict[str, Any]]]
                         ) -> Callable[[], Awaitable[dict[str, Any]]]:
        """Wrap an ASGI lifespan ``receive``: stop the loop and close the pool at shutdown."""
        async def wrapped() -> dict[str, Any]:
            message = await receive()
            if message.get("type") == "lifespan.shutdown":
                await self.close()
            return message
        return wrapped

    def metrics(self) -> dict[str, Any]:
        return {"method": self.settings.code, "capture_key": self.capture_key,
                "authorized_orders": len(self.payments), "checkout": dict(self.counts),
                "jobs": self.queue.metrics()}
