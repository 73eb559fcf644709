"""The capacity search on made-up latency curves: steps, bisection, below the lowest step."""

from __future__ import annotations

import pytest

from peakready.capacity.search import CapacitySearch, knee
from peakready.config import CapacityPlan
from peakready.reporting.result import CapacityStep

SLO_MS = 2000.0


def _curve(capacity: float, base_ms: float = 300.0):  # type: ignore[no-untyped-def]
    """M/M/1-like: p95 grows as 1 / (1 - rate / capacity); above capacity it is unbounded."""
    def step(rate: float) -> CapacityStep:
        load = rate / capacity
        p95 = base_ms / (1 - load) if load < 1 else 60_000.0
        ok = p95 <= SLO_MS
        return CapacityStep(orders_per_minute=rate, p95_ms=p95, error_rate=0.0, ok=ok,
                            reasons=[] if ok else [f"p95 {p95:.0f} ms > {SLO_MS:.0f} ms"],
                            utilisation={"Magento workers": min(load, 1.0)})
    return step


def _search(plan: CapacityPlan, capacity: float) -> CapacitySearch:
    search, step = CapacitySearch(plan), _curve(capacity)
    while (rate := search.next_rate()) is not None:
        search.record(step(rate))
    return search


@pytest.mark.parametrize("capacity", [150.0, 400.0, 1234.0, 5000.0])
def test_finds_the_rate_where_the_slo_breaks(capacity: float) -> None:
    plan = CapacityPlan(start_orders_per_minute=60, step_factor=1.5, max_steps=12,
                        bisect_steps=5)
    search = _search(plan, capacity)
    truth = capacity * (1 - 300.0 / SLO_MS)          # p95 == SLO
    result = search.outcome(target=500.0)
    assert result.sustainable_orders_per_minute is not None
    assert truth * 0.95 <= result.sustainable_orders_per_minute <= truth
    phases = [s.phase for s in result.steps]
    assert "bisect" in phases and phases.index("bisect") == phases.count("step")
    assert result.headroom == pytest.approx(result.sustainable_orders_per_minute / 500 - 1,
                                            abs=1e-3)
    assert result.saturated_first is not None and "Magento workers" in result.saturated_first


def test_bisection_is_bounded() -> None:
    plan = CapacityPlan(start_orders_per_minute=60, step_factor=2, max_steps=10, bisect_steps=2)
    search = _search(plan, 1000.0)
    assert [s.phase for s in search.steps].count("bisect") == 2


def test_first_step_failing_is_below_the_lowest_step() -> None:
    plan = CapacityPlan(start_orders_per_minute=600, step_factor=1.5)
    result = _search(plan, capacity=500.0).outcome(target=1200.0)
    assert result.below_lowest_step is True
    assert result.sustainable_orders_per_minute is None and result.headroom is None
    assert len(result.steps) == 1
    assert result.summary.startswith("below the lowest step: 600 orders/min already broke")
    assert "60,000 ms" in result.summary


def test_every_step_passing_says_the_capacity_is_higher() -> None:
    plan = CapacityPlan(start_orders_per_minute=10, step_factor=1.5, max_steps=3)
    result = _search(plan, capacity=10_000.0).outcome()
    assert result.sustainable_orders_per_minute == pytest.approx(22.5)
    assert "above the highest step" in result.summary
    assert not result.below_lowest_step


def test_knee_interpolates_where_p95_doubles() -> None:
    steps = [CapacityStep(orders_per_minute=r, p95_ms=p, ok=True)
             for r, p in ((100, 400), (200, 500), (300, 1200))]
    # 2 x 400 = 800 is crossed between 200 (500) and 300 (1200): 200 + 300/700 x 100
    assert knee(steps) == pytest.approx(200 + 300 / 700 * 100)
    assert knee(steps[:2]) is None


def test_a_pages_plan_reports_the_hit_ratio_it_ran_at() -> None:
    plan = CapacityPlan(start_orders_per_minute=60, step_factor=2, max_steps=3, bisect_steps=0)
    search = CapacitySearch(plan)
    for rate, ok, hits in ((60.0, True, 0.81), (120.0, True, 0.77), (240.0, False, 0.40)):
        search.record(CapacityStep(orders_per_minute=rate, p95_ms=100.0, ok=ok,
                                   cache_hit_ratio=hits, reasons=[] if ok else ["slow"]))
    summary = search.outcome().summary
    assert summary.startswith("holds 120 orders/min at a full-page cache hit ratio of 77%")
