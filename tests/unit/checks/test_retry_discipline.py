"""retry_discipline on synthetic ERP request evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unit.checks.builder import T0, HealthyRun
from unit.checks.helpers import judge_one


def _retimed(run: HealthyRun, gaps: list[float], status: int = 503,
             retry_after: float | None = None, orders: int = 8) -> None:
    """Give the first ``orders`` orders the same attempt pattern: failures then a 201."""
    requests: list[dict[str, Any]] = []
    for n, order in enumerate(run.erp_orders[:orders]):
        increment = order["increment_id"]
        start = T0 + 21 + n * 0.01
        times = [start]
        for gap in gaps:
            times.append(times[-1] + gap)
        for k, ts in enumerate(times):
            last = k == len(times) - 1
            requests.append({"ts": ts, "increment_id": increment, "idempotency_key": increment,
                             "status": 201 if last else status, "request_id": f"{n}-{k}",
                             "retry_after": None if last else retry_after,
                             **({"outcome": "created"} if last else {})})
        order["received_ts"] = times[-1]
    keep = {o["increment_id"] for o in run.erp_orders[:orders]}
    run.erp_requests = sorted([r for r in run.erp_requests if r["increment_id"] not in keep]
                              + requests, key=lambda r: r["ts"])


def test_passes_on_bounded_backed_off_jittered_retries(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "retry_discipline")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["orders_retried"] == 8 and verdict.figures["max_attempts"] == 4
    assert verdict.figures["backoff_growth"] >= 1.5
    assert verdict.figures["amplification"]["erp http 503"]["ratio"] <= 5


def test_fails_over_the_attempt_cap(tmp_path: Path) -> None:
    run = HealthyRun()
    # Growing, jittered gaps: only the count is wrong.
    _retimed(run, [0.1 * 1.6 ** k for k in range(12)], orders=1)
    verdict = judge_one(run, tmp_path, "retry_discipline", thresholds={
        "max_amplification": 50})
    assert verdict.status == "fail"
    assert "1 orders over 10 attempts (max 13)" in verdict.summary


def test_fails_on_immediate_retries_a_retry_storm(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [0.003] * 6)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail" and "retries are immediate" in verdict.summary
    assert "amplification" not in verdict.summary or "x >" in verdict.summary


def test_fails_when_gaps_do_not_grow(tmp_path: Path) -> None:
    run = HealthyRun()
    # Constant 1 s gaps, jittered per order (so only the backoff is wrong).
    requests: list[dict[str, Any]] = []
    for n, order in enumerate(run.erp_orders[:8]):
        gap = 1.0 + 0.1 * n
        for k in range(4):
            requests.append({"ts": T0 + 1 + n + k * gap, "increment_id": order["increment_id"],
                             "status": 201 if k == 3 else 503, "request_id": f"{n}{k}"})
    keep = {o["increment_id"] for o in run.erp_orders[:8]}
    run.erp_requests = sorted([r for r in run.erp_requests if r["increment_id"] not in keep]
                              + requests, key=lambda r: r["ts"])
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail" and "no backoff" in verdict.summary
    assert "no jitter" not in verdict.summary


def test_fails_on_lock_step_retries_without_jitter(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [0.5, 1.0, 2.0])
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail" and "no jitter" in verdict.summary
    assert "no backoff" not in verdict.summary


def test_fails_on_an_attempt_before_the_retry_after_served(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [0.01, 5.2], status=429, retry_after=5.0, orders=3)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail"
    assert "3 attempts earlier than the Retry-After served" in verdict.summary
    assert verdict.examples[0]["retry_after_s"] == 5.0


def test_retry_after_is_reconstructed_from_the_fault_when_the_record_lacks_it(
        tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    run.add_fault(20.0, 10.0, "erp http 429", "mock:erp",
                  {"mock": "erp", "http": {"status": 429, "retry_after": 5}})
    _retimed(run, [0.01, 5.2], status=429, orders=3)
    for r in run.erp_requests:
        r.pop("retry_after", None)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail" and "earlier than the Retry-After" in verdict.summary


def test_waiting_out_retry_after_passes_though_the_gaps_are_equal(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [5.0, 5.0, 5.0], status=429, retry_after=5.0)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "pass", verdict.summary


def test_fails_on_request_amplification_in_a_fault_window(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [0.05 * 1.3 ** k + 0.01 * (k % 3) for k in range(8)], orders=8)
    verdict = judge_one(run, tmp_path, "retry_discipline", thresholds={
        "max_amplification": 2})
    assert verdict.status == "fail" and "erp http 503:" in verdict.summary
    assert "x > 2x" in verdict.summary


def test_errors_without_the_erp_request_log(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("erp/requests.jsonl")
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "error" and "requests.jsonl" in verdict.summary


def test_counts_stay_exact_while_examples_stay_at_twenty(tmp_path: Path) -> None:
    run = HealthyRun(orders=30)
    _retimed(run, [0.1 * 1.6 ** k + 0.01 * k for k in range(11)], orders=30)
    verdict = judge_one(run, tmp_path, "retry_discipline", thresholds={
        "max_amplification": 50})
    assert verdict.status == "fail" and "30 orders over 10 attempts" in verdict.summary
    assert "and 25 more" in verdict.summary
    assert verdict.figures["orders_over_cap"] == 30 and len(verdict.examples) == 20


def _rate_limited(run: HealthyRun) -> None:
    """A 20 s HTTP 429 window with Retry-After 2 s (the issue's case)."""
    run.faults.clear()
    run.plan["faults"].clear()
    run.add_fault(20.0, 20.0, "erp http 429", "mock:erp",
                  {"mock": "erp", "http": {"status": 429, "retry_after": 2}})


def test_a_client_honouring_every_retry_after_is_not_amplifying(tmp_path: Path) -> None:
    # Every retry waits exactly the 2 s the server asked for: 9 retries each inside the
    # window, asked for by the server. This failed before issue 18 ("5.5x > 5x").
    run = HealthyRun()
    _rate_limited(run)
    _retimed(run, [2.0] * 9, status=429, retry_after=2.0)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "pass", verdict.summary
    window = verdict.figures["amplification"]["erp http 429"]
    assert window["asked_by_retry_after"] == 72 and window["ratio"] < 2.0
    assert window["requests"] / window["orders"] > 5     # what was counted before


def test_a_storm_in_the_same_window_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    _rate_limited(run)
    _retimed(run, [0.1 * 1.3 ** k for k in range(9)], status=429, retry_after=2.0)
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "fail"
    assert "earlier than the Retry-After served" in verdict.summary
    assert "erp http 429: " in verdict.summary and "x > 5x" in verdict.summary


def test_too_few_retried_orders_say_backoff_and_jitter_are_not_judged(tmp_path: Path) -> None:
    run = HealthyRun()
    _retimed(run, [0.2, 0.4, 0.8], orders=3)
    retried = {o["increment_id"] for o in run.erp_orders[:3]}
    run.erp_requests = [r for r in run.erp_requests     # the other orders: one 201 each
                        if r["increment_id"] in retried or r["status"] == 201]
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "pass", verdict.summary
    assert "backoff not judged: 3 orders retried three times or more" in verdict.summary
    assert "jitter not judged: 3 retried orders" in verdict.summary
    assert verdict.figures["backoff_judged"] is False


def test_no_erp_request_is_not_judged(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_requests = []
    verdict = judge_one(run, tmp_path, "retry_discipline")
    assert verdict.status == "not_judged" and "no order request" in verdict.summary
