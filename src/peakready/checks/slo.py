"""SLO gates: percentiles and error rate per journey or request name, per window.

::

    plan.slo.gates        {checkout | <journey> | <request name>: SloSpec}
    plan.slo.during_faults  the same keys, replacing a gate inside fault windows

    gate_verdict(name) ── latency.jsonl lines of that name (checkout = both checkout journeys)
                          ├── merged per window (a second belongs to the window holding its wall)
                          ├── p50/p95/p99 from the HDR histograms, error rate = errors / count
                          │   (journeys add the arrivals dropped at max_concurrency to both)
                          └── judged: baseline and recovery against the gate, each fault window
                              against during_faults (else the gate), whole against the gate
                              only when the run had no faults (else it is reported, not judged)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peakready.checks._files import EvidenceError
from peakready.checks.verdict import Verdict
from peakready.config import SloSpec
from peakready.measure.latency import subject, subject_latency
from peakready.measure.windows import Window

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["gate_names", "gate_verdict", "window_stats"]


def gate_names(plan: Plan) -> list[str]:
    return list(dict.fromkeys([*plan.slo.gates, *plan.slo.during_faults]))


def window_stats(evidence: RunEvidence, name: str) -> dict[str, dict[str, Any]]:
    """Per window name: count, errors, dropped, error_rate, p50_ms/p95_ms/p99_ms, measured by
    peakready.measure.latency (the report's stats come from the same functions)."""
    samples = evidence.samples()
    kind, names = subject(name)
    broken = samples.unreadable_of((kind, n) for n in names)
    if broken:
        raise EvidenceError(f"latency.jsonl: {broken} histograms of {name!r} cannot be "
                            f"decoded")
    out: dict[str, dict[str, Any]] = {}
    for window, figures in subject_latency(samples, name, evidence.windows).items():
        p50, p95, p99 = figures.percentiles_ms()
        out[window] = {"count": figures.count, "errors": figures.errors,
                       "dropped": figures.dropped, "error_rate": figures.error_rate,
                       "p50_ms": p50, "p95_ms": p95, "p99_ms": p99}
    return out


def _limits(plan: Plan, name: str, window: Window, faulted: bool) -> SloSpec | None:
    if window.kind == "fault":
        return plan.slo.during_faults.get(name) or plan.slo.gates.get(name)
    if window.kind == "whole" and faulted:
        return None
    return plan.slo.gates.get(name)


def _breaches(stats: dict[str, Any], spec: SloSpec) -> list[str]:
    out = []
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        limit, value = getattr(spec, key), stats.get(key)
        if limit is not None and value is not None and value > limit:
            out.append(f"{key[:-3]} {value:g} ms > {limit:g} ms")
    rate = stats.get("error_rate")
    if spec.error_rate is not None and rate is not None and rate > spec.error_rate:
        out.append(f"error rate {rate:.2%} > {spec.error_rate:.2%}")
    return out


def gate_verdict(evidence: RunEvidence, plan: Plan, name: str, *, check: str) -> Verdict:
    stats = window_stats(evidence, name)
    windows = evidence.windows
    if not any(s["count"] or s["dropped"] for s in stats.values()):
        if subject(name)[0] == "journey":   # a journey the load never ran: nothing to judge
            return Verdict.not_judged(check, f"no {name} journey in latency.jsonl (the load "
                                      f"ran none)", windows=stats)
        return Verdict(check, "error", f"no samples for {name!r} in latency.jsonl: nothing to "
                       f"judge (is the name a journey or a request name of the load?)",
                       figures={"windows": stats}, windows=[w.name for w in windows])
    faulted = any(w.kind == "fault" for w in windows)
    failures: list[str] = []
    examples: list[dict[str, Any]] = []
    for window in windows:
        spec = _limits(plan, name, window, faulted)
        row = stats[window.name]
        row["limits"] = None if spec is None else spec.model_dump(exclude_none=True)
        breaches = [] if spec is None or not (row["count"] or row["dropped"]) \
            else _breaches(row, spec)
        row["judged"] = spec is not None
        row["ok"] = not breaches
        if breaches:
            failures.append(f"{window.name}: {', '.join(breaches)}")
            examples.append({"window": window.name, "breaches": breaches,
                             **{k: row[k] for k in ("p95_ms", "error_rate", "count")}})
    whole = stats["whole"]
    head = (f"{name}: p50 {whole['p50_ms']} ms, p95 {whole['p95_ms']} ms, p99 "
            f"{whole['p99_ms']} ms, error rate {(whole['error_rate'] or 0):.2%} over "
            f"{whole['count']} ({whole['dropped']} dropped)")
    if failures:
        return Verdict(check, "fail", f"{head}; over the gate in {'; '.join(failures)}",
                       figures={"windows": stats}, examples=examples[:20],
                       windows=[w.name for w in windows])
    return Verdict(check, "pass", f"{head}; within the gate in every window",
                   figures={"windows": stats}, windows=[w.name for w in windows])
