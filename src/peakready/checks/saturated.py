"""Latency verdicts in windows where the harness was saturated are not judged, never failed.

::

    excuse_saturation(verdicts, evidence)      judge() calls it once, after every check
      for each verdict that depends on latency (LATENCY_CHECKS, every ``slo:`` gate):
        its failing windows (examples' "window"; none named: the whole load)
        ├── every one covered by saturated spans (≥ 2 s and ≥ half of it) ──► not_judged,
        │   with the spans; the breach it would have reported in figures.unjudged_summary
        ├── some do ──► still fail (a breach elsewhere is the store's); the others are named
        └── pass ──► pass (saturation only makes latency worse); the spans go in figures

The spans come from ``cpu.jsonl`` (peakready.measure.saturation). A run folder without it
(an older run, a platform without process CPU times) is judged as before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from peakready.checks.verdict import Verdict
from peakready.measure.saturation import Saturation

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence

__all__ = ["LATENCY_CHECKS", "excuse_saturation", "is_latency_check"]

#: Checks whose verdict is a latency (or a timeout-driven success rate): a saturated harness
#: makes them fail on its own. Every SLO gate (``slo:<name>``) is one too.
LATENCY_CHECKS = frozenset({"checkout_slo", "fallback_effective", "export_lag"})


def is_latency_check(name: str) -> bool:
    return name in LATENCY_CHECKS or name.startswith("slo:")


def _failing_windows(verdict: Verdict) -> list[str]:
    names = [str(e["window"]) for e in verdict.examples if isinstance(e.get("window"), str)]
    return list(dict.fromkeys(names))


def excuse_saturation(verdicts: list[Verdict], evidence: RunEvidence) -> list[Verdict]:
    """``verdicts`` with the latency ones adjusted for the run's saturated spans."""
    saturation = Saturation.load(evidence.run_dir)
    if not saturation.spans:
        return verdicts
    return [_excuse(v, saturation, evidence) if is_latency_check(v.check) else v
            for v in verdicts]


def _bounds(evidence: RunEvidence, name: str | None) -> tuple[float, float, str]:
    """A window's interval, cut to the load (latency is measured only while it runs)."""
    start, stop = evidence.test_start, evidence.test_stop
    if name is None:
        return start, stop, "the load"
    window = next((w for w in evidence.windows if w.name == name), None)
    if window is None:
        return start, stop, "the load"
    return max(window.start, start), min(window.end, stop), f"window {name!r}"


def _joined(wheres: list[str]) -> str:
    """``window 'baseline'`` / ``windows 'baseline' and 'whole'``."""
    if len(wheres) == 1:
        return wheres[0]
    names = [w.removeprefix("window ") for w in wheres]
    return "windows " + ", ".join(names[:-1]) + " and " + names[-1]


def _excuse(verdict: Verdict, saturation: Saturation, evidence: RunEvidence) -> Verdict:
    t0 = evidence.test_start
    spans = saturation.during(evidence.test_start, evidence.test_stop)
    if not spans:
        return verdict
    figures: dict[str, Any] = {**verdict.figures,
                               "saturated": [s.to_json(t0) for s in spans]}
    if verdict.status != "fail":
        return replace(verdict, figures=figures)
    failing: list[str | None] = [*_failing_windows(verdict)] or [None]
    load = (evidence.test_start, evidence.test_stop)
    blamed: dict[tuple[Any, ...], list[str]] = {}     # the same spans → one sentence
    standing: list[str | None] = []
    for name in failing:
        start, end, where = _bounds(evidence, name)
        spans = saturation.culprits(start, end)
        if spans:
            blamed.setdefault(tuple(spans), []).append(where)
        else:
            standing.append(name)
    excused = [saturation.explain(list(spans), t0, _joined(wheres), load)
               for spans, wheres in blamed.items()]
    if not excused:
        return replace(verdict, figures=figures)
    if standing:
        return replace(verdict, figures=figures,
                       summary=f"{verdict.summary} (not judged where the harness was "
                               f"saturated: {'; '.join(excused)})")
    figures["unjudged_summary"] = verdict.summary
    return replace(Verdict.not_judged(verdict.check, "; ".join(excused)),
                   figures=figures, examples=verdict.examples, windows=verdict.windows)
