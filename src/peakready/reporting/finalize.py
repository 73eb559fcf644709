"""``finalize(run_dir)``: judge a run folder, write result.json, render every report format.

::

    run_dir ──RunEvidence.load──► evidence ──peakready.checks.judge(evidence, plan)──► verdicts
                                     │
                                     ├── latency.jsonl / arrivals.jsonl ──► stats, series
                                     ├── windows, faults.jsonl ──► SLO table, fault impact
                                     └── capacity.json (written by the capacity search)
    RunResult ──► result.json ──► FORMATS: report.html, junit.xml ──► console summary

The orchestrator calls it at the end of every run (and exits with ``RunResult.exit_code``);
``peakready report DIR`` calls it again on the files alone. It never raises for a gap in the
evidence: what is missing becomes a note, and the checks that needed it become ``error``.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from peakready import __version__
from peakready.checks import EvidenceError, RunEvidence, judge
from peakready.config import Plan, parse_plan
from peakready.errors import PeakreadyError
from peakready.measure.backlog import Backlog, backlog_series, settled_at
from peakready.measure.latency import collect
from peakready.measure.orders import export_lags
from peakready.reporting.analysis import (
    backend_series,
    fault_impact,
    fault_records,
    slo_rows,
    window_records,
)
from peakready.reporting.console import render_console
from peakready.reporting.formats import FORMATS
from peakready.reporting.inputs import Reader
from peakready.reporting.result import (
    CapacityResult,
    RunResult,
    RunStatus,
    Timings,
    VerdictRecord,
)
from peakready.reporting.stats import build_series, window_stats
from peakready.safety import redact_mapping

__all__ = ["CAPACITY_FILE", "build_result", "capacity_verdict", "finalize", "render_all",
           "unapplied_faults"]

log = logging.getLogger("peakready.reporting")
CAPACITY_FILE = "capacity.json"


def _plan(evidence: RunEvidence, notes: list[str]) -> tuple[Plan, str | None]:
    try:
        return evidence.plan(), None
    except PeakreadyError as exc:
        notes.append(f"plan.yaml: {exc}")
        return parse_plan({}), f"the run's plan could not be read: {exc}"


def _capacity(run_dir: Path, notes: list[str]) -> CapacityResult | None:
    path = run_dir / CAPACITY_FILE
    if not path.is_file():
        return None
    try:
        return CapacityResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        notes.append(f"{CAPACITY_FILE}: unreadable ({exc})")
        return None


def capacity_verdict(capacity: CapacityResult) -> VerdictRecord:
    """The capacity search's own verdict: the forecast held, or not (DESIGN §4 exit 1)."""
    figures = {"sustainable_orders_per_minute": capacity.sustainable_orders_per_minute,
               "target_orders_per_minute": capacity.target_orders_per_minute,
               "headroom": capacity.headroom, "knee_orders_per_minute":
               capacity.knee_orders_per_minute}
    examples = [{"orders_per_minute": s.orders_per_minute, "p95_ms": s.p95_ms,
                 "error_rate": s.error_rate, "ok": s.ok} for s in capacity.steps][:20]
    held = capacity.sustainable_orders_per_minute is not None and (
        capacity.headroom is None or capacity.headroom >= 0)
    return VerdictRecord(check="capacity", status="pass" if held else "fail",
                         summary=capacity.summary, figures=figures, examples=examples)


def unapplied_faults(lines: list[dict[str, Any]], plan: Plan) -> list[str]:
    """The plan's required faults whose application failed (faults.jsonl ``outcome`` not ok):
    the run was not the run the plan asked for, so it is an error (DESIGN §4, exit 3)."""
    failed: dict[int, str] = {}
    for line in lines:
        index = line.get("fault")
        outcome = line.get("outcome", "ok")
        if line.get("event") != "applied" or not isinstance(index, int) or outcome == "ok":
            continue
        planned = plan.faults[index] if 0 <= index < len(plan.faults) else None
        if planned is not None and planned.optional:
            continue
        label = line.get("label") or (planned.label if planned else f"fault {index}")
        failed.setdefault(index, f"fault {index} ({label}) could not be applied: {outcome}")
    return [failed[i] for i in sorted(failed)]


