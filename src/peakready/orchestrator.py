"""One run of the harness: ``peakready run PLAN`` (DESIGN §1, §4).

::

    load_plan ─► safety ─► run folder ─► open_estate(plan) ─────────────────────────────┐
                                         stack · proxies · lease · seed · connector      │
                                         run_load_phase(estate, run_dir)                 │
                                           snapshot · Locust · fault timeline · drain ·  │
                                           evidence export · run.json                    │
                                         estate stopped (every path, every signal) ◄────┘
                           ─► peakready.reporting.finalize(run_dir) ─► exit code

Exit codes: the report's (0 all passed, 1 a check or SLO failed), 2 config or safety refusal,
3 harness error, 130 / 143 after SIGINT / SIGTERM (the run folder then holds what was
measured so far, run.json ``interrupted``).

The building blocks are public so the capacity search and the selftest reuse them:

* :func:`peakready.run.open_estate` — ``async with open_estate(plan, run_dir) as estate``
  stands the estate up for a plan (stack, proxies, lease, seed, connector) and always tears
  it down;
* :func:`peakready.run.run_load_phase` — ``await run_load_phase(estate, run_dir, plan=...)``
  runs one load phase (snapshot, Locust, fault timeline, drain, evidence export, run.json)
  into a run folder; a capacity step passes its own ``plan`` (rate, duration) on the same
  estate;
* :class:`peakready.run.Interrupts` — the signal policy (first signal: stop politely;
  second: now).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from types import FrameType

from peakready.config import Plan, load_plan
from peakready.content import find_content_dir
from peakready.errors import HarnessError, PeakreadyError
from peakready.run.estate import _store_token, check_safety, open_estate
from peakready.run.folder import RunRecord, new_run_dir, now_iso
from peakready.run.phase import PrepareLocust, run_load_phase
from peakready.run.progress import Progress, make_progress
from peakready.run.signals import Interrupts, run_interruptible

__all__ = ["RunOutcome", "default_plan_path", "main", "run_plan", "validate_main"]

log = logging.getLogger("peakready.orchestrator")


def default_plan_path() -> Path:
    return find_content_dir("fixtures") / "plans" / "smoke.yaml"


class RunOutcome:
    def __init__(self, run_dir: Path, exit_code: int, record: RunRecord | None,
                 summary: str) -> None:
        self.run_dir, self.exit_code, self.record, self.summary = \
            run_dir, exit_code, record, summary


def _finalize(run_dir: Path, console: bool = True) -> tuple[int | None, str]:
    """The report's verdict, when the reporting part is installed; (None, why) otherwise."""
    try:
        from peakready.reporting import finalize
    except ImportError:
        return None, "no report renderer installed; run.json holds the run"
    try:
        result = finalize(run_dir, console=console)
    except PeakreadyError as exc:
        return 3, f"report failed: {exc}"
    except Exception as exc:  # the report must not hide the run folder
        log.exception("finalize(%s) failed", run_dir)
        return 3, f"report failed: {exc!r}"
    return int(result.exit_code), f"report: {run_dir / 'report.html'}"


async def run_plan(plan: Plan, reports_dir: Path, *, plan_dir: Path | None = None,
                   progress: Progress | None = None,
                   interrupts: Interrupts | None = None,
                   prepare: PrepareLocust | None = None, ui: bool = False,
                   console: bool = True) -> RunOutcome:
    """The whole run; the estate is down again when this returns or raises. ``console``:
    print the report's summary (the selftest runs many plans and prints its own)."""
    interrupts = interrupts or Interrupts()
    run_dir = new_run_dir(reports_dir, plan.name)
    record: RunRecord | None = None
    failure: PeakreadyError | None = None
    try:
        async with open_estate(plan, run_dir, plan_dir=plan_dir) as estate:
            interrupts.on_hurry.append(estate.stack.hurry)
            record = await run_load_phase(estate, run_dir, progress=progress,
                                          interrupts=interrupts, prepare=prepare, ui=ui)
    except asyncio.CancelledError:
        if interrupts.signum is None:
            raise
    except PeakreadyError as exc:
        failure = exc
    except Exception as exc:  # a bug: still a run folder that says so, still exit 3
        log.exception("peakready run failed")
        failure = HarnessError(f"internal error: {exc!r}")
    if not (run_dir / "run.json").exists():
        # The estate failed before a phase began: say so in the folder too.
        early = RunRecord(plan=plan.name, status="interrupted" if interrupts.signum else
                          "error", error=None if failure is None else str(failure),
                          interrupted_by=interrupts.name, ended_at=now_iso())
        early.write(run_dir)
    if failure is not None and failure.exit_code == 2:
        return RunOutcome(run_dir, 2, record, str(failure))
    if progress is not None:
        progress.close()  # the report prints its own summary below the last frame
    report_code, summary = await asyncio.to_thread(_finalize, run_dir, console)
    if interrupts.exit_code is not None:
        return RunOutcome(run_dir, interrupts.exit_code, record,
                          f"interrupted by {interrupts.name}; {summary}")
    if failure is not None:
        return RunOutcome(run_dir, failure.exit_code, record, f"harness error: {failure}")
    return RunOutcome(run_dir, 0 if report_code is None else report_code, record, summary)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # Outside the event loop (plan loading, the last prints) SIGTERM ends the command like
    # SIGINT does, with 143; inside it, Interrupts takes over and stops the children first.
    raise SystemExit(128 + signum)


def main(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    plan_path = Path(args.plan) if args.plan else default_plan_path()
    plan = load_plan(plan_path)
    if getattr(args, "flag", None):
        plan = plan.with_flags(args.flag, source=f"{plan_path} with --flag")
    check_safety(plan)            # refused before any folder, process or socket exists
    if getattr(args, "dry_run", False):
        from peakready.run.dryrun import main as dry_run
        return dry_run(plan, plan_path, Path(args.reports_dir))
    if not plan.target.embedded:
        _store_token(plan)
    progress = make_progress("quiet" if getattr(args, "quiet", False) else "auto")
    try:
        outcome = run_interruptible(lambda interrupts: run_plan(
            plan, Path(args.reports_dir), plan_dir=plan_path.resolve().parent,
            progress=progress, interrupts=interrupts, ui=bool(getattr(args, "ui", False))))
    finally:
        signal.signal(signal.SIGTERM, _terminate)  # the loop put the default back
        progress.close()
    print(f"peakready run {plan.name}: {outcome.summary}")
    print(f"run folder: {outcome.run_dir}")
    return outcome.exit_code


def validate_main(args: argparse.Namespace) -> int:
    """``peakready validate PLAN``: the plan checked, nothing run."""
    for name in args.plans:
        path = Path(name)
        plan = load_plan(path)
        kinds = ", ".join(f.label for f in plan.faults) or "no faults"
        target = "embedded estate" if plan.target.embedded else "real store"
        print(f"{path}: ok — plan {plan.name!r}, {target}, load {plan.load.duration:g}s at "
              f"{plan.load.orders_per_minute:g} orders/min, {len(plan.faults)} faults "
              f"({kinds}), checks: {', '.join(plan.checks)}")
    return 0
