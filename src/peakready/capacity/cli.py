"""``peakready capacity PLAN``: search the store's capacity and report it with headroom.

::

    load_plan ─► safety ─► reports/<stamp>-<plan>-capacity/
    open_estate(plan) ─► prediction (simulator with its capacity model on: M/G/c)
                      ─► search_capacity(plan.capacity, StepRunnerOnEstate)   steps/NN-<r>opm/
    capacity.json ─► the highest passing step's files copied up ─► finalize(run folder):
    result.json (capacity + that step's stats and verdicts), report.html (the curve), junit.xml

Exit code: 0 when the sustainable rate reaches capacity.target_orders_per_minute (or a rate
was found and no target is set), 1 below it or below the lowest step, 2 config, 3 harness,
130 / 143 on a signal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from peakready.capacity.drive import decisive_hold, search_capacity
from peakready.capacity.model import journey_models, model_routes
from peakready.capacity.predict import predict_capacity
from peakready.capacity.runner import StepRunnerOnEstate
from peakready.config import Plan, load_plan
from peakready.errors import PeakreadyError
from peakready.reporting.finalize import CAPACITY_FILE, finalize
from peakready.reporting.result import CapacityResult

__all__ = ["main", "predicted_capacity", "run_capacity"]

log = logging.getLogger("peakready.capacity")


def slo_p95(plan: Plan) -> float | None:
    gate = plan.slo.gates.get("checkout")
    return None if gate is None else gate.p95_ms


async def predicted_capacity(runner: StepRunnerOnEstate, plan: Plan) -> float | None:
    """What the simulator's capacity model predicts for this mix and SLO, over a hold as long
    as the bisection's (the steps that decide the figure)."""
    report = await runner._capacity_state()
    threshold = slo_p95(plan)
    if report is None or threshold is None:
        return None
    journeys = journey_models(plan, report)
    if journeys is None:
        log.info("capacity: the plan's traffic is not all modelled; no prediction")
        return None
    _, routes = model_routes(report)
    return await asyncio.to_thread(predict_capacity, int(report["workers"]), routes, journeys,
                                   threshold, decisive_hold(plan.capacity))


def _publish(run_dir: Path, capacity: CapacityResult,
             steps: list[tuple[Any, Path, Any]]) -> None:
    """capacity.json, and the chosen step's run files at the top so finalize reads them."""
    (run_dir / CAPACITY_FILE).write_text(capacity.model_dump_json(indent=1) + "\n", "utf-8")
    chosen = capacity.sustainable_orders_per_minute
    pick = next((d for s, d, _ in steps if s.ok and s.orders_per_minute == chosen), None)
    if pick is None and steps:
        pick = steps[0][1]
    if pick is not None:
        shutil.copytree(pick, run_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("result.json", "report.html", "junit.xml"))


async def run_capacity(plan: Plan, reports_dir: Path, *, plan_dir: Path | None = None,
                       interrupts: Any = None, progress: Any = None) -> tuple[Path, int]:
    from peakready.run import open_estate
    from peakready.run.folder import RunRecord, new_run_dir, now_iso, write_json

    run_dir = new_run_dir(reports_dir, f"{plan.name}-capacity")
    capacity: CapacityResult | None = None
    runner: StepRunnerOnEstate | None = None
    failure: PeakreadyError | None = None
    try:
        async with open_estate(plan, run_dir, plan_dir=plan_dir) as estate:
            if interrupts is not None:
                interrupts.on_hurry.append(estate.stack.hurry)
            runner = StepRunnerOnEstate(estate, plan, run_dir, interrupts=interrupts,
                                        progress=progress)
            predicted = await predicted_capacity(runner, plan)
            capacity = await search_capacity(plan.capacity, runner, slo_p95_ms=slo_p95(plan),
                                             predicted=predicted)
    except asyncio.CancelledError:
        if interrupts is None or interrupts.signum is None:
            raise
    except PeakreadyError as exc:
        failure = exc
        if exc.exit_code == 2:
            raise
    if capacity is not None and runner is not None:
        _publish(run_dir, capacity, runner.results)
    elif runner is not None and runner.results:
        # Cut short: what the finished steps showed, without claiming a capacity.
        _publish(run_dir, runner_outcome(runner, plan), runner.results)
    if not (run_dir / "run.json").exists():
        RunRecord(plan=plan.name, status="interrupted" if failure is None else "error",
                  error=None if failure is None else str(failure), ended_at=now_iso()
                  ).write(run_dir)
    elif failure is not None:
        # The published step finished well; the search did not: say so at the top.
        record = json.loads((run_dir / "run.json").read_text("utf-8"))
        write_json(run_dir / "run.json", {**record, "status": "error", "error": str(failure)})
    result = await asyncio.to_thread(finalize, run_dir, console=True)
    if interrupts is not None and interrupts.exit_code is not None:
        return run_dir, int(interrupts.exit_code)
    if failure is not None:
        return run_dir, failure.exit_code
    return run_dir, result.exit_code


def runner_outcome(runner: StepRunnerOnEstate, plan: Plan) -> CapacityResult:
    from peakready.capacity.search import CapacitySearch

    search = CapacitySearch(plan.capacity)
    for step, _, _ in runner.results:
        search.record(step)
    outcome = search.outcome(target=plan.capacity.target_orders_per_minute)
    outcome.summary = "cut short after " + f"{len(runner.results)} steps: " + outcome.summary
    return outcome


async def _with_signals(plan: Plan, reports_dir: Path, plan_dir: Path,
                        quiet: bool) -> tuple[Path, int]:
    from peakready.run import Interrupts, make_progress

    interrupts = Interrupts()
    progress = make_progress("quiet" if quiet else "auto")
    inner = asyncio.ensure_future(run_capacity(plan, reports_dir, plan_dir=plan_dir,
                                               interrupts=interrupts, progress=progress))
    interrupts.task = inner
    try:
        with interrupts:
            return await inner
    finally:
        progress.close()


def main(args: argparse.Namespace) -> int:
    from peakready.run.estate import check_safety

    plan_path = Path(args.plan)
    plan = load_plan(plan_path)
    check_safety(plan)
    run_dir, code = asyncio.run(_with_signals(plan, Path(args.reports_dir),
                                              plan_path.resolve().parent, args.quiet))
    print(f"run folder: {run_dir}")
    return code
