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

from hdrh.histogram import HdrHistogram

from peakready.checks._files import EvidenceError
from peakready.checks.verdict import Verdict
from peakready.checks.windows import Window
from peakready.config import CHECKOUT_JOURNEYS, JOURNEYS, SloSpec

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["gate_names", "gate_verdict", "window_stats"]

_LOWEST, _HIGHEST, _DIGITS = 1, 3_600_000_000, 3


def _matches(name: str) -> tuple[str, frozenset[str]]:
    if name == "checkout":
        return "journey", frozenset(CHECKOUT_JOURNEYS)
    if name in JOURNEYS:
        return "journey", frozenset({name})
    return "request", frozenset({name})


def gate_names(plan: Plan) -> list[str]:
    return list(dict.fromkeys([*plan.slo.gates, *plan.slo.during_faults]))


def window_stats(evidence: RunEvidence, name: str) -> dict[str, dict[str, Any]]:
    """Per window name: count, errors, dropped, error_rate, p50_ms/p95_ms/p99_ms."""
    kind, names = _matches(name)
    windows = evidence.windows
    merged = {w.name: HdrHistogram(_LOWEST, _HIGHEST, _DIGITS) for w in windows}
    counts = {w.name: [0, 0, 0] for w in windows}       # count, errors, dropped
    for line in evidence.latency():
        if line.kind != kind or line.name not in names:
            continue
        inside = [w for w in windows if w.contains(line.wall)]
        if not inside:
            continue
        try:
            hist = HdrHistogram.decode(line.hdr) if line.hdr else None
        except Exception as exc:   # hdrh raises bare ValueErrors/zlib errors on bad input
            raise EvidenceError(f"latency.jsonl: the histogram of {line.name!r} at "
                                f"{line.wall} cannot be decoded ({exc})") from None
        for window in inside:
            if hist is not None:
                merged[window.name].add(hist)
            counts[window.name][0] += line.count
            counts[window.name][1] += line.errors
    if kind == "journey":
        try:
            for row in evidence.arrivals():
                dropped = int(row.get("dropped") or 0)
                if dropped and row.get("journey") in names:
                    wall = float(row.get("wall") or 0.0)
                    for window in windows:
                        if window.contains(wall):
                            counts[window.name][2] += dropped
        except EvidenceError:
            pass    # arrivals are optional for a gate: drops are then not counted
    out: dict[str, dict[str, Any]] = {}
    for window in windows:
        count, errors, dropped = counts[window.name]
        hist = merged[window.name]
        values = hist.get_percentile_to_value_dict([50, 95, 99]) \
            if hist.get_total_count() else {}
        total = count + dropped
        out[window.name] = {
            "count": count, "errors": errors, "dropped": dropped,
            "error_rate": (errors + dropped) / total if total else None,
            **{f"p{q}_ms": round(values[q] / 1000.0, 1) if q in values else None
               for q in (50, 95, 99)}}
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
