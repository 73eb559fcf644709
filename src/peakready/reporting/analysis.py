"""Derived tables of ``result.json``: windows, faults as applied, the SLO table, fault impact.

::

    checks' windows (walls) ──► WindowRecord (t since test_start)
    faults.jsonl ──► FaultRecord (applied / cleared, outcome)
    gate verdicts' per-window figures ──► SloRow (what peakready.checks.slo judged)
    per fault: window stats vs baseline, orders placed in it vs the ERP's receipt times,
               backlog and recovery (peakready.measure.backlog) ──► FaultImpact
    backlog at the witness samples + their stock divergence, export lag ──► back-end series
    (orders acknowledged and their export lags: peakready.measure.orders, as the checks read)

The SLO table lays out the numbers the checks' gates judged; it decides nothing on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from peakready.config import Plan
from peakready.measure.backlog import Backlog, backlog_at, recovery
from peakready.measure.quantile import percentile
from peakready.measure.windows import Window
from peakready.reporting.result import (
    FaultImpact,
    FaultRecord,
    LatencyStats,
    Metric,
    Series,
    SloRow,
    VerdictRecord,
    WindowRecord,
    WindowStats,
)

__all__ = ["backend_series", "fault_impact", "fault_records", "slo_rows", "window_records"]

_METRICS: tuple[Metric, ...] = ("p50_ms", "p95_ms", "p99_ms", "error_rate")


def window_records(windows: Sequence[Window], test_start: float) -> list[WindowRecord]:
    return [WindowRecord(name=w.name, kind=w.kind, start_t=round(w.start - test_start, 3),
                         end_t=round(w.end - test_start, 3), fault=w.fault, label=w.label,
                         target=w.target) for w in windows]


def fault_records(lines: Sequence[Mapping[str, Any]], plan: Plan) -> list[FaultRecord]:
    records: dict[int, FaultRecord] = {}
    for line in lines:
        index = line.get("fault")
        if not isinstance(index, int):
            continue
        planned = plan.faults[index] if 0 <= index < len(plan.faults) else None
        record = records.get(index)
        if record is None:
            record = records[index] = FaultRecord(
                fault=index, label=str(line.get("label") or (planned.label if planned else index)),
                target=str(line.get("target") or (planned.target if planned else "?")),
                planned_at=_num(line.get("planned_at")), planned_for=_num(line.get("planned_for")),
                spec=dict(line.get("spec") or {}))
        t = _num(line.get("t"))
        if line.get("event") == "applied":
            record.applied_t = t
            record.outcome = str(line.get("outcome", "ok"))
        elif line.get("event") == "cleared":
            record.cleared_t = t
            if line.get("outcome", "ok") != "ok" and record.outcome == "ok":
                record.outcome = f"cleared with: {line.get('outcome')}"
    return [records[i] for i in sorted(records)]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def slo_rows(verdicts: Sequence[VerdictRecord], windows: Sequence[WindowRecord]) -> list[SloRow]:
    """The gates' own per-window figures (peakready.checks.slo) laid out as rows, so the table
    shows exactly what was judged: a window the gate did not judge (``whole`` of a run with
    faults) has ``ok`` None."""
    kinds = {w.name: w.kind for w in windows}
    rows: list[SloRow] = []
    for verdict in verdicts:
        gate = verdict.gate
        per_window = verdict.figures.get("windows")
        if gate is None or not isinstance(per_window, Mapping):
            continue
        for window in (w.name for w in windows):
            figures = per_window.get(window)
            if not isinstance(figures, Mapping):
                continue
            limits = figures.get("limits") or {}
            judged = bool(figures.get("judged")) and isinstance(limits, Mapping)
            if not judged:
                limits = _limits_of_whole(per_window)
            for metric in _METRICS:
                threshold = limits.get(metric) if isinstance(limits, Mapping) else None
                if not isinstance(threshold, int | float):
                    continue
                measured = _num(figures.get(metric))
                rows.append(SloRow(
                    gate=gate, window=window, metric=metric, threshold=float(threshold),
                    measured=measured, judged=judged,
                    ok=None if measured is None or not judged else measured <= threshold,
                    during_faults=kinds.get(window) == "fault"))
    return rows


def _limits_of_whole(per_window: Mapping[str, Any]) -> Mapping[str, Any]:
    """For an unjudged window, show the baseline's limits beside its numbers."""
    baseline = per_window.get("baseline")
    limits = baseline.get("limits") if isinstance(baseline, Mapping) else None
    return limits if isinstance(limits, Mapping) else {}


