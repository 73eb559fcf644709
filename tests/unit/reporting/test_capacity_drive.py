"""Holding each step until its p95 is stable, on fake step runners."""

from __future__ import annotations

import asyncio

from peakready.capacity.drive import search_capacity, stability
from peakready.config import CapacityPlan
from peakready.reporting.result import CapacityStep


def test_stability() -> None:
    assert stability([100.0] * 12) == "stable"
    assert stability([50.0, 80.0, *[100.0] * 10]) == "stable"       # warm-up is ignored
    assert stability([float(100 + 40 * i) for i in range(12)]) == "rising"
    assert stability([None, 100.0, None]) == "unmeasured"


def test_a_rising_step_is_held_twice_as_long_then_failed() -> None:
    holds: list[tuple[float, float]] = []

    async def run_step(rate: float, hold: float) -> CapacityStep:
        holds.append((rate, hold))
        # Stable below 200/min; above, p95 keeps rising however long the hold.
        stable = rate < 200
        return CapacityStep(orders_per_minute=rate, p95_ms=500.0, ok=True, stable=stable,
                            held_s=hold)

    plan = CapacityPlan(start_orders_per_minute=100, step_factor=2, max_steps=5,
                        bisect_steps=0, hold=10)
    result = asyncio.run(search_capacity(plan, run_step))
    assert holds == [(100, 10), (200, 10), (200, 20)]
    assert result.sustainable_orders_per_minute == 100
    failed = result.steps[-1]
    assert not failed.ok and "still rising after 20 s: saturated" in failed.reasons[0]
    assert result.load_seconds == 40


def test_a_noisy_step_that_settles_is_kept() -> None:
    calls: list[float] = []

    async def run_step(rate: float, hold: float) -> CapacityStep:
        calls.append(hold)
        return CapacityStep(orders_per_minute=rate, p95_ms=300.0, ok=rate < 150,
                            stable=hold > 10 or rate >= 150, held_s=hold)

    plan = CapacityPlan(start_orders_per_minute=100, step_factor=2, max_steps=3,
                        bisect_steps=0, hold=10)
    result = asyncio.run(search_capacity(plan, run_step))
    assert calls == [10, 20, 10]
    assert result.steps[0].ok and result.steps[0].held_s == 20
    assert result.sustainable_orders_per_minute == 100
