"""After the order: Magento's invoices, cancellations and credit memos carried to the back-ends.

::

    OrderStateChanged ─► on_event ─► jobs (one per thing to tell a back-end)
       invoice         capture the invoice's amount at the gateway (peakready_card orders)
       cancel          cancel_sync strategy: cancel every ERP order of the increment id;
                       void the authorization when nothing was captured
       refund          book the credit memo in the ERP; refund its amount at the gateway
    cycle() (its own loop, and at once after each event) runs the due jobs; a job
    that fails for a reason worth retrying (timeout, connection, 5xx, 429) comes back with
    full-jitter backoff (never sooner than the answer's Retry-After), at most
    ``max_attempts`` times, then it is a dead letter (counted).

Every write carries an ``Idempotency-Key`` derived from the Magento document (its kind, the
increment id, the document id), so a retry after a lost answer changes nothing; the
``capture_key`` slot's ``first_attempt_only`` (flag ``capture_retry_without_key``) drops the
key from a capture's retries, and the gateway charges again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..events import OrderStateChanged
from .clients import ServiceCallError, ServiceClients
from .retry import full_jitter, parse_retry_after
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["AfterSale", "Job"]

log = logging.getLogger("peakready.mocks.magento.integration")
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
_PER_CYCLE = 200


@dataclass
class Job:
    kind: str                 # capture | void | erp_cancel | erp_credit_memo | refund
    increment_id: str
    document_id: int | None
    amount: float = 0.0
    items: tuple[tuple[str, float], ...] = ()
    attempts: int = 0
    due: float = 0.0
    running: bool = False     # a cycle has it in hand (cycles overlap: event and loop)
    # A definite refusal (a refund before its capture landed) is replayed for its key: the
    # next try is a new request, with a new key.
    refused: int = 0
    retry_after: float | None = None   # what the last answer asked to wait (a floor)

    @property
    def key(self) -> str:
        base = f"{self.kind}-{self.increment_id}-{self.document_id or 0}"
        return f"{base}-{self.refused}" if self.refused else base


@REGISTRY.register("cancel_sync", "sync")
def _cancel_jobs(event: OrderStateChanged) -> list[Job]:
    return [Job("erp_cancel", event.increment_id, None)]


@REGISTRY.register("cancel_sync", "none")
def _no_cancel_jobs(event: OrderStateChanged) -> list[Job]:
    return []


@REGISTRY.register("capture_key", "always")
def _key_always(job: Job) -> str | None:
    return job.key


@REGISTRY.register("capture_key", "first_attempt_only")
def _key_first_only(job: Job) -> str | None:
    return job.key if job.attempts <= 1 else None


class AfterSale:
    def __init__(self, clients: ServiceClients, store: Callable[[], Any],
                 settings: IntegrationSettings, strategies: dict[str, str]) -> None:
        self.clients = clients
        self.store = store                     # the simulator's current Store
        self.settings = settings
        self.strategies = strategies
        self.payments: dict[str, str] = {}     # increment id → payment id (checkout hooks)
        self.jobs: list[Job] = []
        self.counts: Counter[str] = Counter()
        self.rng = random.Random(f"after-sale:{settings.seed}")

    def on_event(self, event: OrderStateChanged) -> bool:
        """Queue what ``event`` asks of the back-ends; True when something was queued."""
        order = self.store().orders.by_id.get(event.entity_id)
        if order is None:
            return False
        doc: dict[str, Any] = next((d for d in reversed(order.documents)
                    if d.get("id") == event.document_id), {})
        paid = event.increment_id in self.payments
        jobs: list[Job] = []
        if event.action == "invoice" and paid:
            jobs.append(Job("capture", event.increment_id, event.document_id,
                            float(doc.get("amount") or 0.0)))
        elif event.action == "cancel" and event.new_state == "canceled":
            jobs += REGISTRY.get("cancel_sync", self.strategies["cancel_sync"])(event)
            if paid and order.total_paid <= 0:
                jobs.append(Job("void", event.increment_id, None))
        elif event.action == "refund":
            items = tuple((str(i["sku"]), float(i["qty"])) for i in doc.get("items") or ())
            amount = float(doc.get("amount") or 0.0)
            jobs.append(Job("erp_credit_memo", event.increment_id, event.document_id, amount,
                            items))
            if paid:
                jobs.append(Job("refund", event.increment_id, event.document_id, amount))
        self.jobs.extend(jobs)
        self.counts.update(f"{j.kind}_queued" for j in jobs)
        return bool(jobs)

    async def cycle(self) -> int:
        """Run the due jobs (at most a bounded number, ``export_workers`` at a time); returns
        how many finished."""
        now = time.time()
        due = [j for j in self.jobs if j.due <= now and not j.running][:_PER_CYCLE]
        for job in due:
            job.running = True
        gate = asyncio.Semaphore(max(1, self.settings.export_workers))

        async def one(job: Job) -> bool:
            async with gate:
                return await self._attempt(job)

        results = await asyncio.gather(*(one(job) for job in due))
        return sum(results)

    async def _attempt(self, job: Job) -> bool:
        job.attempts += 1
        try:
            finished = await self._run(job)
        except ServiceCallError as exc:
            log.info("%s for %s failed: %s", job.kind, job.increment_id, exc)
            finished = False
        finally:
            job.running = False
        if finished:
            self.jobs.remove(job)
            self.counts[f"{job.kind}_done"] += 1
        elif job.attempts >= self.settings.max_attempts:
            self.jobs.remove(job)
            self.counts[f"{job.kind}_dead"] += 1
            log.warning("%s for %s: giving up after %d attempts", job.kind, job.increment_id,
                        job.attempts)
        else:
            delay = full_jitter(job.attempts, self.settings.backoff_base,
                                self.settings.backoff_cap, self.rng)
            job.due = time.time() + max(delay, job.retry_after or 0.0)
            job.retry_after = None
        return finished

    async def _run(self, job: Job) -> bool:
        """True when the job is done (or moot); False to retry; ServiceCallError retries."""
        if job.kind in ("capture", "void", "refund"):
            return await self._payment(job)
        erp_ids = await self._erp_orders(job.increment_id)
        if erp_ids is None:
            return False
        for erp_id in erp_ids:
            path = f"/api/orders/{quote(erp_id, safe='')}"
            if job.kind == "erp_cancel":
                reply = await self.clients.call("erp", "POST", f"{path}/cancel",
                                                headers={"Idempotency-Key": job.key})
                if reply.status == 409:         # a shipment left first: the ERP's answer
                    self.counts["erp_cancel_refused"] += 1
                    continue
            else:
                reply = await self.clients.call(
                    "erp", "POST", f"{path}/credit-memos", headers={"Idempotency-Key": job.key},
                    json={"credit_memo_id": str(job.document_id), "amount": job.amount,
                          "items": [{"sku": s, "qty": q} for s, q in job.items]})
            if not reply.ok:
                job.retry_after = parse_retry_after(reply.headers.get("retry-after"))
                return not self._worth_retrying(reply.status)
            if job.kind == "erp_credit_memo":
                break                          # booked once, against the first ERP order
        return True

    async def _erp_orders(self, increment_id: str) -> list[str] | None:
        reply = await self.clients.call("erp", "GET", "/api/orders",
                                        params={"increment_id": increment_id})
        if not reply.ok or not isinstance(reply.body, dict):
            return None
        ids = [str(o.get("erp_order_id")) for o in reply.body.get("items") or []
               if isinstance(o, dict)]
        return ids or None                     # not exported yet: try again later

    async def _payment(self, job: Job) -> bool:
        payment_id = quote(self.payments[job.increment_id], safe="")
        path = f"/api/payments/{payment_id}/{job.kind}"
        body: dict[str, Any] | None = None
        key: str | None = job.key
        if job.kind == "capture":
            # increment: Magento's invoice may exceed the authorization (totals recalculated)
            body = {"amount": round(job.amount, 2), "increment": True}
            key = REGISTRY.get("capture_key", self.strategies["capture_key"])(job)
        elif job.kind == "refund":
            body = {"amount": round(job.amount, 2)}
        headers = {"Idempotency-Key": key} if key else None
        reply = await self.clients.call("payment", "POST", path, json=body, headers=headers)
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
        return not self._worth_retrying(reply.status)

    def _worth_retrying(self, status: int) -> bool:
        if status in _RETRYABLE or status >= 500:
            return True
        self.counts["refused"] += 1
        return False

    def metrics(self) -> dict[str, Any]:
        return {"pending": len(self.jobs), **dict(self.counts)}
