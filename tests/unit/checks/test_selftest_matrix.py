"""The selftest's matrix: its plans are valid, and misses and false alarms are counted right."""

from __future__ import annotations

from pathlib import Path

from peakready.checks import CHECKS, Verdict
from peakready.checks.selftest import Matrix, RunOutcome
from peakready.checks.selftest_cli import render
from peakready.checks.selftest_plans import CASES, QUICK, SCENARIOS, scenario_plan
from peakready.integration_flags import FLAGS


def test_every_integration_flag_has_a_case_with_a_registered_check() -> None:
    assert set(CASES) == set(FLAGS.names())
    for case in CASES.values():
        assert case.check in CHECKS and case.scenario in SCENARIOS
    assert set(QUICK) <= set(CASES)


def test_every_scenario_plan_is_valid_for_good_and_for_each_of_its_flags() -> None:
    for case in CASES.values():
        plan = scenario_plan(SCENARIOS[case.scenario], [case.flag])
        good = scenario_plan(SCENARIOS[case.scenario], [])
        assert plan.target.integration.flags == [case.flag]
        assert good.target.integration.flags == []
        # Same plan but for the flag: the faults and the load are the good run's.
        assert plan.faults == good.faults and plan.load == good.load
        assert set(plan.checks) == set(CHECKS.names())


def _run(scenario: str, flag: str | None, statuses: dict[str, str]) -> RunOutcome:
    run = RunOutcome(scenario, flag, Path("/nowhere"))
    run.verdicts = [Verdict(c, statuses.get(c, "pass"), "s")  # type: ignore[arg-type]
                    for c in CHECKS.names()]
    return run


def test_a_caught_flag_and_a_clean_good_run_are_ok() -> None:
    matrix = Matrix([CASES["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail", "export_lag": "fail"}),
        _run("erp-down", None, {})])
    assert matrix.caught() == ["no_retry"] and matrix.ok
    text = render(matrix)
    assert "CAUGHT" in text and "1/1 flags caught" in text and "0 false alarms" in text


def test_a_check_that_errors_is_a_miss_not_a_catch() -> None:
    matrix = Matrix([CASES["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "error"}), _run("erp-down", None, {})])
    assert matrix.misses() == ["no_retry"] and not matrix.ok
    assert "MISSED no_retry: no_lost_orders error" in render(matrix)


def test_any_good_verdict_that_is_not_a_pass_is_a_false_alarm() -> None:
    matrix = Matrix([CASES["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail"}),
        _run("erp-down", None, {"inventory_convergence": "error"})])
    assert matrix.false_alarms() == [("erp-down", "inventory_convergence", "error")]
    assert not matrix.ok and "FALSE ALARM good/erp-down" in render(matrix)


def test_a_flag_whose_run_never_happened_is_not_ok() -> None:
    matrix = Matrix([CASES["no_retry"], CASES["retry_storm"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail"}), _run("erp-down", None, {})])
    assert not matrix.ok
