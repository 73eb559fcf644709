"""One load phase on a standing estate: ``await run_load_phase(estate, run_dir)``.

::

    plan.yaml, run.json ("running")
    snapshot      evidence/snapshot_before.json
    Locust        prepare_locust(plan, run_dir, targets, workers) → master + workers
    t = 0         Locust's test_start (control.jsonl) → the fault timeline starts
    load          progress every second, witnesses every 2 s (timeline.jsonl), children watched;
                  the CPU of every process and of the machine every second (cpu.jsonl)
    stop          Locust stops by itself after load.duration (bounded); faults cleared
    drain         ERP movements paused; until the witnesses agree (every order placed in
                  Magento is in the ERP or refused by it for its data, and the ERP's stock
                  is Magento's), or drain.timeout
    export        evidence/ (manifest last)
    run.json      "complete" | "interrupted" (a signal) | "error" (harness failure)

Every way out runs the same cleanup (faults cleared, Locust stopped, run.json written);
an interrupted phase still exports what it can within a few seconds, unless told to stop now.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from peakready.chaos import FaultLog, FaultTimeline, MockFaults, ProxyFaults
from peakready.config import Plan
from peakready.errors import HarnessError, PeakreadyError
from peakready.measure.saturation import CPU_FILE
from peakready.run.cpu import CpuSampler
from peakready.run.export import export_evidence, take_snapshot
from peakready.run.folder import RunRecord, now_iso, write_plan
from peakready.run.locust import LocustProcesses
from peakready.run.progress import Progress, ProgressState, QuietProgress
from peakready.run.signals import Interrupts
from peakready.run.witness import WITNESS_AGENT, Witness

if TYPE_CHECKING:
    from peakready.run.estate import Estate
    from peakready.scenario.launch import LoadTargets, LocustLaunch

__all__ = ["PrepareLocust", "resolve_workers", "run_load_phase"]

log = logging.getLogger("peakready.run.phase")
PrepareLocust = Callable[..., "LocustLaunch"]
START_TIMEOUT_S = 90.0       # Locust import + workers joining, on a loaded machine
# Past load.duration + journey_timeout (the master's own bound for journeys in flight)
# before Locust is stopped for it.
STOP_SLACK_S = 20.0
SAMPLE_EVERY_S = 2.0
INTERRUPTED_EXPORT_S = 15.0


def resolve_workers(plan: Plan) -> int:
    if plan.load.workers != "auto":
        return int(plan.load.workers)
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _default_prepare() -> PrepareLocust:
    from peakready.scenario.launch import prepare_locust

    prepare: PrepareLocust = prepare_locust
    return prepare


class _Sampler:
    """Witness samples into timeline.jsonl; the last one feeds the progress display."""

    def __init__(self, witness: Witness, path: Path, every_stock: int) -> None:
        self.witness, self.path = witness, path
        self.every_stock = every_stock
        self.phase = "load"
        self.t0: float | None = None
        self.last: dict[str, Any] | None = None
        self._n = 0

    async def once(self, *, stock: bool | None = None) -> dict[str, Any]:
        want_stock = stock if stock is not None else self._n % self.every_stock == 0
        self._n += 1
        sample = await self.witness.sample(self.phase, self.t0, stock=want_stock)
        if "stock_divergent_skus" not in sample and self.last:
            sample["stock_divergent_skus_last"] = self.last.get("stock_divergent_skus")
        self.last = {**(self.last or {}), **sample}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(sample, separators=(",", ":")) + "\n")
        return sample

    async def loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.once()
            except PeakreadyError as exc:
                # Expected inside an HTTP fault window on the ERP: the witness asks too.
                log.info("witness sample failed: %s", exc)
            await asyncio.sleep(max(0.1, SAMPLE_EVERY_S - (time.monotonic() - started)))


def _state(plan: Plan, phase: str, t0: float | None, locust: LocustProcesses | None,
           timeline: FaultTimeline | None, sampler: _Sampler | None) -> ProgressState:
    state = ProgressState(plan=plan.name, phase=phase, total_s=plan.load.duration)
    if t0 is not None:
        state.elapsed_s = min(max(0.0, time.time() - t0), plan.load.duration) \
            if phase == "load" else plan.load.duration
    snap = locust.control.snapshot if locust else None
    if snap:
        state.offered_per_s = snap.get("offered_per_s")
        state.achieved_per_s = snap.get("achieved_per_s")
        state.checkout_p95_ms = snap.get("checkout_p95_ms", snap.get("p95_ms"))
        state.errors, state.requests = snap.get("errors"), snap.get("requests")
    if timeline:
        state.faults, state.next_fault = timeline.active(), timeline.next_up()
    if sampler and sampler.last:
        state.erp_backlog = sampler.last.get("erp_backlog")
        state.stock_divergent = sampler.last.get("stock_divergent_skus")
    return state


async def _pause_movements(http: httpx.AsyncClient, erp: str) -> None:
    # The ERP's own warehouse movements would keep stock moving forever; the drain waits for
    # the integration to catch up with a still ERP. 404: an ERP without the switch.
    with contextlib.suppress(httpx.HTTPError):
        await http.put(erp + "/__admin/movements", json={"per_second": 0})


async def run_load_phase(estate: Estate, run_dir: Path, *, plan: Plan | None = None,
                         progress: Progress | None = None,
                         interrupts: Interrupts | None = None,
                         prepare: PrepareLocust | None = None,
                         targets: LoadTargets | None = None, ui: bool = False) -> RunRecord:
    """Run ``plan`` (default: the estate's) once into ``run_dir``; run.json says how it went.

    Raises what stopped it (CancelledError on a signal, HarnessError) after the cleanup and
    run.json; returns the record when the phase completed.
    """
    plan = plan or estate.plan
    progress = progress or QuietProgress()
    interrupts = interrupts or Interrupts()
    run_dir.mkdir(parents=True, exist_ok=True)
    secrets = estate.secrets()
    workers = resolve_workers(plan)
    record = RunRecord(plan=plan.name, components=estate.components(),
                       proxies=dict(estate.proxies), workers=workers,
                       target="embedded" if estate.embedded else estate.magento_direct,
                       fault_proxy=estate.fault_proxy, flash_skus=list(estate.flash_skus))
    write_plan(run_dir, plan, secrets)
    record.write(run_dir, secrets)
    phase_start = time.time()
    marks: dict[str, float] = {}
    locust: LocustProcesses | None = None
    timeline: FaultTimeline | None = None
    sampler: _Sampler | None = None
    tasks: list[asyncio.Task[Any]] = []
    mock_faults = MockFaults(estate.mocks | {"magento": estate.magento_direct})
    # Named, so a mock's journal tells the harness's own reads from the integration's.
    http = httpx.AsyncClient(timeout=30.0, headers={"User-Agent": WITNESS_AGENT})
    t0: float | None = None
    # The harness watches its own CPU for the whole phase (cpu.jsonl): a latency verdict of a
    # window where one of our processes or the machine was saturated is not the store's.
    cpu = CpuSampler(run_dir / CPU_FILE, estate.stack.pids)
    watching = asyncio.create_task(cpu.loop())
    try:
        step = time.monotonic()
        await take_snapshot(estate, http, run_dir / "evidence" / "snapshot_before.json")
        witness = Witness(estate, http, phase_start)
        await witness.start()
        marks["snapshot_s"] = time.monotonic() - step
        step = time.monotonic()
        # In a thread: it runs a preflight subprocess, and the lease and progress go on.
        launch = await asyncio.to_thread(
            prepare or _default_prepare(), plan, run_dir, targets or estate.load_targets(),
            workers=workers, plan_dir=estate.plan_dir, ui=ui)
        locust = LocustProcesses(estate.stack, launch, workers)
        await locust.start()
        progress.update(_state(plan, "starting Locust", None, locust, None, None))
        if launch.web_url:
            progress.note(f"Locust web UI: {launch.web_url} - press Start (it runs the plan's "
                          f"arrivals, mix and fault timeline; the user count and ramp are not "
                          f"used); the plan: {launch.web_url}/peakready")
        # With the web UI the user starts the test: wait for them (the timeline follows).
        t0 = await locust.started(24 * 3600.0 if ui else START_TIMEOUT_S)
        marks["locust_start_s"] = time.monotonic() - step
        record.test_start_wall = t0
        record.pids = estate.stack.pids()
        record.write(run_dir, secrets)
        faultlog = FaultLog(run_dir / "faults.jsonl", t0)
        timeline = FaultTimeline(plan.faults, {
            "proxy": ProxyFaults(estate.control, estate.proxy_names), "mock": mock_faults},
            faultlog)
        sampler = _Sampler(witness, run_dir / "timeline.jsonl",
                           every_stock=1 if len(estate.catalog.products) <= 5000 else 5)
        sampler.t0 = t0
        tasks = [asyncio.create_task(timeline.run(t0)), asyncio.create_task(sampler.loop())]
        deadline = t0 + plan.load.duration + plan.load.journey_timeout + STOP_SLACK_S
        while True:
            estate.check_alive()
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise HarnessError(f"fault timeline failed: {task.exception()!r}")
            progress.update(_state(plan, "load", t0, locust, timeline, sampler))
            if await locust.finished(min(deadline, time.time() + 1.0)):
                break
            if time.time() >= deadline:
                log.warning("Locust still running %.0f s after load.duration: stopping it",
                            plan.load.journey_timeout + STOP_SLACK_S)
                break
        record.test_stop_wall = float((locust.control.test_stop or {}).get("wall", time.time()))
        await locust.stop()
        await timeline.close("ok (load ended)")
        record.worker_losses = locust.control.worker_losses
        for task in tasks:  # the drain samples on its own schedule
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        step = time.monotonic()
        sampler.phase = "drain"
        record.drain = await _drain(plan, estate, http, sampler, progress, timeline, locust,
                                    interrupts)
        marks["drain_s"] = time.monotonic() - step
        step = time.monotonic()
        progress.update(_state(plan, "export", t0, locust, timeline, sampler))
        manifest = await export_evidence(estate, http, run_dir / "evidence",
                                         since_wall=phase_start)
        marks["export_s"] = time.monotonic() - step
        if not manifest["complete"]:
            log.warning("evidence export incomplete: %s", "; ".join(manifest["errors"]))
        record.status = "complete"
        return record
    except asyncio.CancelledError:
        record.status = "interrupted"
        record.interrupted_by = interrupts.name or "cancelled"
        raise
    except PeakreadyError as exc:
        record.status = "error"
        record.error = str(exc)
        raise
    except Exception as exc:  # a bug: still clean up, still say so in run.json
        record.status = "error"
        record.error = f"internal error: {exc!r}"
        raise
    finally:
        for task in [*tasks, watching]:
            task.cancel()
        await asyncio.gather(*tasks, watching, return_exceptions=True)
        if locust is not None:
            await locust.stop(grace=0.0 if interrupts.stop_now.is_set() else 15.0)
            record.worker_losses = locust.control.worker_losses
            if record.test_stop_wall is None and locust.control.test_stop:
                record.test_stop_wall = float(locust.control.test_stop["wall"])
        if timeline is not None:
            await timeline.close("ok (interrupted)" if record.status == "interrupted"
                                 else "ok (stopped early)")
        if record.status in ("interrupted", "error") and t0 is not None:
            # What was measured so far: the witnesses' state, quickly, unless told to hurry.
            await interrupts.bounded(export_evidence(estate, http, run_dir / "evidence",
                                                     since_wall=phase_start),
                                     INTERRUPTED_EXPORT_S)
        await mock_faults.aclose()
        await http.aclose()
        if record.test_start_wall and record.test_stop_wall:
            record.load_duration_s = round(record.test_stop_wall - record.test_start_wall, 3)
        record.phases = {k: round(v, 3) for k, v in marks.items()}
        record.ended_at = now_iso()
        record.write(run_dir, secrets)
        progress.update(_state(plan, record.status, t0, locust, timeline, sampler))


async def _drain(plan: Plan, estate: Estate, http: httpx.AsyncClient, sampler: _Sampler,
                 progress: Progress, timeline: FaultTimeline, locust: LocustProcesses,
                 interrupts: Interrupts) -> dict[str, Any]:
    await _pause_movements(http, estate.mocks["erp"])
    started = time.monotonic()
    timeout = plan.drain.timeout
    drained = False
    last: dict[str, Any] = {}
    while True:
        try:
            last = await sampler.once(stock=True)
            drained = Witness.drained(last)
        except PeakreadyError as exc:
            log.warning("drain sample failed: %s", exc)
        progress.update(_state(plan, "drain", sampler.t0, locust, timeline, sampler))
        waited = time.monotonic() - started
        if drained or waited >= timeout or interrupts.stop_now.is_set():
            break
        await asyncio.sleep(min(plan.drain.poll, max(0.0, timeout - waited)))
    return {"drained": drained, "waited_s": round(time.monotonic() - started, 3),
            "timeout_s": timeout, "erp_backlog": last.get("erp_backlog"),
            "erp_refused": last.get("erp_refused"),
            "stock_divergent_skus": last.get("stock_divergent_skus")}
