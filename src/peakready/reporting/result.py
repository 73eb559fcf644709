"""``result.json``: the source of truth of a run (DESIGN §4). Every renderer reads only this.

::

    RunResult
    ├── schema_version, peakready_version, generated_at, run_dir, status, error
    ├── timings        started/ended, test_start/stop walls, duration, drain
    ├── plan           the resolved plan, secrets redacted
    ├── windows[]      baseline · one per fault as applied · recovery · whole
    ├── faults[]       each fault as applied and cleared (faults.jsonl)
    ├── stats          per window: per request name, per journey, checkout (both journeys)
    ├── slo[]          each gate x window: threshold, measured, ok
    ├── impact[]       per fault: Δp95, Δerror rate, orders delayed, export lag, backlog, recovery
    ├── series         per-second charts: arrivals, throughput, p50/p95/p99, errors, back-end
    ├── verdicts[]     from peakready.checks.judge (status pass | fail | error)
    ├── capacity       the capacity search's steps, knee and headroom (optional)
    └── exit_code      0 all pass · 1 a check or gate failed · 3 harness error or a verdict error

``SCHEMA_VERSION`` goes up whenever a field changes meaning or goes away; ``peakready report``
refuses an older file (exit 2) rather than render it wrong. ``docs/result-schema.json`` is
generated from this model (``python -m peakready.reporting.schema``) and a test keeps it current.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from peakready.checks.verdict import Verdict

__all__ = [
    "SCHEMA_VERSION",
    "CapacityResult",
    "CapacityStep",
    "FaultImpact",
    "FaultRecord",
    "LatencyStats",
    "Metric",
    "RunResult",
    "RunStatus",
    "Series",
    "SloRow",
    "Timings",
    "VerdictRecord",
    "WindowRecord",
    "WindowStats",
]

SCHEMA_VERSION = 1
RunStatus = Literal["complete", "interrupted", "error"]
Metric = Literal["p50_ms", "p95_ms", "p99_ms", "error_rate"]


class _Model(BaseModel):
    # Extra keys refused on read: a result.json written by another version is caught by
    # schema_version first, and by this second.
    model_config = ConfigDict(extra="forbid")


class Timings(_Model):
    started_at: str | None = None
    ended_at: str | None = None
    test_start_wall: float | None = None
    test_stop_wall: float | None = None
    duration_s: float | None = Field(default=None, description="test_stop - test_start")
    drain: dict[str, Any] = Field(default_factory=dict)
    workers: int | None = None


class WindowRecord(_Model):
    """A span the stats, SLO gates and checks are judged over (DESIGN §9)."""

    name: str
    kind: Literal["baseline", "fault", "recovery", "whole"]
    start_t: float = Field(description="seconds since test_start")
    end_t: float
    fault: int | None = Field(default=None, description="index in plan.faults")
    label: str | None = None
    target: str | None = None


class FaultRecord(_Model):
    fault: int
    label: str
    target: str
    applied_t: float | None = None
    cleared_t: float | None = None
    planned_at: float | None = None
    planned_for: float | None = None
    outcome: str = "ok"
    spec: dict[str, Any] = Field(default_factory=dict)


class LatencyStats(_Model):
    """Latency in ms from the intended start (HDR, 3 significant digits)."""

    count: int = 0
    errors: int = 0
    dropped: int = Field(default=0, description="journey arrivals dropped at max_concurrency")
    error_rate: float = Field(default=0.0, description="(errors + dropped) / (count + dropped)")
    per_second: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None


class WindowStats(_Model):
    window: str
    requests: dict[str, LatencyStats] = Field(default_factory=dict)
    journeys: dict[str, LatencyStats] = Field(default_factory=dict)
    checkout: LatencyStats = LatencyStats()
    arrivals: dict[str, int] = Field(default_factory=dict,
                                     description="offered, started, dropped")


class SloRow(_Model):
    """One SLO gate over one window, as the gate judged it: ``ok`` is None when the window was
    not judged (``whole`` of a run with faults) or nothing was measured."""

    gate: str
    window: str
    metric: Metric
    threshold: float
    measured: float | None
    ok: bool | None
    judged: bool = True
    during_faults: bool = False


class FaultImpact(_Model):
    """What one fault window cost, against the baseline window."""

    fault: int
    label: str
    window: str
    p95_ms: float | None = None
    delta_p95_ms: float | None = None
    error_rate: float | None = None
    delta_error_rate: float | None = None
    orders_in_window: int = 0
    orders_delayed: int | None = Field(default=None, description="exported later than the "
                                       "export-lag threshold, of the orders placed in the window")
    export_lag_p95_s: float | None = None
    backlog_peak: int | None = Field(default=None, description="most orders acknowledged and "
                                     "not yet received (or refused for their data) by the ERP, "
                                     "from the window's start to the next fault's")
    orders_never_exported: int | None = Field(
        default=None, description="of the orders the fault held up (acknowledged in it, or "
        "waiting when it began), those the ERP never received nor refused")
    time_to_recover_s: float | None = Field(default=None, description="from clearing until the "
                                            "ERP had the last order the fault held up")
    recovered: bool | None = Field(default=None, description="every order the fault held up "
                                   "reached the ERP (None: it held none up)")


class Series(_Model):
    """Charts: ``t`` (seconds since test_start) and named value lists of the same length."""

    t: list[float] = Field(default_factory=list)
    values: dict[str, list[float | None]] = Field(default_factory=dict)


class VerdictRecord(_Model):
    check: str
    status: Literal["pass", "fail", "not_judged", "error"]
    summary: str
    figures: dict[str, Any] = Field(default_factory=dict)
    examples: list[dict[str, Any]] = Field(default_factory=list)
    windows: list[str] = Field(default_factory=list)

    @property
    def gate(self) -> str | None:
        """The SLO gate this verdict judges (``slo:<gate>``; ``checkout_slo`` is ``checkout``)."""
        if self.check.startswith("slo:"):
            return self.check[4:]
        return "checkout" if self.check == "checkout_slo" else None

    @classmethod
    def of(cls, verdict: Verdict) -> VerdictRecord:
        return cls(check=verdict.check, status=verdict.status, summary=verdict.summary,
                   figures=dict(verdict.figures), examples=list(verdict.examples)[:20],
                   windows=list(verdict.windows))


class CapacityStep(_Model):
    orders_per_minute: float = Field(description="offered checkout arrivals per minute")
    achieved_orders_per_minute: float | None = None
    p95_ms: float | None = None
    error_rate: float | None = None
    held_s: float | None = None
    stable: bool = True
    ok: bool
    phase: Literal["step", "bisect"] = "step"
    reasons: list[str] = Field(default_factory=list, description="why the step failed")
    utilisation: dict[str, float] = Field(default_factory=dict)
    cache_hit_ratio: float | None = Field(
        default=None, description="the full-page cache's hit ratio over the step (a pages or "
                                  "GraphQL storefront on the simulator; storefront_cache)")


class CapacityResult(_Model):
    sustainable_orders_per_minute: float | None = Field(
        description="highest step that held the SLO and checks; None = below the lowest step")
    below_lowest_step: bool = False
    knee_orders_per_minute: float | None = None
    target_orders_per_minute: float | None = None
    headroom: float | None = Field(default=None, description="sustainable / target - 1")
    saturated_first: str | None = None
    predicted_orders_per_minute: float | None = Field(
        default=None, description="what the simulator's capacity model predicts, when known")
    steps: list[CapacityStep] = Field(default_factory=list)
    load_seconds: float | None = None
    summary: str = ""


class RunResult(_Model):
    schema_version: int = SCHEMA_VERSION
    peakready_version: str
    generated_at: str
    run_dir: str | None = None
    plan_name: str
    status: RunStatus = "complete"
    error: str | None = None
    timings: Timings = Timings()
    plan: dict[str, Any] = Field(default_factory=dict, description="secrets redacted")
    windows: list[WindowRecord] = Field(default_factory=list)
    faults: list[FaultRecord] = Field(default_factory=list)
    stats: list[WindowStats] = Field(default_factory=list)
    slo: list[SloRow] = Field(default_factory=list)
    impact: list[FaultImpact] = Field(default_factory=list)
    series: dict[str, Series] = Field(default_factory=dict)
    verdicts: list[VerdictRecord] = Field(default_factory=list)
    capacity: CapacityResult | None = None
    notes: list[str] = Field(default_factory=list, description="what could not be computed")

    @property
    def exit_code(self) -> int:
        """DESIGN §4. A finding wins over an unjudged check: fail → 1 even beside an error.

        ``not_judged`` verdicts beside judged ones leave the exit code to the judged ones, but a
        run in which nothing at all was judged (no verdicts, or none pass/fail) exits 3: a
        green gate must have judged something."""
        if self.status == "error":
            return 3
        # The SLO gates are verdicts too (peakready.checks judges them); ``slo`` rows only
        # lay out the same numbers per window, so they never decide the exit code twice.
        if any(v.status == "fail" for v in self.verdicts):
            return 1
        if self.status != "complete" or any(v.status == "error" for v in self.verdicts):
            return 3
        if not any(v.status == "pass" for v in self.verdicts):
            return 3
        return 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def window_stats(self, name: str) -> WindowStats | None:
        return next((w for w in self.stats if w.window == name), None)

    def to_json(self) -> str:
        return self.model_dump_json(indent=1) + "\n"

    def write(self, run_dir: Path) -> Path:
        path = run_dir / "result.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)   # a reader never sees half a file
        return path
