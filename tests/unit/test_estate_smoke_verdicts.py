"""Each verdict of the estate smoke run passes on a healthy run and fails for its own reason."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from peakready.estate_smoke import PhaseStats, _await_erp_orders, judge


def phase(name: str, ok: int, errors: int = 0, p50: float | None = 2.0) -> PhaseStats:
    return PhaseStats(name, ok + errors, ok, errors, p50 if ok else None, p50 if ok else None)


HEALTHY = dict(baseline=phase("baseline", 20), slowed=phase("slowed", 20, p50=252.0),
               down=phase("down", 0, 20), recovered=phase("recovered", 20),
               placed=phase("placed", 5, p50=12.0))


def verdicts(**changes: PhaseStats) -> dict[str, bool]:
    phases = {**HEALTHY, **changes}
    return {v.name: v.passed for v in judge("erp", **phases)}


def test_a_healthy_run_passes_every_verdict() -> None:
    assert verdicts() == dict.fromkeys(
        ["baseline_healthy", "latency_toxic_bites", "outage_bites", "reset_heals",
         "checkout_up_while_erp_down"], True)


@pytest.mark.parametrize(("changes", "failing"), [
    ({"baseline": phase("baseline", 19, 1)}, "baseline_healthy"),
    ({"slowed": phase("slowed", 20, p50=3.0)}, "latency_toxic_bites"),      # toxic did not bite
    ({"slowed": phase("slowed", 20, p50=900.0)}, "latency_toxic_bites"),    # far too much
    ({"down": phase("down", 1, 19)}, "outage_bites"),                       # a request got through
    ({"recovered": phase("recovered", 18, 2)}, "reset_heals"),
    ({"placed": phase("placed", 4, 1)}, "checkout_up_while_erp_down"),
])
def test_each_verdict_fails_for_its_reason(changes: dict[str, PhaseStats], failing: str) -> None:
    result = verdicts(**changes)
    assert [name for name, ok in result.items() if not ok] == [failing]


@respx.mock
def test_erp_exactly_once_fails_on_duplicates_and_on_missing_orders() -> None:
    placed = phase("placed", 5)
    route = respx.get("http://erp.test/__admin/evidence")

    def check(summary: dict[str, int]) -> bool:
        route.mock(return_value=httpx.Response(200, json={"summary": summary}))
        return asyncio.run(_await_erp_orders("http://erp.test", placed, wait_s=0.2)).passed

    assert check({"distinct_increment_ids": 5, "duplicate_order_count": 0})
    assert not check({"distinct_increment_ids": 5, "duplicate_order_count": 2})
    assert not check({"distinct_increment_ids": 3, "duplicate_order_count": 0})
