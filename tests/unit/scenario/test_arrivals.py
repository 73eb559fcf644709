"""The open-model schedule as plain functions: rates, seeds, Poisson-ness, the worker split."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from typing import Any

import pytest

from peakready.config import LoadPlan
from peakready.errors import ConfigError
from peakready.scenario.arrivals import (
    arrival_times,
    concurrency_share,
    schedule,
    stream_rates,
    worker_share,
)
from peakready.scenario.shapes import build_shape


def load(**fields: Any) -> LoadPlan:
    return LoadPlan.model_validate(fields)


def run(plan: LoadPlan, seed: int = 0) -> list[Any]:
    return list(schedule(plan, seed, build_shape(plan)))


def ks_exponential(gaps: list[float], rate: float) -> float:
    """Kolmogorov-Smirnov statistic of ``gaps`` against Exp(rate)."""
    gaps = sorted(gaps)
    n = len(gaps)
    d = 0.0
    for i, x in enumerate(gaps):
        cdf = 1.0 - math.exp(-rate * x)
        d = max(d, cdf - i / n, (i + 1) / n - cdf)
    return d


def test_uniform_arrivals_hit_the_rate_exactly() -> None:
    times = list(arrival_times(lambda t: 5.0, 60.0, poisson=False, rng=random.Random(0)))
    assert len(times) == 300
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {0.2}
    assert times[0] == pytest.approx(0.1)


def test_poisson_gaps_pass_a_ks_test_against_the_exponential() -> None:
    rate = 50.0
    times = list(arrival_times(lambda t: rate, 200.0, poisson=True, rng=random.Random(7)))
    n = len(times)
    assert abs(n - rate * 200) < 4 * math.sqrt(rate * 200)
    gaps = [b - a for a, b in itertools.pairwise([0.0, *times])]
    # alpha = 0.01: critical value 1.628 / sqrt(n)
    assert ks_exponential(gaps, rate) < 1.628 / math.sqrt(n)
    # the statistic can fail: uniform gaps are far from exponential
    assert ks_exponential([1 / rate] * n, rate) > 1.628 / math.sqrt(n)


def test_the_mix_splits_orders_per_minute_into_journey_rates() -> None:
    plan = load(duration=60, orders_per_minute=600, arrivals="uniform",
                mix={"browse": 50, "guest_checkout": 5, "customer_checkout": 5})
    counts = Counter(a.journey for a in run(plan))
    # checkouts carry orders_per_minute: 10/s split 5 + 5; browse 50/s
    assert counts == {"browse": 3000, "guest_checkout": 300, "customer_checkout": 300}


def test_sync_streams_arrive_at_their_own_unshaped_rates() -> None:
    plan = load(duration=60, arrivals="uniform", shape="spike",
                sync={"erp_stock_updates_per_minute": 120, "crm_upserts_per_minute": 30,
                      "backoffice_per_minute": 6})
    rates = stream_rates(plan)
    assert rates["erp_stock_push"] == 2.0 and rates["backoffice"] == 0.1
    counts = Counter(a.journey for a in run(plan))
    assert (counts["erp_stock_push"], counts["crm_edits"], counts["backoffice"]) == (120, 30, 6)


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    plan = load(duration=30, orders_per_minute=300)
    assert run(plan, 3) == run(plan, 3)
    assert run(plan, 3) != run(plan, 4)


def test_the_schedule_is_in_time_order_with_per_journey_indexes() -> None:
    arrivals = run(load(duration=30, orders_per_minute=300))
    assert [a.t for a in arrivals] == sorted(a.t for a in arrivals)
    for journey in {a.journey for a in arrivals}:
        indexes = [a.index for a in arrivals if a.journey == journey]
        assert indexes == list(range(len(indexes)))


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_worker_shares_add_up_exactly_to_the_schedule(workers: int) -> None:
    plan = load(duration=20, orders_per_minute=600, flash_sale={"buyers": 17, "at": 5})
    whole = run(plan)
    shares = [list(worker_share(iter(whole), w, workers)) for w in range(workers)]
    assert sum(len(s) for s in shares) == len(whole)
    assert sorted((a.t, a.journey, a.index) for s in shares for a in s) == \
        sorted((a.t, a.journey, a.index) for a in whole)
    assert Counter(a.journey for s in shares for a in s) == Counter(a.journey for a in whole)


def test_concurrency_shares_add_up_to_max_concurrency() -> None:
    assert [concurrency_share(2000, w, 3) for w in range(3)] == [667, 667, 666]
    assert sum(concurrency_share(7, w, 4) for w in range(4)) == 7


def test_flash_sale_buyers_all_arrive_at_once() -> None:
    plan = load(duration=30, flash_sale={"buyers": 40, "skus": 2, "at": 12})
    buyers = [a for a in run(plan) if a.journey == "flash_sale"]
    assert len(buyers) == 40 and {a.t for a in buyers} == {12.0}


def test_flash_sale_buyers_over_a_window_arrive_evenly_within_it() -> None:
    plan = load(duration=30, flash_sale={"buyers": 40, "skus": 2, "at": 12, "over": 8})
    times = [a.t for a in run(plan) if a.journey == "flash_sale"]
    assert len(times) == 40 and times == sorted(times)
    assert times[0] == 12.0 and times[-1] < 20.0
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(0.2) and max(gaps) == pytest.approx(0.2)


def test_a_flash_sale_ending_after_the_load_is_refused() -> None:
    plan = load(duration=30, flash_sale={"at": 25, "over": 10})
    with pytest.raises(ConfigError, match=r"load.flash_sale.over = 10s"):
        run(plan)


def test_a_flash_sale_after_the_load_is_refused() -> None:
    plan = load(duration=30, flash_sale={"at": 45})
    with pytest.raises(ConfigError, match=r"load.flash_sale.at = 45s"):
        run(plan)


def test_steps_offer_each_step_its_share_of_the_rate() -> None:
    plan = load(duration=40, orders_per_minute=600, shape="steps", steps=[25, 100],
                arrivals="uniform", mix={"guest_checkout": 1})
    times = [a.t for a in run(plan)]
    first = sum(1 for t in times if t < 20)
    assert first == 50                    # 10/s x 25 % x 20 s
    assert len(times) - first == 200      # 10/s x 100 % x 20 s


def test_a_spike_multiplies_the_rate_inside_its_window() -> None:
    plan = load(duration=30, orders_per_minute=60, shape="spike", arrivals="uniform",
                spike={"base": 100, "peak": 400, "at": 10, "for": 5},
                mix={"guest_checkout": 1})
    times = [a.t for a in run(plan)]
    assert sum(1 for t in times if 10 <= t < 15) == 20
    assert sum(1 for t in times if t < 10) == 10