def build_result(run_dir: Path) -> RunResult:
    """Judge and measure a run folder into a :class:`RunResult` (writes nothing)."""
    evidence = RunEvidence.load(run_dir)
    reader = Reader(evidence)
    plan, plan_error = _plan(evidence, reader.notes)
    start = evidence.test_start
    load_s = max(evidence.test_stop - start, 0.0)
    verdicts = judge(evidence, plan)

    windows = reader.get(lambda: evidence.windows)
    records = window_records(windows, start)
    arrivals = reader.get(evidence.arrivals)
    try:
        samples = evidence.samples()
    except EvidenceError as exc:     # no latency lines: the arrivals still draw their series
        reader.notes.append(str(exc))
        samples = collect([], arrivals, start)
    unreadable = samples.unreadable_of(samples.raw)
    if unreadable:
        reader.notes.append(f"latency.jsonl: {unreadable} histograms unreadable")
    stats = window_stats(samples, windows, load_s)
    timeline = reader.get(evidence.timeline)
    placed = reader.order_times()
    received = reader.erp_received()
    lags = export_lags(placed, received) if received else {}
    settled = settled_at(received, reader.erp_refused())
    # Once a second, or coarser for a very long run (the chart needs no more points).
    backlog = backlog_series(placed, settled, start, evidence.end,
                             step=max(1.0, (evidence.end - start) / 20_000)) if start else \
        Backlog()
    series = build_series(samples)
    series.update(backend_series(timeline, start, placed, lags, settled, backlog))

    records_of_verdicts = [VerdictRecord.of(v) for v in verdicts]
    capacity = _capacity(run_dir, reader.notes)
    if capacity is not None:
        records_of_verdicts.append(capacity_verdict(capacity))
    run: dict[str, Any] = evidence.run
    status: RunStatus = "error"
    if run.get("status") in ("complete", "interrupted"):
        status = run["status"]
    error = run.get("error") or (None if run else "run.json is missing: the run did not finish")
    unapplied = unapplied_faults(evidence.fault_lines, plan)
    if unapplied and not plan_error:
        status = "error"
        error = "; ".join([*unapplied, *([str(error)] if error else [])]) + \
            " (a fault the run may do without is marked optional: true in the plan)"
    if plan_error:
        status, error = "error", plan_error
    return RunResult(
        peakready_version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        run_dir=str(run_dir), plan_name=plan.name, status=status,
        error=None if error is None else str(error),
        timings=Timings(started_at=run.get("started_at"), ended_at=run.get("ended_at"),
                        test_start_wall=start or None, test_stop_wall=evidence.test_stop or None,
                        duration_s=round(load_s, 3), drain=dict(run.get("drain") or {}),
                        workers=run.get("workers") if isinstance(run.get("workers"), int)
                        else None),
        plan=redact_mapping(plan.to_json()),
        windows=records,
        faults=fault_records(evidence.fault_lines, plan),
        stats=stats,
        slo=slo_rows(records_of_verdicts, records),
        impact=fault_impact(plan, windows, stats, placed, lags, settled, backlog)
        if windows else [],
        series=series,
        verdicts=records_of_verdicts,
        capacity=capacity,
        notes=reader.notes,
    )


def render_all(result: RunResult, run_dir: Path) -> list[Path]:
    """Write every registered format (report.html, junit.xml) from the result alone."""
    written = []
    for name, fmt in FORMATS.items().items():
        path = run_dir / fmt.filename
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(fmt.render(result), encoding="utf-8")
        tmp.replace(path)
        log.debug("wrote %s (%s)", path, name)
        written.append(path)
    return written


def finalize(run_dir: Path, *, console: bool | TextIO = True) -> RunResult:
    """Judge ``run_dir``, write result.json and the reports, print the summary to ``console``
    (True: standard output; False: nowhere). Returns the result (``exit_code`` for the CLI)."""
    run_dir = Path(run_dir)
    result = build_result(run_dir)
    result.write(run_dir)
    render_all(result, run_dir)
    if console:
        stream = sys.stdout if console is True else console
        stream.write(render_console(result))
        stream.flush()
    return result
