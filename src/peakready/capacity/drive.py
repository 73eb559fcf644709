"""Drive the search with a step runner: each rate held until its p95 is stable.

::

    search_capacity(plan.capacity, run_step)
      rate ◄── CapacitySearch.next_rate()
      step = await run_step(rate, hold)          any runner: a load phase on the estate,
      │   (hold: capacity.hold for the steps,    or an in-process model (tests)
      │    twice that for the bisection)
      ├── p95 stable (the last two thirds of the hold agree) ──► record
      ├── p95 within 15 % of the SLO: a close call ──► held again twice as long, that counts
      ├── p95 still rising ──► hold it again, twice as long (once); rising after that is
      │                        saturation: the step fails, saying so
      └── ... until the search is done ──► CapacityResult

``stability(p95 per interval)`` is the judgement: the runner passes the checkout p95 of each
sixth of the hold, merged from its HDR histograms.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from peakready.capacity.search import CapacitySearch
from peakready.config import CapacityPlan
from peakready.reporting.result import CapacityResult, CapacityStep

__all__ = ["RISE_FLOOR", "StepRunner", "decisive_hold", "search_capacity", "stability"]

StepRunner = Callable[[float, float], Awaitable[CapacityStep]]
Stability = Literal["stable", "rising", "unmeasured"]
#: Two thirds of a hold agree when their median p95s are within this factor of each other.
STABLE_FACTOR = 1.3
#: A step whose p95 lands within this share of the SLO is held again, twice as long.
CLOSE_CALL = 0.15
#: Near the knee a step's noise decides the answer: bisection steps hold this many holds.
BISECT_HOLD_FACTOR = 2.0


#: A rise smaller than this share of the SLO's p95 is noise, whatever its factor: 24 → 33 ms on
#: a busy host is a scheduler's hiccup, not a queue growing towards a 2 s gate.
RISE_FLOOR = 0.1


def stability(p95_per_interval: Sequence[float | None],
              slo_p95_ms: float | None = None) -> Stability:
    """Compare the median p95 of the middle and last thirds of a hold's intervals (the first
    third is warm-up: an empty queue filling). At least six intervals with samples. Rising:
    the last third's median is STABLE_FACTOR x the middle's and, with an SLO, higher by at
    least RISE_FLOOR of it."""
    values = [v for v in p95_per_interval if v is not None]
    if len(values) < 6:
        return "unmeasured"
    third = len(values) // 3
    middle = statistics.median(values[third:2 * third])
    last = statistics.median(values[2 * third:])
    floor = RISE_FLOOR * slo_p95_ms if slo_p95_ms else 0.0
    if last > STABLE_FACTOR * middle and last - middle >= floor:
        return "rising"
    return "stable"


def decisive_hold(plan: CapacityPlan) -> float:
    """Bisection steps decide the figure: they are held twice as long as the coarse steps."""
    return BISECT_HOLD_FACTOR * plan.hold


def _close_call(step: CapacityStep, slo_p95_ms: float | None) -> bool:
    """A p95 this near the SLO is decided by the noise of one hold: hold it longer."""
    if slo_p95_ms is None or step.p95_ms is None or not step.stable:
        return False
    return abs(step.p95_ms / slo_p95_ms - 1) <= CLOSE_CALL


async def search_capacity(plan: CapacityPlan, run_step: StepRunner, *,
                          slo_p95_ms: float | None = None, predicted: float | None = None,
                          clock: Callable[[], float] = time.monotonic) -> CapacityResult:
    """Run the search; ``slo_p95_ms`` (the checkout gate) lets close calls be held longer."""
    search = CapacitySearch(plan)
    load_s = 0.0
    started = clock()
    while (rate := search.next_rate()) is not None:
        hold = decisive_hold(plan) if search.phase == "bisect" else plan.hold
        step = await run_step(rate, hold)
        load_s += step.held_s or hold
        if _close_call(step, slo_p95_ms):
            step = await run_step(rate, 2 * hold)
            load_s += step.held_s or 2 * hold
        elif not step.stable and step.ok:
            longer = await run_step(rate, 2 * hold)
            load_s += longer.held_s or 2 * hold
            if not longer.stable and longer.ok:
                longer.ok = False
                longer.reasons.append(f"p95 still rising after {2 * hold:g} s: saturated")
            step = longer
        search.record(step)
    result = search.outcome(target=plan.target_orders_per_minute, predicted=predicted,
                            load_seconds=load_s)
    result.summary += f" ({len(result.steps)} steps, {clock() - started:,.0f} s)"
    return result
