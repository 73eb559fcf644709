"""SLO gates per window and judge(evidence, plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peakready.checks import CHECKS, RunEvidence, Verdict, judge
from peakready.config import parse_plan
from unit.checks.builder import T0, HealthyRun, hdr
from unit.checks.helpers import judge_one


def _slow(run: HealthyRun, start: float, end: float, ms: float, errors: int = 0) -> None:
    for line in run.latency:
        if line["kind"] == "journey" and T0 + start <= line["wall"] < T0 + end:
            line.update(hdr=hdr([ms, ms]), errors=errors)


def test_checkout_slo_passes_and_reports_every_window(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "checkout_slo")
    assert verdict.status == "pass", verdict.summary
    windows = verdict.figures["windows"]
    assert list(windows) == ["baseline", "erp http 503", "recovery", "whole"]
    assert windows["baseline"]["count"] == 80          # 20 s x 2 journeys x 2
    assert 390 <= windows["baseline"]["p95_ms"] <= 410
    assert windows["whole"]["judged"] is False          # with faults, the windows carry it


def test_checkout_slo_fails_in_the_window_that_breaks_the_gate(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 40, 50, 6100)
    verdict = judge_one(run, tmp_path, "checkout_slo")
    assert verdict.status == "fail"
    assert "recovery: p95 61" in verdict.summary and "> 2000 ms" in verdict.summary
    assert verdict.examples[0]["window"] == "recovery"


def test_during_faults_replaces_the_gate_inside_fault_windows(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 20, 30, 2500)
    slo: dict[str, Any] = {"checkout": {"p95_ms": 2000},
                           "during_faults": {"checkout": {"p95_ms": 3000}}}
    assert judge_one(run, tmp_path, "checkout_slo", slo=slo).status == "pass"
    strict = judge_one(run, tmp_path / "b", "checkout_slo", slo={"checkout": {"p95_ms": 2000}})
    assert strict.status == "fail" and "erp http 503: p95" in strict.summary


def test_error_rate_counts_errors_and_dropped_arrivals(tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    for row in run.arrivals[:10]:
        row["dropped"] = 3
    verdict = judge_one(run, tmp_path, "checkout_slo", slo={"checkout": {"error_rate": 0.1}})
    assert verdict.status == "fail"
    whole = verdict.figures["windows"]["whole"]
    assert (whole["dropped"], whole["count"]) == (30, 240)
    assert whole["error_rate"] == pytest.approx(30 / 270)


def test_checkout_slo_errors_without_histograms(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("latency.jsonl")
    assert judge_one(run, tmp_path, "checkout_slo").status == "error"


def _judge(run: HealthyRun, tmp_path: Path, **plan: Any) -> list[Verdict]:
    evidence = RunEvidence.load(run.write(tmp_path))
    return judge(evidence, parse_plan({"faults": run.plan["faults"], **plan}))


def test_judge_runs_the_plans_checks_then_one_verdict_per_other_gate(tmp_path: Path) -> None:
    verdicts = _judge(HealthyRun(), tmp_path, checks=["no_lost_orders", "checkout_slo"], slo={
        "checkout": {"p95_ms": 2000}, "GET /V1/products/[sku]": {"p99_ms": 10},
        "browse": {"p95_ms": 100}, "GET /V1/nowhere": {"p95_ms": 100}})
    assert [v.check for v in verdicts] == ["no_lost_orders", "checkout_slo",
                                           "slo:GET /V1/products/[sku]", "slo:browse",
                                           "slo:GET /V1/nowhere"]
    by_name = {v.check: v for v in verdicts}
    assert by_name["slo:GET /V1/products/[sku]"].status == "fail"     # 20 ms > 10 ms
    # A journey the load never ran: nothing to judge; a request name never seen: a typo.
    assert by_name["slo:browse"].status == "not_judged"
    assert "no browse journey" in by_name["slo:browse"].summary
    assert by_name["slo:GET /V1/nowhere"].status == "error"
    assert "no samples for 'GET /V1/nowhere'" in by_name["slo:GET /V1/nowhere"].summary


def test_the_checkout_gate_is_its_own_verdict_without_checkout_slo(tmp_path: Path) -> None:
    verdicts = _judge(HealthyRun(), tmp_path, checks=["no_lost_orders"])
    assert [v.check for v in verdicts] == ["no_lost_orders", "slo:checkout"]


def test_a_check_that_raises_is_an_error_not_a_crash(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(evidence: RunEvidence, plan: object) -> Verdict:
        raise ZeroDivisionError("oops")

    monkeypatch.setitem(CHECKS._items, "no_oversell", broken)
    (verdict, _) = _judge(HealthyRun(), tmp_path, checks=["no_oversell"])
    assert verdict.status == "error" and "ZeroDivisionError: oops" in verdict.summary


def test_every_check_is_registered() -> None:
    assert set(CHECKS.names()) == {
        "no_oversell", "no_lost_orders", "no_duplicate_orders", "retry_discipline",
        "inventory_convergence", "crm_integrity", "checkout_slo", "fallback_effective",
        "sync_efficiency", "export_lag", "order_lifecycle", "payment_integrity",
        "storefront_cache"}


def test_a_healthy_run_passes_every_check(tmp_path: Path) -> None:
    verdicts = _judge(HealthyRun(), tmp_path, checks=list(CHECKS.names()))
    # storefront_cache has nothing to judge in a REST-only run (no page is cacheable)
    expected = {**dict.fromkeys(CHECKS.names(), "pass"), "storefront_cache": "not_judged"}
    assert {v.check: v.status for v in verdicts} == expected


def test_a_killed_run_errors_every_check_that_reads_the_load(tmp_path: Path) -> None:
    run = HealthyRun()
    run.run["status"] = "interrupted"
    verdicts = {v.check: v.status for v in _judge(run, tmp_path, checks=list(CHECKS.names()))}
    # The load files (checkouts, histograms) are untrusted; evidence/ has its own manifest.
    assert {name for name, status in verdicts.items() if status == "error"} == {
        "no_lost_orders", "checkout_slo", "fallback_effective", "export_lag"}
    assert "pass" not in {verdicts[n] for n in ("no_lost_orders", "checkout_slo")}


def test_an_unknown_plan_check_is_a_config_error() -> None:
    from peakready.errors import ConfigError

    with pytest.raises(ConfigError, match=r"checks\.0 = 'no_oversel'.*did you mean 'no_oversell'"):
        parse_plan({"checks": ["no_oversel"]})
