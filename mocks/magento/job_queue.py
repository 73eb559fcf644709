"""Work the store hands to a back-end after the request that caused it, retried with backoff.

::

    JobQueue.add(job) ─► jobs ─► cycle() (a poll loop, and at once after each event)
                                   │ run(job) → True: done (or moot) · False / ServiceCallError-
                                   │ like exception: try again
                                   └─ full-jitter backoff, never sooner than the answer's
                                      Retry-After, at most ``max_attempts``, then a dead letter

A Magento queue consumer works the same way. Two owners use it: the store's card payment
module (``card_payment.py``: captures, voids, refunds at the gateway) and the built-in
integration's after-sale sync (``integration/after_sale.py``: cancellations and credit memos to
the ERP). ``full_jitter`` and ``parse_retry_after`` are the one implementation of each, shared
with the integration's export retries (``integration/retry.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = ["Job", "JobQueue", "full_jitter", "parse_retry_after"]

log = logging.getLogger("peakready.mocks.magento.jobs")
_PER_CYCLE = 200


def full_jitter(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1 = the first retry)."""
    ceiling = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class Job:
    kind: str                 # capture | void | refund | erp_cancel | erp_credit_memo
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
        """The ``Idempotency-Key`` of the job's writes: its kind, increment id, document."""
        base = f"{self.kind}-{self.increment_id}-{self.document_id or 0}"
        return f"{base}-{self.refused}" if self.refused else base


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 20
    workers: int = 8


class JobQueue:
    """Jobs of one owner; ``run`` does one attempt (raise ``retry_on`` to try again)."""

    def __init__(self, run: Callable[[Job], Awaitable[bool]], backoff: Backoff,
                 rng: random.Random, retry_on: type[Exception] | tuple[type[Exception], ...],
                 name: str) -> None:
        self.run = run
        self.backoff = backoff
        self.rng = rng
        self.retry_on = retry_on
        self.name = name
        self.jobs: list[Job] = []
        self.counts: Counter[str] = Counter()

    def add(self, jobs: list[Job]) -> None:
        self.jobs.extend(jobs)
        self.counts.update(f"{j.kind}_queued" for j in jobs)

    async def cycle(self) -> int:
        """Run the due jobs (at most a bounded number, ``workers`` at a time); returns how
        many finished."""
        now = time.time()
        due = [j for j in self.jobs if j.due <= now and not j.running][:_PER_CYCLE]
        for job in due:
            job.running = True
        gate = asyncio.Semaphore(max(1, self.backoff.workers))

        async def one(job: Job) -> bool:
            async with gate:
                return await self._attempt(job)

        results = await asyncio.gather(*(one(job) for job in due))
        return sum(results)

    async def _attempt(self, job: Job) -> bool:
        job.attempts += 1
        try:
            finished = await self.run(job)
        except self.retry_on as exc:
            log.info("%s %s for %s failed: %s", self.name, job.kind, job.increment_id, exc)
            finished = False
        finally:
            job.running = False
        if finished:
            self.jobs.remove(job)
            self.counts[f"{job.kind}_done"] += 1
        elif job.attempts >= self.backoff.max_attempts:
            self.jobs.remove(job)
            self.counts[f"{job.kind}_dead"] += 1
            log.warning("%s %s for %s: giving up after %d attempts", self.name, job.kind,
                        job.increment_id, job.attempts)
        else:
            delay = full_jitter(job.attempts, self.backoff.base, self.backoff.cap, self.rng)
            job.due = time.time() + max(delay, job.retry_after or 0.0)
            job.retry_after = None
        return finished

    def clear(self) -> None:
        self.jobs.clear()

    def metrics(self) -> dict[str, Any]:
        return {"pending": len(self.jobs), **dict(self.counts)}
