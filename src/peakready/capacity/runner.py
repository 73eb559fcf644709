"""One capacity step = one load phase on a standing estate, judged like any run.

::

    open_estate(plan) ─┬─ step k: plan at rate r, held h s, no faults, constant shape
                       │    run_load_phase(estate, steps/NN-<r>opm/, plan=step plan)
                       │    finalize(step dir) ──► verdicts (checks + SLO gates), checkout p95
                       │    GET /__admin/capacity before/after ──► Magento worker utilisation
                       │    cpu.jsonl ──► each estate process's CPU share over the hold
                       │    ──► CapacityStep(ok = every verdict passed, p95, reasons, ...)
                       │    harness_errors(step dir) ──► HarnessError: the harness's own
                       │        refusals (fixtures the store does not have) measure nothing
                       └─ ... search_capacity drives the rates (peakready.capacity.drive)

Steps vary only the arrivals (``load.arrival_seed``), never the data the estate was seeded with.

Faults are left out of a capacity step: the search measures what the store holds when its
back-ends are healthy; resilience under faults is ``peakready run``'s question.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx

from peakready.capacity.drive import stability
from peakready.capacity.harness_errors import harness_errors
from peakready.capacity.search import ESTATE_PREFIX, MACHINE_KEY
from peakready.checks import EvidenceError, RunEvidence
from peakready.config import Plan, parse_plan
from peakready.errors import HarnessError
from peakready.measure.saturation import MACHINE, Saturation, display_name
from peakready.reporting.finalize import finalize
from peakready.reporting.hdr import Latency
from peakready.reporting.result import CapacityStep, RunResult
from peakready.reporting.stats import collect

__all__ = ["StepRunnerOnEstate", "cpu_shares", "step_plan"]

log = logging.getLogger("peakready.capacity")


def step_plan(plan: Plan, orders_per_minute: float, hold_s: float, index: int) -> Plan:
    """The plan of one step: the same mix, checks and SLO at ``orders_per_minute``."""
    data = plan.to_json()
    data["name"] = f"{plan.name}-step{index:02d}"
    data["faults"] = []
    data["load"].update(orders_per_minute=round(orders_per_minute, 3), duration=hold_s,
                        shape="constant", flash_sale=None)
    # Each step draws its own arrivals (a second hold at one rate is a second sample), on the
    # data the estate was seeded with once, from the plan's seed: customers, SKUs, contacts.
    data["load"]["arrival_seed"] = plan.arrivals_seed + index
    return parse_plan(data, source=f"capacity step {index}")


class StepRunnerOnEstate:
    """``await runner(rate, hold)`` on an estate from ``peakready.run.open_estate``."""

    def __init__(self, estate: Any, plan: Plan, run_dir: Path, *, interrupts: Any = None,
                 progress: Any = None) -> None:
        self.estate, self.plan, self.run_dir = estate, plan, run_dir
        self.interrupts, self.progress = interrupts, progress
        self.index = 0
        self.results: list[tuple[CapacityStep, Path, RunResult]] = []

    async def _capacity_state(self) -> dict[str, Any] | None:
        if not getattr(self.estate, "embedded", False):
            return None
        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                answer = await http.get(f"{self.estate.magento_direct}/__admin/capacity")
            report: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError):
            return None
        return report if report.get("enabled") else None

    async def __call__(self, rate: float, hold: float) -> CapacityStep:
        from peakready.run.phase import run_load_phase

        self.index += 1
        plan = step_plan(self.plan, rate, hold, self.index)
        step_dir = self.run_dir / "steps" / f"{self.index:02d}-{rate:.0f}opm"
        before = await self._capacity_state()
        record = await run_load_phase(self.estate, step_dir, plan=plan,
                                      interrupts=self.interrupts, progress=self.progress)
        after = await self._capacity_state()
        faults = step_dir / "faults.jsonl"
        if not faults.exists():
            # A step applies no faults, and the chaos side writes the file only when it
            # applies one; an empty file says "no windows" where a missing one says "unknown".
            faults.touch()
        result = await asyncio.to_thread(finalize, step_dir, console=False)
        own = await asyncio.to_thread(harness_errors, step_dir)
        if own:
            # Not a capacity figure: the store refused data the harness chose.
            raise HarnessError(
                f"capacity step {self.index} ({rate:,.0f} orders/min) failed on the harness's "
                f"own errors, not the store's: {'; '.join(own)}; see {step_dir}")
        held = record.load_duration_s or hold
        step = _step(rate, result, held, before, after,
                     await asyncio.to_thread(_p95_by_sixth, step_dir, held),
                     await asyncio.to_thread(cpu_shares, step_dir, record))
        log.info("capacity step %d: %.0f orders/min → p95 %s ms, %s", self.index, rate,
                 step.p95_ms, "ok" if step.ok else "; ".join(step.reasons))
        self.results.append((step, step_dir, result))
        return step


def _utilisation(before: dict[str, Any] | None, after: dict[str, Any] | None,
                 held_s: float) -> dict[str, float]:
    if not before or not after or held_s <= 0:
        return {}
    busy = float(after["state"]["busy_worker_seconds"]) - \
        float(before["state"]["busy_worker_seconds"])
    # Busy worker-seconds include the drain's trickle; the load's share dominates them.
    return {"Magento workers": round(min(busy / (int(after["workers"]) * held_s), 1.0), 4)}


def cpu_shares(step_dir: Path, record: Any) -> dict[str, float]:
    """Mean CPU over the hold of each process of the estate (a share of one core) and of the
    machine (a share of all cores), keyed as the capacity report names them."""
    start, stop = record.test_start_wall, record.test_stop_wall
    if not start or not stop:
        return {}
    shares = Saturation.load(step_dir).shares(float(start), float(stop))
    out: dict[str, float] = {}
    for who, value in shares.items():
        if who == MACHINE:
            out[MACHINE_KEY] = value
        elif who != "connector":   # the user's connector is judged, not the estate
            out[ESTATE_PREFIX + display_name(who)] = value
    return out


def _p95_by_sixth(step_dir: Path, held_s: float) -> list[float | None]:
    """Checkout p95 over each sixth of the hold, from the merged HDR histograms: per-second
    p95s of a few checkouts each are too noisy to tell a rising queue from chance."""
    evidence = RunEvidence.load(step_dir)
    try:
        samples = collect(evidence.latency(), [], evidence.test_start)
    except EvidenceError:
        return []
    checkout = samples.checkout()
    sixth = max(held_s / 6, 1.0)
    out: list[float | None] = []
    for k in range(6):
        parts = [sec.latency for t, sec in checkout.items() if k * sixth <= t < (k + 1) * sixth]
        out.append(Latency.merged(parts).percentiles_ms((95.0,))[0] if parts else None)
    return out


def _slo_p95(result: RunResult) -> float | None:
    gate = (result.plan.get("slo", {}).get("gates") or {}).get("checkout") or {}
    value = gate.get("p95_ms") if isinstance(gate, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _step(rate: float, result: RunResult, held_s: float, before: dict[str, Any] | None,
          after: dict[str, Any] | None, p95_by_sixth: list[float | None],
          cpu: dict[str, float] | None = None) -> CapacityStep:
    whole = result.window_stats("whole")
    checkout = whole.checkout if whole is not None else None
    failed = [v for v in result.verdicts if v.status != "pass"]
    reasons = [f"{v.check}: {v.summary}" for v in failed]
    if result.status != "complete":
        reasons.insert(0, f"run {result.status}: {result.error or 'no error given'}")
    # A latency verdict not judged because the harness was saturated is no pass: the step
    # measured the estate's limit, not the store's, and cannot count as held.
    # (peakready.checks.saturated keeps the breach it excused in figures.unjudged_summary)
    excused = [v for v in result.verdicts
               if v.status == "not_judged" and "unjudged_summary" in v.figures]
    utilisation = {**_utilisation(before, after, held_s), **(cpu or {})}
    for verdict in excused:
        # Who was saturated when the verdict was not judged counts at its peak, not its mean
        # over the hold: that is what the step measured, so it is what saturated first.
        for span in verdict.figures["saturated"]:
            who = str(span.get("who"))
            key = MACHINE_KEY if who == MACHINE else ESTATE_PREFIX + display_name(who)
            utilisation[key] = max(utilisation.get(key, 0.0), float(span.get("peak") or 0.0))
    saturated = bool(excused)
    lag = result.series.get("export_lag")
    limit = result.plan.get("thresholds", {}).get("export_lag_p95_s")
    if lag is not None and lag.values and isinstance(limit, int | float) and limit > 0:
        worst = max((v for v in next(iter(lag.values.values())) if v is not None), default=0.0)
        utilisation["ERP export lag"] = round(worst / float(limit), 4)
    achieved = None
    if checkout is not None and checkout.count and held_s > 0:
        achieved = round((checkout.count - checkout.errors) / held_s * 60.0, 1)
    # The hit ratio the step ran at: a pages store holds more with a warmer cache.
    hit_ratio = next((v.figures.get("hit_ratio") for v in result.verdicts
                      if v.check == "storefront_cache"), None)
    return CapacityStep(
        cache_hit_ratio=hit_ratio if isinstance(hit_ratio, int | float) else None,
        orders_per_minute=round(rate, 1), achieved_orders_per_minute=achieved,
        p95_ms=checkout.p95_ms if checkout is not None and checkout.count else None,
        error_rate=checkout.error_rate if checkout is not None and checkout.count else None,
        held_s=round(held_s, 1), stable=stability(p95_by_sixth, _slo_p95(result)) != "rising",
        ok=result.exit_code == 0 and not saturated, reasons=reasons, utilisation=utilisation)
