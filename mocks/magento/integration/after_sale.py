"""After the order: Magento's cancellations and credit memos carried to the ERP.

::

    OrderStateChanged ─► on_event ─► jobs (one per thing to tell the ERP)
       cancel          cancel_sync strategy: cancel every ERP order of the increment id
       refund          book the credit memo in the ERP
    JobQueue (../job_queue.py): its own loop, and at once after each event; a job that fails
    for a reason worth retrying (timeout, connection, 5xx, 429) comes back with full-jitter
    backoff (never sooner than the answer's Retry-After), at most ``max_attempts`` times,
    then it is a dead letter (counted).

Every write carries an ``Idempotency-Key`` derived from the Magento document (its kind, the
increment id, the document id), so a retry after a lost answer changes nothing. The money
(capture on an online invoice, void on cancel, refund on an online credit memo) is the
store's card payment module's (``../card_payment.py``), not this integration's; the
``capture_key`` slot's strategies are that module's, registered here so that the flag
``capture_retry_without_key`` names them like every other mistake.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ..card_payment import CAPTURE_KEYS
from ..events import OrderStateChanged
from ..job_queue import Backoff, Job, JobQueue, parse_retry_after
from .clients import ServiceCallError, ServiceClients
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["AfterSale", "backoff_of"]

_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})

for _name, _fn in CAPTURE_KEYS.items():
    REGISTRY.register("capture_key", _name)(_fn)


def backoff_of(settings: IntegrationSettings) -> Backoff:
    return Backoff(settings.backoff_base, settings.backoff_cap, settings.max_attempts,
                   settings.export_workers)


@REGISTRY.register("cancel_sync", "sync")
def _cancel_jobs(event: OrderStateChanged) -> list[Job]:
    return [Job("erp_cancel", event.increment_id, None)]


@REGISTRY.register("cancel_sync", "none")
def _no_cancel_jobs(event: OrderStateChanged) -> list[Job]:
    return []


class AfterSale:
    def __init__(self, clients: ServiceClients, store: Callable[[], Any],
                 settings: IntegrationSettings, strategies: dict[str, str]) -> None:
        self.clients = clients
        self.store = store                     # the simulator's current Store
        self._settings = settings
        self.strategies = strategies
        self.queue = JobQueue(self._run, backoff_of(settings),
                              random.Random(f"after-sale:{settings.seed}"), ServiceCallError,
                              "after-sale")

    @property
    def settings(self) -> IntegrationSettings:
        return self._settings

    @settings.setter
    def settings(self, settings: IntegrationSettings) -> None:
        self._settings = settings
        self.queue.backoff = backoff_of(settings)

    @property
    def jobs(self) -> list[Job]:
        return self.queue.jobs

    def on_event(self, event: OrderStateChanged) -> bool:
        """Queue what ``event`` asks of the ERP; True when something was queued."""
        order = self.store().orders.by_id.get(event.entity_id)
        if order is None:
            return False
        jobs: list[Job] = []
        if event.action == "cancel" and event.new_state == "canceled":
            jobs += REGISTRY.get("cancel_sync", self.strategies["cancel_sync"])(event)
        elif event.action == "refund":
            doc: dict[str, Any] = next((d for d in reversed(order.documents)
                                        if d.get("id") == event.document_id), {})
            items = tuple((str(i["sku"]), float(i["qty"])) for i in doc.get("items") or ())
            jobs.append(Job("erp_credit_memo", event.increment_id, event.document_id,
                            float(doc.get("amount") or 0.0), items))
        self.queue.add(jobs)
        return bool(jobs)

    async def cycle(self) -> int:
        """Run the due jobs; returns how many finished."""
        return await self.queue.cycle()

    async def _run(self, job: Job) -> bool:
        """True when the job is done (or moot); False to retry; ServiceCallError retries."""
        erp_ids = await self._erp_orders(job.increment_id)
        if erp_ids is None:
            return False
        for erp_id in erp_ids:
            path = f"/api/orders/{quote(erp_id, safe='')}"
            if job.kind == "erp_cancel":
                reply = await self.clients.call("erp", "POST", f"{path}/cancel",
                                                headers={"Idempotency-Key": job.key})
                if reply.status == 409:         # a shipment left first: the ERP's answer
                    self.queue.counts["erp_cancel_refused"] += 1
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

    def _worth_retrying(self, status: int) -> bool:
        if status in _RETRYABLE or status >= 500:
            return True
        self.queue.counts["refused"] += 1
        return False

    def metrics(self) -> dict[str, Any]:
        return self.queue.metrics()
