"""Dead-man lease: a controller that stops renewing leaves no faults behind.

A controller (the chaos timeline, a CI job) takes the lease with a TTL and renews it while it
runs. If it dies, hangs or loses the network, the lease lapses and the fault proxy resets itself
(every toxic removed, every proxy enabled), logging a WARNING that names the holder. Releasing
the lease cleanly does not reset: the controller is expected to clean up itself.

One lease at a time; another holder gets 409 until the current one is released or lapses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from peakready.faultproxy.apierror import ToxiproxyError

__all__ = ["Lease", "LeaseKeeper"]

log = logging.getLogger("peakready.faultproxy.lease")

MAX_TTL_MS = 24 * 3600 * 1000


@dataclass
class Lease:
    holder: str
    ttl_ms: int
    deadline: float          # time.monotonic()
    taken_at: float          # time.time()
    renewals: int = 0

    def to_json(self) -> dict[str, Any]:
        remaining = max(0.0, self.deadline - time.monotonic())
        return {"holder": self.holder, "ttl_ms": self.ttl_ms,
                "expires_in_ms": int(remaining * 1000),
                "expires_at": time.time() + remaining, "renewals": self.renewals}


class LeaseKeeper:
    """Holds at most one lease and calls ``on_lapse`` when it runs out."""

    def __init__(self, on_lapse: Callable[[Lease], Awaitable[None]]) -> None:
        self._on_lapse = on_lapse
        self._lease: Lease | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.lapses = 0

    @property
    def current(self) -> Lease | None:
        return self._lease

    def _arm(self, lease: Lease) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(
            lease.ttl_ms / 1000.0, self._lapse, lease)

    @staticmethod
    def _check_ttl(ttl_ms: int) -> None:
        if not 0 < ttl_ms <= MAX_TTL_MS:
            raise ToxiproxyError(400, f"ttl_ms must be between 1 and {MAX_TTL_MS}")

    def take(self, holder: str, ttl_ms: int) -> tuple[Lease, bool]:
        """Take (True) or, for the same holder, renew (False) the lease."""
        if not holder:
            raise ToxiproxyError(400, "missing required field: holder")
        self._check_ttl(ttl_ms)
        lease = self._lease
        if lease is not None and lease.holder != holder:
            raise ToxiproxyError(409, f"lease held by {lease.holder}")
        if lease is not None:
            return self.renew(holder, ttl_ms), False
        lease = Lease(holder, ttl_ms, time.monotonic() + ttl_ms / 1000.0, time.time())
        self._lease = lease
        self._arm(lease)
        log.info("lease taken by %s (ttl %d ms)", holder, ttl_ms)
        return lease, True

    def renew(self, holder: str, ttl_ms: int | None = None) -> Lease:
        lease = self._lease
        if lease is None:
            raise ToxiproxyError(404, "no lease")
        if holder != lease.holder:
            raise ToxiproxyError(409, f"lease held by {lease.holder}")
        if ttl_ms is not None:
            self._check_ttl(ttl_ms)
            lease.ttl_ms = ttl_ms
        lease.deadline = time.monotonic() + lease.ttl_ms / 1000.0
        lease.renewals += 1
        self._arm(lease)
        return lease

    def release(self, holder: str | None) -> None:
        lease = self._lease
        if lease is None:
            raise ToxiproxyError(404, "no lease")
        if holder is not None and holder != lease.holder:
            raise ToxiproxyError(409, f"lease held by {lease.holder}")
        self._clear()
        log.info("lease released by %s", lease.holder)

    def _clear(self) -> None:
        self._lease = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _lapse(self, lease: Lease) -> None:
        if self._lease is not lease:
            return
        self._clear()
        self.lapses += 1
        log.warning("lease held by %s lapsed (no renewal within %d ms): resetting the fault "
                    "proxy, removing every toxic and enabling every proxy",
                    lease.holder, lease.ttl_ms)
        task = asyncio.get_running_loop().create_task(self._run_lapse(lease))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lapse(self, lease: Lease) -> None:
        try:
            await self._on_lapse(lease)
        except Exception as exc:  # a proxy that cannot re-bind must not kill the process
            log.error("reset after the lapse of %s's lease failed: %s", lease.holder, exc)

    def close(self) -> None:
        self._clear()
        for task in self._tasks:
            task.cancel()
