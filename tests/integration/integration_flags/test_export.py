"""Order export under ERP faults: the good integration loses and duplicates nothing; each
export mistake, under the same fault, shows its failure in the ERP's evidence."""

from __future__ import annotations

import time

import pytest

ORDERS = 8


def _place(estate, n: int = ORDERS) -> list[str]:
    ids = []
    for i in range(n):
        response, _ = estate.buy(f"SKU-{i % 5 + 1}")
        assert response.status_code == 200, response.text
        ids.append(next(o.increment_id for o in estate.orders()
                        if o.entity_id == int(response.json())))
    return ids


def _outage(estate, seconds: float) -> list[str]:
    estate.fp.disable("erp")
    ids = _place(estate)
    time.sleep(seconds)
    estate.fp.enable("erp")
    return ids


@pytest.mark.parametrize("outage", [2.0, pytest.param(60.0, marks=pytest.mark.slow)])
def test_good_survives_an_erp_outage_exactly_once(estate_factory, outage: float) -> None:
    # the cap matters for a long outage: 50 attempts of ≤ 5 s outlive 60 s
    estate = estate_factory({"backoff_cap": 5.0} if outage > 30 else "good")
    ids = _outage(estate, outage)
    metrics = estate.wait_drained()
    erp = estate.erp_orders()
    assert sorted(erp) == sorted(ids)
    assert all(len(rows) == 1 for rows in erp.values())
    assert metrics["exported"] == ORDERS and metrics["dead_letters"] == 0
    assert metrics["export_lag_s"]["max"] >= 1.5   # they waited for the ERP, not lost


def test_no_retry_under_the_same_outage_loses_orders(estate_factory) -> None:
    estate = estate_factory({"flags": ["no_retry"]})
    ids = _outage(estate, 1.0)
    metrics = estate.wait_drained()
    time.sleep(0.5)
    assert estate.erp_orders() == {}
    assert metrics["dropped"] == len(ids)
    assert estate.integration()["metrics"]["export"]["dead_letters"] == 0  # nothing to replay


def _latency_then_heal(estate, seconds: float = 2.2) -> list[str]:
    estate.fp.add_toxic("erp", "latency", name="slow", attributes={"latency": 3000})
    ids = _place(estate, 4)
    time.sleep(seconds)
    estate.fp.remove_toxic("erp", "slow")
    estate.wait_drained()
    return ids


def test_good_under_latency_beyond_the_timeout_makes_no_duplicates(estate_factory) -> None:
    estate = estate_factory("good")
    ids = _latency_then_heal(estate)
    erp = estate.erp_orders()
    assert sorted(erp) == sorted(ids)
    assert all(len(rows) == 1 for rows in erp.values()), erp
    # The retries did happen: the key turned them into replays of the first order.
    assert sum(rows[0]["attempts"] for rows in erp.values()) > len(ids)


def test_retry_without_idempotency_under_latency_duplicates_orders(estate_factory) -> None:
    estate = estate_factory({"flags": ["retry_without_idempotency"]})
    ids = _latency_then_heal(estate)
    erp = estate.erp_orders()
    assert set(erp) == set(ids)
    summary = estate.evidence("erp")["summary"]
    assert summary["duplicate_order_count"] > 0
    assert any(len(rows) > 1 for rows in erp.values())


def _attempt_times(estate) -> list[float]:
    rows = estate.evidence("erp", "requests")["records"]["requests"]
    return sorted(r["ts"] for r in rows)


@pytest.mark.parametrize("retry_after", [2, pytest.param(5, marks=pytest.mark.slow)])
def test_good_waits_for_retry_after(estate_factory, retry_after: int) -> None:
    estate = estate_factory("good")
    estate.fault("erp", path="/api/orders", methods=["POST"], status=429,
                 retry_after=retry_after, max_hits=1)
    _place(estate, 1)
    estate.wait_drained(timeout=retry_after + 10)
    times = _attempt_times(estate)
    assert len(times) == 2
    assert times[1] - times[0] >= retry_after - 0.05


def test_ignore_retry_after_retries_a_429_at_once(estate_factory) -> None:
    estate = estate_factory({"flags": ["ignore_retry_after"]})
    estate.fault("erp", path="/api/orders", methods=["POST"], status=429, retry_after=5,
                 max_hits=1)
    _place(estate, 1)
    estate.wait_drained(timeout=5)
    times = _attempt_times(estate)
    assert len(times) == 2
    assert times[1] - times[0] < 1.0


def _requests_during_503(estate, seconds: float) -> int:
    estate.fault("erp", path="/api/orders", methods=["POST"], status=503)
    _place(estate, 1)
    time.sleep(seconds)
    estate.clear_faults("erp")
    estate.wait_drained()
    return len(_attempt_times(estate))


def test_retry_storm_hammers_a_failing_erp_and_good_backs_off(estate_factory) -> None:
    # Same settings but the flag; base 0.5 s is the integration's default.
    storm = _requests_during_503(estate_factory({"flags": ["retry_storm"],
                                                 "backoff_base": 0.5}), 1.5)
    good = _requests_during_503(estate_factory({"backoff_base": 0.5}), 1.5)
    # good: 0.5 s doubling with full jitter → a few attempts in 1.5 s; storm: back to back
    assert good <= 8
    assert storm >= 4 * good and storm >= 15


def test_dead_letters_are_listed_and_replayed(estate_factory) -> None:
    estate = estate_factory({"max_attempts": 2, "backoff_base": 0.05})
    estate.fault("erp", path="/api/orders", methods=["POST"], status=503)
    ids = _place(estate, 3)
    estate.wait_drained()
    dead = estate.http.get(f"{estate.sim_url}/__admin/integration/dead-letters").json()
    assert sorted(d["increment_id"] for d in dead["items"]) == sorted(ids)
    assert all(d["attempts"] == 2 and d["last_error"] == "http 503" for d in dead["items"])
    estate.clear_faults("erp")
    r = estate.http.post(f"{estate.sim_url}/__admin/integration/dead-letters/replay",
                         json={"increment_ids": ids[:1]})
    assert r.json() == {"replayed": ids[:1]}
    estate.wait_drained()
    r = estate.http.post(f"{estate.sim_url}/__admin/integration/dead-letters/replay", json={})
    assert sorted(r.json()["replayed"]) == sorted(ids[1:])
    metrics = estate.wait_drained()
    assert metrics["dead_letters"] == 0 and metrics["exported"] == 3
    erp = estate.erp_orders()
    assert sorted(erp) == sorted(ids) and all(len(v) == 1 for v in erp.values())
    # replaying a letter that is no longer dead is refused
    r = estate.http.post(f"{estate.sim_url}/__admin/integration/dead-letters/replay",
                         json={"increment_ids": ids[:1]})
    assert r.status_code == 400


def test_export_lag_and_backlog_are_exposed(estate_factory) -> None:
    estate = estate_factory("good")
    estate.fp.disable("erp")
    _place(estate, 3)
    time.sleep(0.3)
    metrics = estate.integration()["metrics"]["export"]
    assert metrics["backlog"] == 3 and metrics["oldest_unexported_age_s"] > 0.2
    estate.fp.enable("erp")
    metrics = estate.wait_drained()
    assert metrics["export_lag_s"]["count"] == 3 and metrics["export_lag_s"]["p95"] > 0.2
