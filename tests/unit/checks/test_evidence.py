"""RunEvidence reads a run folder in the documented format; windows come from faults.jsonl."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.checks import EvidenceError, RunEvidence
from unit.checks.builder import T0, HealthyRun


def test_windows_are_baseline_each_applied_fault_recovery_and_whole(tmp_path: Path) -> None:
    run = HealthyRun()
    run.add_fault(40.0, 5.0, "shipping down", "proxy:shipping", {"proxy": "shipping",
                                                                "down": True})
    evidence = RunEvidence.load(run.write(tmp_path))
    got = [(w.name, w.kind, w.start - T0, w.end - T0) for w in evidence.windows]
    assert got == [("baseline", "baseline", 0, 20), ("erp http 503", "fault", 20, 30),
                   ("shipping down", "fault", 40, 45), ("recovery", "recovery", 45, 60),
                   ("whole", "whole", 0, 70)]
    assert evidence.window("shipping down").service == "shipping"
    assert evidence.end == T0 + 70        # the evidence export, after the drain


def test_no_faults_means_baseline_is_the_load_and_no_recovery(tmp_path: Path) -> None:
    evidence = RunEvidence.load(HealthyRun(fault=None).write(tmp_path))
    assert [(w.name, w.end - T0) for w in evidence.windows] == [("baseline", 60), ("whole", 70)]


def test_a_fault_never_cleared_closes_at_test_stop_and_says_so(tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    run.add_fault(50.0, 5.0, "erp down", "proxy:erp", {"proxy": "erp", "down": True},
                  cleared=False)
    window = RunEvidence.load(run.write(tmp_path)).window("erp down")
    assert (window.end - T0, window.cleared) == (60, False)


def test_a_fault_that_failed_to_apply_opens_no_window(tmp_path: Path) -> None:
    run = HealthyRun()
    run.faults[0]["outcome"] = "proxy refused: 500"
    assert [w.kind for w in RunEvidence.load(run.write(tmp_path)).windows] == [
        "baseline", "whole"]


def test_same_labels_are_told_apart_by_index(tmp_path: Path) -> None:
    run = HealthyRun()
    run.add_fault(40.0, 5.0, "erp http 503", "mock:erp", {"mock": "erp", "http": {
        "status": 503}})
    names = [w.name for w in RunEvidence.load(run.write(tmp_path)).fault_windows()]
    assert names == ["erp http 503 #0", "erp http 503 #1"]


def test_bounds_fall_back_to_control_jsonl(tmp_path: Path) -> None:
    run = HealthyRun()
    del run.run["test_start_wall"], run.run["test_stop_wall"]
    run.control = [{"event": "test_start", "wall": T0 + 1}, {"event": "test_stop",
                                                             "wall": T0 + 59}]
    evidence = RunEvidence.load(run.write(tmp_path))
    assert (evidence.test_start, evidence.test_stop) == (T0 + 1, T0 + 59)


def test_records_are_compact_and_cached(tmp_path: Path) -> None:
    evidence = RunEvidence.load(HealthyRun().write(tmp_path))
    assert len(evidence.checkouts()) == 20 and evidence.checkouts() is evidence.checkouts()
    order = evidence.magento_orders()[0]
    assert (order.increment_id, order.items) == ("000000001", (("SKU-2", 1.0),))
    attempts = evidence.erp_attempts()["000000002"]
    assert list(attempts.status) == [503, 503, 503, 201] and attempts.keyed


def test_missing_run_folder_is_an_evidence_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="no such run folder"):
        RunEvidence.load(tmp_path / "nope")


def test_a_killed_run_makes_the_load_files_untrusted(tmp_path: Path) -> None:
    run = HealthyRun()
    run.run["status"] = "interrupted"
    evidence = RunEvidence.load(run.write(tmp_path))
    with pytest.raises(EvidenceError, match="interrupted"):
        evidence.checkouts()


def test_missing_run_json_makes_the_load_files_untrusted(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("run.json")
    with pytest.raises(EvidenceError, match=r"run\.json is missing"):
        RunEvidence.load(run.write(tmp_path)).latency()


def test_a_partial_last_line_is_truncation(tmp_path: Path) -> None:
    run_dir = HealthyRun().write(tmp_path)
    path = run_dir / "checkouts.jsonl"
    path.write_bytes(path.read_bytes() + b'{"journey": "guest_ch')
    with pytest.raises(EvidenceError, match="truncated"):
        RunEvidence.load(run_dir).checkouts()


def test_fewer_lines_than_the_manifest_counted_is_truncation(tmp_path: Path) -> None:
    run_dir = HealthyRun().write(tmp_path)
    path = run_dir / "evidence" / "erp" / "orders.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-3]))
    with pytest.raises(EvidenceError, match="17 records, the export manifest counted 20"):
        RunEvidence.load(run_dir).erp_orders()


def test_a_failed_export_names_its_source(tmp_path: Path) -> None:
    run = HealthyRun()
    run.manifest_overrides = {"complete": False, "errors": ["crm: connection refused"]}
    evidence = RunEvidence.load(run.write(tmp_path))
    with pytest.raises(EvidenceError, match="crm failed: crm: connection refused"):
        list(evidence.records("crm/contacts.jsonl"))
    assert len(evidence.erp_orders()) == 20     # the other sources are still trusted


def test_missing_manifest_means_no_evidence_file_is_trusted(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("manifest.json")
    evidence = RunEvidence.load(run.write(tmp_path))
    with pytest.raises(EvidenceError, match="export did not finish"):
        evidence.erp_orders()


def test_missing_faults_jsonl_makes_windows_unknown(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("faults.jsonl")
    with pytest.raises(EvidenceError, match="fault windows are unknown"):
        _ = RunEvidence.load(run.write(tmp_path)).windows


def test_plan_yaml_is_the_runs_plan(tmp_path: Path) -> None:
    plan = RunEvidence.load(HealthyRun().write(tmp_path)).plan()
    assert plan.name == "synthetic" and plan.faults[0].mock == "erp"


def test_an_export_error_names_the_files_it_spoils(tmp_path: Path) -> None:
    run = HealthyRun()
    run.manifest_overrides = {"complete": False, "errors": ["erp stock: timed out"]}
    evidence = RunEvidence.load(run.write(tmp_path))
    with pytest.raises(EvidenceError, match="timed out"):
        list(evidence.records("erp/stock.jsonl"))
    assert len(evidence.erp_orders()) == 20     # erp/orders.jsonl is not the stock export


def test_a_plan_without_faults_needs_no_faults_jsonl(tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    run.omit.add("faults.jsonl")
    evidence = RunEvidence.load(run.write(tmp_path))
    assert [w.name for w in evidence.windows] == ["baseline", "whole"]