def fault_impact(plan: Plan, windows: Sequence[Window], stats: Sequence[WindowStats],
                 placed: Mapping[str, float], lags: Mapping[str, float],
                 settled: Mapping[str, float], backlog: Backlog) -> list[FaultImpact]:
    """Per fault: checkout against the baseline, and the export's backlog and recovery from
    the witnesses (orders acknowledged vs the ERP's receipts and refusals), the same for any
    integration."""
    by_name = {s.window: s for s in stats}
    baseline = by_name.get("baseline")
    base_p95 = baseline.checkout.p95_ms if baseline and baseline.checkout.count else None
    base_err = baseline.checkout.error_rate if baseline and baseline.checkout.count else None
    limit = plan.thresholds.export_lag_p95_s
    faults = [w for w in windows if w.kind == "fault"]
    out = []
    for number, window in enumerate(faults):
        checkout = by_name[window.name].checkout if window.name in by_name else LatencyStats()
        measured = checkout.count > 0
        orders = [inc for inc, at in placed.items() if window.contains(at)]
        order_lags = [lags[inc] for inc in orders if inc in lags]
        finite = [lag for lag in order_lags if math.isfinite(lag)]
        # The backlog's peak is watched until the next fault starts (or the evidence ends).
        horizon = faults[number + 1].start if number + 1 < len(faults) else math.inf
        recovered = recovery(placed, settled, window.start, window.end)
        out.append(FaultImpact(
            fault=window.fault if window.fault is not None else number, label=window.label or
            window.name, window=window.name,
            p95_ms=checkout.p95_ms if measured else None,
            delta_p95_ms=_delta(checkout.p95_ms if measured else None, base_p95),
            error_rate=checkout.error_rate if measured else None,
            delta_error_rate=_delta(checkout.error_rate if measured else None, base_err, 6),
            orders_in_window=len(orders),
            orders_delayed=sum(1 for lag in order_lags if lag > limit) if lags else None,
            export_lag_p95_s=_round(percentile(finite, 95)) if finite else None,
            backlog_peak=backlog.peak(window.start, horizon),
            orders_never_exported=recovered.unsettled if recovered.affected else None,
            time_to_recover_s=recovered.time_to_recover_s,
            recovered=recovered.recovered))
    return out


def _delta(value: float | None, base: float | None, digits: int = 3) -> float | None:
    return None if value is None or base is None else round(value - base, digits)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def backend_series(timeline: Sequence[Mapping[str, Any]], test_start: float,
                   placed: Mapping[str, float], lags: Mapping[str, float],
                   settled: Mapping[str, float], backlog: Backlog) -> dict[str, Series]:
    """The witnesses' own view: the ERP backlog (orders acknowledged, not yet received or
    refused by the ERP: measure.backlog, from the evidence) and stock divergence, at the
    witness samples' times (else the backlog once a second); the export lag of each order."""
    out: dict[str, Series] = {}
    samples = [s for s in timeline if isinstance(s.get("wall"), int | float)]
    walls = [float(s["wall"]) for s in samples] if samples else list(backlog.walls)
    values: dict[str, list[float | None]] = {}
    if placed and walls:
        values["erp_backlog"] = [float(n) for n in backlog_at(placed, settled, walls)]
    if any("stock_divergent_skus" in s for s in samples):
        values["stock_divergent_skus"] = [_num(s.get("stock_divergent_skus")) for s in samples]
    if values:
        out["backend"] = Series(t=[round(w - test_start, 3) for w in walls], values=values)
    if lags:
        # Worst export lag of the orders placed in each second (never exported: left out,
        # they are counted in the impact table and the checks).
        worst: dict[int, float] = {}
        for inc, lag in lags.items():
            if math.isfinite(lag) and inc in placed:
                second = int(placed[inc] - test_start)
                worst[second] = max(lag, worst.get(second, lag))
        if worst:
            seconds = sorted(worst)
            out["export_lag"] = Series(t=[float(s) for s in seconds],
                                       values={"export lag s": [round(worst[s], 3)
                                                                for s in seconds]})
    return out
