"""The detection self-test: every mistake caught by its check, no false alarm on the clean runs.

::

    run_selftest(integration, mistakes, reports_dir) ──► for each scenario (selftest_cases):
        │   one run per mistake   (the integration with that mistake, under the scenario)
        │   one clean run         (same plan, no mistake: every verdict must pass)
        │   each: run_plan(plan) ──► reporting.finalize(run folder) ──► result.json verdicts
        └── Matrix: mistake x check, expected vs observed; caught / misses / false alarms

Each run is a real ``peakready run`` of its plan (``peakready.orchestrator.run_plan``: estate,
load, faults, drain, evidence, ``finalize``), so the selftest proves what a user's run would
report. ``integration`` is ``builtin`` (the simulator's integration and its flags) or
``connector`` (``target.integration: none`` and the example connector with
``CONNECTOR_MISTAKES``). A mistake is **caught** when its check is ``fail`` (an ``error`` or
``not_judged`` is not a catch); a **false alarm** is a clean run's verdict that is ``fail`` or
``error`` (a clean run's ``not_judged``, e.g. no fault window of the kind a check needs, is
listed, not counted). Runs go one after another: the machine's CPU is part of what latency
checks measure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peakready.errors import PeakreadyError
from peakready.reporting.result import RunResult, VerdictRecord
from peakready.run.selftest_cases import SCENARIOS, Case, Integration, cases, scenario_plan

__all__ = ["Matrix", "RunOutcome", "run_selftest"]

log = logging.getLogger("peakready.run.selftest")


@dataclass
class RunOutcome:
    """One run of the matrix: a mistake's (``mistake`` set) or the clean integration's."""

    integration: Integration
    scenario: str
    mistake: str | None
    run_dir: Path | None
    verdicts: list[VerdictRecord] = field(default_factory=list)
    error: str | None = None          # the run itself failed (harness): no verdicts to trust
    seconds: float = 0.0

    def status(self, check: str) -> str:
        for verdict in self.verdicts:
            if verdict.check == check:
                return verdict.status
        return "error" if self.error else "-"

    def verdict(self, check: str) -> VerdictRecord | None:
        return next((v for v in self.verdicts if v.check == check), None)


@dataclass
class Matrix:
    integration: Integration
    cases: list[Case]
    runs: list[RunOutcome] = field(default_factory=list)

    def mistake_runs(self) -> list[tuple[Case, RunOutcome]]:
        by_mistake = {r.mistake: r for r in self.runs if r.mistake is not None}
        return [(c, by_mistake[c.mistake]) for c in self.cases if c.mistake in by_mistake]

    def clean_runs(self) -> list[RunOutcome]:
        return [r for r in self.runs if r.mistake is None]

    def caught(self) -> list[str]:
        return [c.mistake for c, run in self.mistake_runs() if run.status(c.check) == "fail"]

    def misses(self) -> list[str]:
        return [c.mistake for c, run in self.mistake_runs() if run.status(c.check) != "fail"]

    def false_alarms(self) -> list[tuple[str, str, str]]:
        """(scenario, check, status) of every clean verdict that fails or errs: the clean
        integration blamed, or the evidence unreadable. ``not_judged`` is no alarm (the run
        had nothing of that kind to judge, or the host's saturation excused its latency):
        :meth:`unjudged` lists those."""
        out: list[tuple[str, str, str]] = [
            (r.scenario, v.check, v.status) for r in self.clean_runs() for v in r.verdicts
            if v.status in ("fail", "error")]
        out.extend((r.scenario, "(run)", "error") for r in self.clean_runs() if r.error)
        return out

    def unjudged(self) -> list[tuple[str, str, str]]:
        """(run, check, reason) of every not_judged verdict of every run."""
        return [(r.mistake or f"clean {r.scenario}", v.check, v.summary) for r in self.runs
                for v in r.verdicts if v.status == "not_judged"]

    @property
    def ok(self) -> bool:
        return not self.misses() and not self.false_alarms() and \
            len(self.mistake_runs()) == len(self.cases)


async def _one_run(integration: Integration, case_scenario: str, mistake: str | None,
                   reports_dir: Path, connector: Path | None) -> RunOutcome:
    from peakready.orchestrator import run_plan

    plan = scenario_plan(SCENARIOS[case_scenario], integration, mistake, connector=connector)
    outcome = RunOutcome(integration, case_scenario, mistake, None)
    started = time.monotonic()
    try:
        done = await run_plan(plan, reports_dir, console=False)
        outcome.run_dir = done.run_dir
        result = RunResult.model_validate_json(
            (done.run_dir / "result.json").read_text("utf-8"))
        outcome.verdicts = list(result.verdicts)
        if result.status == "error" or (done.exit_code in (2, 3) and not outcome.verdicts):
            outcome.error = result.error or done.summary
    except (PeakreadyError, OSError, ValueError) as exc:
        outcome.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if outcome.error:
        log.error("selftest run %s/%s failed: %s", case_scenario, mistake or "clean",
                  outcome.error)
    outcome.seconds = time.monotonic() - started
    return outcome


async def run_selftest(integration: Integration, mistakes: list[str], reports_dir: Path, *,
                       connector: Path | None = None,
                       on_run: Callable[[RunOutcome], None] | None = None) -> Matrix:
    """Run the matrix for ``mistakes`` (each scenario's clean run too), one run at a time."""
    known = cases(integration)
    matrix = Matrix(integration, [known[m] for m in mistakes])
    for name in dict.fromkeys(c.scenario for c in matrix.cases):
        for mistake in [*(c.mistake for c in matrix.cases if c.scenario == name), None]:
            outcome = await _one_run(integration, name, mistake, reports_dir, connector)
            matrix.runs.append(outcome)
            if on_run is not None:
                on_run(outcome)
    return matrix
