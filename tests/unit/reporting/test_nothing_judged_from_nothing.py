"""Issue 18, Deliver 2, end to end on run folders: finalize never gives exit 0 for a run that
judged nothing, or whose faults did not happen."""

from __future__ import annotations

from pathlib import Path

from peakready.reporting import finalize
from unit.checks.builder import HealthyRun

_ALL = ["no_oversell", "no_lost_orders", "no_duplicate_orders", "retry_discipline",
        "export_lag", "fallback_effective", "inventory_convergence", "crm_integrity",
        "checkout_slo", "sync_efficiency"]


def _failed_to_apply(run: HealthyRun, *, optional: bool | None) -> None:
    for line in run.faults:
        if line["event"] == "applied":
            line["outcome"] = "fault proxy: 500 proxy erp not found"
    run.faults = [line for line in run.faults if line["event"] == "applied"]
    if optional is not None:
        run.plan["faults"][0]["optional"] = optional


def test_a_fault_that_failed_to_apply_is_an_error_of_the_run(tmp_path: Path) -> None:
    run = HealthyRun()
    run.plan["checks"] = ["no_lost_orders"]
    _failed_to_apply(run, optional=None)       # required: the default
    result = finalize(run.write(tmp_path), console=False)
    assert result.exit_code == 3 and result.status == "error"
    assert result.error is not None
    assert "fault 0 (erp http 503) could not be applied: fault proxy: 500" in result.error
    assert "optional: true" in result.error
    html = (tmp_path / "run" / "report.html").read_text("utf-8")
    assert "could not be applied" in html


def test_an_optional_fault_that_failed_leaves_the_run_to_its_verdicts(tmp_path: Path) -> None:
    run = HealthyRun()
    run.plan["checks"] = ["no_lost_orders", "fallback_effective"]
    _failed_to_apply(run, optional=True)
    result = finalize(run.write(tmp_path), console=False)
    assert result.status == "complete" and result.exit_code == 0
    verdicts = {v.check: v for v in result.verdicts}
    assert verdicts["no_lost_orders"].status == "pass"
    # No window opened: the fallback check says so instead of passing.
    assert verdicts["fallback_effective"].status == "not_judged"


def test_a_run_without_orders_judges_nothing_and_exits_3(tmp_path: Path) -> None:
    run = HealthyRun(orders=0)
    run.erp_journal["routes"] = {}
    run.customers = [c for c in run.customers if c["id"] != 2]
    run.contacts = []
    run.erp_stock = []
    run.latency = [line for line in run.latency if line["kind"] == "request"]
    run.arrivals = []
    run.plan["checks"] = _ALL
    result = finalize(run.write(tmp_path), console=False)
    statuses = {v.check: v.status for v in result.verdicts}
    assert set(statuses.values()) == {"not_judged"}, statuses
    assert result.exit_code == 3
    junit = (tmp_path / "run" / "junit.xml").read_text("utf-8")
    assert junit.count("<skipped") == len(_ALL)


def test_no_checks_and_no_gates_exits_3(tmp_path: Path) -> None:
    run = HealthyRun()
    run.plan["checks"] = []
    run.plan["slo"] = {"gates": {}}
    result = finalize(run.write(tmp_path), console=False)
    assert result.verdicts == [] and result.exit_code == 3
