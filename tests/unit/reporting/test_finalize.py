"""finalize(run_dir): result.json from a run folder, the reports, the console summary."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

from peakready.reporting import RunResult, finalize


def _plan(run: Path, **changes: object) -> None:
    path = run / "plan.yaml"
    plan = yaml.safe_load(path.read_text())
    plan.update(changes)
    path.write_text(yaml.safe_dump(plan))


def test_writes_result_reports_and_summary(make_run: Callable[..., Path]) -> None:
    run = make_run()
    out = io.StringIO()
    result = finalize(run, console=out)
    for name in ("result.json", "report.html", "junit.xml"):
        assert (run / name).is_file(), name
    saved = RunResult.model_validate_json((run / "result.json").read_text())
    assert saved.exit_code == result.exit_code == 0
    assert [w.name for w in saved.windows] == ["baseline", "erp down", "recovery", "whole"]
    assert saved.faults[0].applied_t == 20.0 and saved.faults[0].cleared_t == 30.0
    text = out.getvalue()
    assert "PASS" in text and "slo:checkout" in text and "erp down p95" in text


def test_stats_per_window_follow_the_fault(make_run: Callable[..., Path]) -> None:
    result = finalize(make_run(slow=6.0), console=False)
    base, fault = result.window_stats("baseline"), result.window_stats("erp down")
    assert base is not None and fault is not None
    # two checkout journeys, 2 a second each
    assert base.checkout.count == 20 * 4 and fault.checkout.count == 10 * 4
    assert base.checkout.p95_ms and fault.checkout.p95_ms
    assert fault.checkout.p95_ms > 3 * base.checkout.p95_ms
    route = fault.requests["GET /V1/route-00"]
    assert route.count == 10 * 20 and route.errors == 10
    assert route.error_rate == 0.05 and route.per_second == 20.0
    assert fault.arrivals == {"offered": 100, "started": 100, "dropped": 0}
    whole = result.window_stats("whole")
    assert whole is not None and whole.checkout.per_second == 4.0   # the drain has no load


def test_fault_impact(make_run: Callable[..., Path]) -> None:
    result = finalize(make_run(), console=False)
    [impact] = result.impact
    assert impact.label == "erp down"
    assert impact.delta_p95_ms is not None and impact.delta_p95_ms > 0
    # Orders placed in the window wait for the fault to clear (up to 10 s + 3 s): with the
    # default 30 s export-lag limit none is delayed; the lag p95 shows the wait.
    assert impact.orders_in_window == 20 and impact.orders_delayed == 0
    assert impact.export_lag_p95_s is not None and 5 < impact.export_lag_p95_s < 14
    # the witnesses' backlog: the window's 20 orders all wait until it clears (at 30 s)
    assert impact.backlog_peak == 20 and impact.orders_never_exported == 0
    assert impact.recovered is True and impact.time_to_recover_s is not None
    assert 0 <= impact.time_to_recover_s <= 3.0        # the last one arrives up to 3 s later
    assert {"backend", "export_lag", "traffic", "latency", "errors", "requests_p95"} <= \
        set(result.series)


def test_orders_lost_in_a_fault_are_never_a_recovery(make_run: Callable[..., Path]) -> None:
    # no_retry: the orders placed while the ERP was down never arrive, the later ones flow;
    # the witnesses say so whatever the integration's own counters would have said
    run = make_run(lost_in_faults=True)
    result = finalize(run, console=False)
    [impact] = result.impact
    assert impact.recovered is False and impact.time_to_recover_s is None
    assert impact.orders_never_exported == 20
    backlog = result.series["backend"].values["erp_backlog"]
    assert backlog[-1] == 20                                # still waiting after the drain
    assert "not recovered: 20 orders never reached the ERP" in (run / "report.html").read_text()


def test_a_tight_gate_fails_with_numbers(make_run: Callable[..., Path]) -> None:
    run = make_run()
    _plan(run, slo={"checkout": {"p95_ms": 900}, "during_faults": {"checkout": {"p95_ms": 1000}}})
    result = finalize(run, console=False)
    assert result.exit_code == 1
    gate = next(v for v in result.verdicts if v.check == "slo:checkout")
    assert gate.status == "fail"
    judged = {(r.window, r.ok) for r in result.slo if r.metric == "p95_ms"}
    assert ("erp down", False) in judged and ("whole", None) in judged
    suite = ET.fromstring((run / "junit.xml").read_text()).find(
        "testsuite[@name='peakready.synthetic.slo']")
    assert suite is not None and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='slo:checkout']/failure")
    assert failure is not None
    assert "erp down" in failure.get("message", "") and "> 1000 ms" in failure.get("message", "")
    assert "limit 1000 ms) OVER" in (failure.text or "")


def test_secrets_never_reach_the_result(make_run: Callable[..., Path]) -> None:
    run = make_run()
    _plan(run, target={"integration": "none", "connector": {
        "command": ["python", "c.py"], "env": {"ERP_API_TOKEN": "s3cr3t-value"}}})
    finalize(run, console=False)
    for name in ("result.json", "report.html", "junit.xml"):
        assert "s3cr3t-value" not in (run / name).read_text(), name


def test_missing_latency_is_noted_and_never_a_pass(make_run: Callable[..., Path]) -> None:
    run = make_run()
    (run / "latency.jsonl").unlink()
    result = finalize(run, console=False)
    assert result.exit_code == 3
    assert any("latency" in note for note in result.notes)
    assert all(v.status == "error" for v in result.verdicts)
    assert set(result.series) &{"latency", "errors", "requests_p95"} == set()
    assert set(result.series["traffic"].values) == {"offered/s", "started/s", "dropped/s"}


def test_an_interrupted_run_reports_what_it_had(make_run: Callable[..., Path]) -> None:
    run = make_run(status="interrupted")
    with (run / "latency.jsonl").open("a") as handle:
        handle.write('{"t": 61, "kind": "request", "na')     # the master killed mid-line
    result = finalize(run, console=False)
    assert result.status == "interrupted" and result.exit_code == 3
    junit = ET.fromstring((run / "junit.xml").read_text())
    assert junit.find("testsuite[@name='peakready.synthetic.run']/testcase/error") is not None


def test_capacity_file_is_carried_into_the_result(make_run: Callable[..., Path]) -> None:
    run = make_run()
    (run / "capacity.json").write_text(json.dumps({
        "sustainable_orders_per_minute": 120.0, "knee_orders_per_minute": 135.0,
        "target_orders_per_minute": 100.0, "headroom": 0.2, "steps": [
            {"orders_per_minute": 60, "p95_ms": 400, "ok": True},
            {"orders_per_minute": 150, "p95_ms": 4000, "ok": False, "reasons": ["p95"]}]}))
    out = io.StringIO()
    result = finalize(run, console=out)
    assert result.capacity is not None and result.capacity.headroom == 0.2
    assert "120 orders/min sustainable (knee 135)" in out.getvalue()
    assert 'id="chart-capacity"' in (run / "report.html").read_text()


def test_capacity_below_the_forecast_fails_the_run(make_run: Callable[..., Path]) -> None:
    run = make_run()
    (run / "capacity.json").write_text(json.dumps({
        "sustainable_orders_per_minute": 80.0, "target_orders_per_minute": 100.0,
        "headroom": -0.2, "summary": "holds 80 orders/min", "steps": [
            {"orders_per_minute": 80, "p95_ms": 900, "ok": True},
            {"orders_per_minute": 120, "p95_ms": 4000, "ok": False}]}))
    result = finalize(run, console=False)
    assert result.exit_code == 1
    verdict = next(v for v in result.verdicts if v.check == "capacity")
    assert verdict.status == "fail" and verdict.figures["headroom"] == -0.2
    junit = ET.fromstring((run / "junit.xml").read_text())
    assert junit.find(".//testcase[@name='capacity']/failure") is not None
    assert '<span class="bad">-20%</span>' in (run / "report.html").read_text()
