"""The selftest's matrix: its plans are valid, and misses and false alarms are counted right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from peakready.checks import CHECKS
from peakready.integration_flags import FLAGS
from peakready.reporting.result import VerdictRecord
from peakready.run.selftest import Matrix, RunOutcome
from peakready.run.selftest_cases import BUILTIN, CONNECTOR, QUICK, SCENARIOS, scenario_plan
from peakready.run.selftest_cli import render

CONNECTOR_DIR = Path(__file__).resolve().parents[3] / "examples" / "connector"


def test_every_integration_flag_has_a_case_with_a_registered_check() -> None:
    assert set(BUILTIN) == set(FLAGS.names())
    for case in [*BUILTIN.values(), *CONNECTOR.values()]:
        assert case.check in CHECKS and case.scenario in SCENARIOS
    assert set(QUICK) <= set(BUILTIN) and set(QUICK) <= set(CONNECTOR)


def test_every_check_has_a_case_and_the_connector_all_it_can_make_fail() -> None:
    assert {c.check for c in BUILTIN.values()} == set(CHECKS.names())
    # checkout_slo and fallback_effective judge Magento's own checkout: no connector part
    # (payment_integrity has one: the connector's invoices capture, or not, at the gateway)
    assert {c.check for c in CONNECTOR.values()} == \
        set(CHECKS.names()) - {"checkout_slo", "fallback_effective"}


def _connector_mistakes() -> set[str]:
    sys.path.insert(0, str(CONNECTOR_DIR))
    try:
        import mistakes  # examples/connector/mistakes.py
        return set(mistakes.MISTAKES)
    finally:
        sys.path.remove(str(CONNECTOR_DIR))


def test_every_connector_switch_has_a_case() -> None:
    assert set(CONNECTOR) == _connector_mistakes()


def test_the_connector_refuses_an_unknown_mistake_at_start() -> None:
    done = subprocess.run([sys.executable, str(CONNECTOR_DIR / "connector.py")],
                          env={"PEAKREADY_MAGENTO_URL": "http://127.0.0.1:9",
                               "PEAKREADY_MAGENTO_TOKEN": "t", "PEAKREADY_ERP_URL":
                               "http://127.0.0.1:9", "PEAKREADY_CRM_URL": "http://127.0.0.1:9",
                               "CONNECTOR_MISTAKES": "no_retry,no_retyr"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "unknown mistake 'no_retyr'" in done.stderr and "no_backoff" in done.stderr


@pytest.mark.parametrize("integration", ["builtin", "connector"])
def test_every_scenario_plan_is_valid_clean_and_with_each_of_its_mistakes(
        integration: str) -> None:
    known = BUILTIN if integration == "builtin" else CONNECTOR
    for case in known.values():
        scenario = SCENARIOS[case.scenario]
        plan = scenario_plan(scenario, integration, case.mistake)  # type: ignore[arg-type]
        clean = scenario_plan(scenario, integration)  # type: ignore[arg-type]
        if integration == "builtin":
            assert plan.target.integration.flags == [case.mistake]
            assert clean.target.integration.flags == []
        else:
            assert plan.target.integration.profile == "none"
            assert plan.target.connector is not None and clean.target.connector is not None
            assert plan.target.connector.env["CONNECTOR_MISTAKES"] == case.mistake
            assert clean.target.connector.env["CONNECTOR_MISTAKES"] == ""
        # Same plan but for the mistake: the faults and the load are the clean run's.
        assert plan.faults == clean.faults and plan.load == clean.load
        assert set(plan.checks) == set(CHECKS.names())


def _run(scenario: str, mistake: str | None, statuses: dict[str, str]) -> RunOutcome:
    run = RunOutcome("builtin", scenario, mistake, Path("/nowhere"))
    run.verdicts = [VerdictRecord(check=c, status=statuses.get(c, "pass"),  # type: ignore[arg-type]
                                  summary="s") for c in CHECKS.names()]
    return run


def test_a_caught_mistake_and_a_clean_run_are_ok() -> None:
    matrix = Matrix("builtin", [BUILTIN["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail", "export_lag": "fail"}),
        _run("erp-down", None, {})])
    assert matrix.caught() == ["no_retry"] and matrix.ok
    text = render(matrix)
    assert "CAUGHT" in text and "1/1 mistakes caught" in text and "0 false alarms" in text


@pytest.mark.parametrize("status", ["error", "not_judged", "pass"])
def test_a_check_that_does_not_fail_is_a_miss_not_a_catch(status: str) -> None:
    matrix = Matrix("builtin", [BUILTIN["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": status}), _run("erp-down", None, {})])
    assert matrix.misses() == ["no_retry"] and not matrix.ok
    assert f"MISSED no_retry: no_lost_orders {status}" in render(matrix)


@pytest.mark.parametrize("status", ["error", "fail"])
def test_a_clean_verdict_that_fails_or_errs_is_a_false_alarm(status: str) -> None:
    matrix = Matrix("builtin", [BUILTIN["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail"}),
        _run("erp-down", None, {"inventory_convergence": status})])
    assert matrix.false_alarms() == [("erp-down", "inventory_convergence", status)]
    assert not matrix.ok and "FALSE ALARM clean/erp-down" in render(matrix)


def test_a_clean_verdict_not_judged_is_listed_not_counted() -> None:
    matrix = Matrix("builtin", [BUILTIN["no_retry"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail"}),
        _run("erp-down", None, {"fallback_effective": "not_judged"})])
    assert matrix.false_alarms() == [] and matrix.ok
    text = render(matrix)
    assert "0 false alarms" in text and "clean erp-down: fallback_effective: s" in text


def test_a_mistake_whose_run_never_happened_is_not_ok() -> None:
    matrix = Matrix("builtin", [BUILTIN["no_retry"], BUILTIN["retry_storm"]], [
        _run("erp-down", "no_retry", {"no_lost_orders": "fail"}), _run("erp-down", None, {})])
    assert not matrix.ok
