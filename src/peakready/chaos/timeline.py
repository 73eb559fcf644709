"""The fault timeline: each plan fault applied at ``at`` and cleared at ``at + for``.

::

    FaultTimeline(plan.faults, targets, log)
        await timeline.run(t0)      t0 = Locust's test_start (wall clock); returns when every
                                    window has closed (or raises CancelledError when stopped)
        await timeline.close()      clears whatever is still on, every path (error, signal)
        timeline.active()           [(label, seconds left)] for the live progress

Each window is its own task, so overlapping faults on one proxy or mock are applied and
cleared independently. Every apply and clear is written to ``faults.jsonl`` with its wall
time and outcome; a fault that fails to apply is logged with the error and the load goes on,
and the run's report makes it an error of the run (exit 3, the fault named) unless the plan
marks it ``optional: true`` (``peakready.reporting.finalize``). Clearing happens at the
window's end, when the timeline is stopped early, and in :meth:`close`, which never raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peakready.chaos.faultlog import FaultLog
from peakready.chaos.targets import FaultTarget
from peakready.config import FaultPlan
from peakready.errors import PeakreadyError

__all__ = ["FaultTimeline", "WindowState"]

log = logging.getLogger("peakready.chaos.timeline")
# A fault sent with an expiry outlives its window by this much, so the clearing (not the
# expiry) ends it while the controller lives, and the expiry ends it soon after if not.
EXPIRY_SLACK_S = 1.0


@dataclass
class WindowState:
    index: int
    fault: FaultPlan
    applied_wall: float | None = None
    cleared_wall: float | None = None
    spec: dict[str, Any] | None = None
    # Apply and clear of one window never interleave (close() waits for an apply in flight).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class FaultTimeline:
    def __init__(self, faults: Sequence[FaultPlan], targets: Mapping[str, FaultTarget],
                 faultlog: FaultLog) -> None:
        """``targets``: ``"proxy"`` and/or ``"mock"`` → the target that applies that kind."""
        self.windows = [WindowState(i, f) for i, f in enumerate(faults)]
        self.targets = dict(targets)
        self.log = faultlog
        self.t0: float | None = None

    def _target(self, fault: FaultPlan) -> FaultTarget:
        return self.targets["proxy" if fault.proxy else "mock"]

    def _record(self, event: str, window: WindowState, outcome: str, wall: float) -> None:
        fault = window.fault
        self.log.record(event, fault=window.index, label=fault.label, target=fault.target,
                        planned_at=fault.at, planned_for=fault.for_,
                        spec=window.spec or fault.model_dump(mode="json", by_alias=True,
                                                             exclude_defaults=True),
                        outcome=outcome, wall=wall)

    async def run(self, t0: float) -> None:
        self.t0 = self.log.t0 = t0
        async with asyncio.TaskGroup() as group:
            for window in self.windows:
                group.create_task(self._window(window))

    async def _sleep_until(self, wall: float) -> None:
        # Sleep in two steps: the loop's timer is monotonic, the plan is wall-clock.
        delay = wall - time.time()
        if delay > 0.05:
            await asyncio.sleep(delay - 0.02)
        delay = wall - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _window(self, window: WindowState) -> None:
        assert self.t0 is not None
        fault = window.fault
        await self._sleep_until(self.t0 + fault.at)
        # Shielded: a stop that lands mid-request must not lose track of a fault the server
        # is about to apply; close() waits for it through the window's lock.
        await asyncio.shield(self._apply(window))
        await self._sleep_until(self.t0 + fault.end)
        await asyncio.shield(self._clear(window, "ok"))

    async def _apply(self, window: WindowState) -> None:
        assert self.t0 is not None
        fault = window.fault
        remaining = self.t0 + fault.end - time.time()
        async with window.lock:
            try:
                window.spec = await self._target(fault).apply(
                    window.index, fault, max(0.1, remaining) + EXPIRY_SLACK_S)
                outcome = "ok"
            except PeakreadyError as exc:
                outcome = str(exc)
                log.warning("fault %d (%s) not applied: %s", window.index, fault.label, exc)
            window.applied_wall = time.time()
            self._record("applied", window, outcome, window.applied_wall)

    async def _clear(self, window: WindowState, how: str) -> None:
        async with window.lock:
            if window.applied_wall is None or window.cleared_wall is not None:
                return
            try:
                await self._target(window.fault).clear(window.index, window.fault)
                outcome = how
            except PeakreadyError as exc:
                outcome = str(exc)
                log.warning("fault %d (%s) not cleared: %s", window.index,
                            window.fault.label, exc)
            window.cleared_wall = time.time()
            self._record("cleared", window, outcome, window.cleared_wall)

    async def close(self, how: str = "ok (stopped early)") -> None:
        """Clear every fault still on. Never raises: it runs on every way out of a run."""
        for window in self.windows:
            with contextlib.suppress(Exception):
                await self._clear(window, how)

    def active(self, now: float | None = None) -> list[tuple[str, float]]:
        now = time.time() if now is None else now
        if self.t0 is None:
            return []
        return [(w.fault.label, max(0.0, self.t0 + w.fault.end - now)) for w in self.windows
                if w.applied_wall is not None and w.cleared_wall is None]

    def next_up(self, now: float | None = None) -> tuple[str, float] | None:
        now = time.time() if now is None else now
        if self.t0 is None:
            return None
        pending = [(self.t0 + w.fault.at - now, w.fault.label) for w in self.windows
                   if w.applied_wall is None]
        if not pending:
            return None
        delay, label = min(pending)
        return label, max(0.0, delay)
