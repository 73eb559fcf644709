"""The capacity search as a pure state machine: which rate to try next, and what it all means.

::

    steps     start, start x f, start x f^2 ...  until a step fails (or max_steps)
    bisect    between the highest passing and the lowest failing rate, bisect_steps times
              (or until they are within ``resolution`` of each other)
    outcome   sustainable = the highest passing rate; knee = where p95 crosses twice its
              value at the lowest step (interpolated); headroom = sustainable / target - 1;
              saturated first = the most loaded resource at the lowest failing rate: one of
              the estate's own processes first (then the machine's CPU, then the store)

    search = CapacitySearch(plan.capacity)
    while (rate := search.next_rate()) is not None:
        search.record(await run_step(rate))         # a CapacityStep: ok, p95, reasons, ...
    result = search.outcome(target=plan.capacity.target_orders_per_minute)

No clock, no I/O: the runner (``peakready.capacity.runner``) holds the steps; tests drive this
with made-up curves. A first step that already fails is "below the lowest step", never a
made-up figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Literal

from peakready.config import CapacityPlan
from peakready.reporting.result import CapacityResult, CapacityStep

__all__ = ["BUSY", "ESTATE_PREFIX", "KNEE_FACTOR", "MACHINE_KEY", "CapacitySearch", "knee"]

#: The knee: where checkout p95 reaches this multiple of its value at the lowest step.
KNEE_FACTOR = 2.0
Phase = Literal["step", "bisect"]


def knee(steps: list[CapacityStep], factor: float = KNEE_FACTOR) -> float | None:
    """The offered rate at which p95 first crosses ``factor`` x its lowest-step value."""
    points = sorted((s.orders_per_minute, s.p95_ms) for s in steps if s.p95_ms is not None)
    if len(points) < 2 or points[0][1] is None or points[0][1] <= 0:
        return None
    limit = factor * points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y1 >= limit:
            if y1 == y0:
                return x1
            return x0 + (limit - y0) / (y1 - y0) * (x1 - x0) if y0 < limit else x0
    return None


class CapacitySearch:
    def __init__(self, plan: CapacityPlan, *, resolution: float = 0.01) -> None:
        self.plan = plan
        self.resolution = resolution
        self.steps: list[CapacityStep] = []
        self._phase: Phase = "step"
        self._k = 0
        self._bisected = 0
        self.lo: float | None = None      # highest passing rate
        self.hi: float | None = None      # lowest failing rate
        self.done = False

    @property
    def phase(self) -> Phase:
        return self._phase

    def next_rate(self) -> float | None:
        if self.done:
            return None
        if self._phase == "step":
            if self._k >= self.plan.max_steps:
                self.done = True
                return None
            return self.plan.start_orders_per_minute * self.plan.step_factor ** self._k
        assert self.lo is not None and self.hi is not None
        if self._bisected >= self.plan.bisect_steps or \
                (self.hi - self.lo) <= self.resolution * self.lo:
            self.done = True
            return None
        return (self.lo + self.hi) / 2

    def record(self, step: CapacityStep) -> None:
        step.phase = self._phase
        self.steps.append(step)
        rate = step.orders_per_minute
        if step.ok:
            self.lo = rate if self.lo is None else max(self.lo, rate)
        else:
            self.hi = rate if self.hi is None else min(self.hi, rate)
        if self._phase == "step":
            self._k += 1
            if not step.ok:
                if self.lo is None:
                    self.done = True       # the first step already breaks the SLO
                else:
                    self._phase = "bisect"
        else:
            self._bisected += 1

    def outcome(self, *, target: float | None = None, predicted: float | None = None,
                load_seconds: float | None = None) -> CapacityResult:
        below = self.lo is None and bool(self.steps)
        sustainable = self.lo
        headroom = None if sustainable is None or not target else round(
            sustainable / target - 1, 4)
        failing = min((s for s in self.steps if not s.ok), key=lambda s: s.orders_per_minute,
                      default=None)
        saturated = _saturated(failing.utilisation) if failing else None
        if failing is not None and saturated is None and failing.reasons:
            saturated = failing.reasons[0]
        return CapacityResult(
            sustainable_orders_per_minute=None if sustainable is None else round(sustainable, 1),
            below_lowest_step=below,
            knee_orders_per_minute=_round(knee(self.steps)),
            target_orders_per_minute=target, headroom=headroom, saturated_first=saturated,
            predicted_orders_per_minute=_round(predicted), steps=list(self.steps),
            load_seconds=None if load_seconds is None else round(load_seconds, 1),
            summary=self._summary(sustainable, target, headroom, failing, saturated))

    def _summary(self, sustainable: float | None, target: float | None,
                 headroom: float | None, failing: CapacityStep | None,
                 saturated: str | None) -> str:
        if not self.steps:
            return "no step was run"
        if sustainable is None:
            first = self.steps[0]
            return (f"below the lowest step: {first.orders_per_minute:,.0f} orders/min already "
                    f"broke the SLO or a check (p95 {_ms(first.p95_ms)}, errors "
                    f"{_rate(first.error_rate)}; {'; '.join(first.reasons) or 'failed'}); "
                    f"lower capacity.start_orders_per_minute")
        text = f"holds {sustainable:,.0f} orders/min"
        held = next((s for s in self.steps if s.ok and s.orders_per_minute == sustainable), None)
        if held is not None and held.cache_hit_ratio is not None:
            text += f" at a full-page cache hit ratio of {held.cache_hit_ratio:.0%}"
        if failing is None:
            text += (f" (every step passed, up to {sustainable:,.0f}: the capacity is above the "
                     f"highest step; raise capacity.max_steps or step_factor)")
        else:
            text += (f"; {failing.orders_per_minute:,.0f} broke it (p95 {_ms(failing.p95_ms)}, "
                     f"errors {_rate(failing.error_rate)}"
                     f"{'; ' + '; '.join(failing.reasons) if failing.reasons else ''})")
        if target:
            text += f"; peak forecast {target:,.0f}, headroom {headroom:+.0%}" \
                if headroom is not None else ""
        if saturated:
            text += f"; saturated first: {saturated}"
        return text


#: A consumer this busy over a failing step's hold is its bottleneck.
BUSY = 0.85
#: The harness's own processes are named first (then the machine, then the store's figures):
#: when one of ours was saturated, the step measured the harness, not the store.
ESTATE_PREFIX = "the estate's "
MACHINE_KEY = "the machine's CPU"


def _saturated(utilisation: Mapping[str, float]) -> str | None:
    busy = [(value, name) for name, value in utilisation.items() if value >= BUSY]
    if not busy:
        return None
    for group in (lambda n: n.startswith(ESTATE_PREFIX), lambda n: n == MACHINE_KEY,
                  lambda n: True):
        chosen = [(value, name) for value, name in busy if group(name)]
        if chosen:
            value, name = max(chosen)
            return f"{name} ({value:.0%} busy)"
    return None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"
