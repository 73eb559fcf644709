"""How much does the embedded estate itself hold? ``peakready capacity`` on the default mix.

The default mix (browse 30, search 28, abandoned cart 28, guest checkout 7, customer checkout
7), the simulator with its capacity model off (it answers as fast as our processes can), the
good integration, checkout p95 <= ``--slo-ms`` and error rate <= 1 %. The search runs for real
(one estate, Locust phases, each judged); every phase records each process's CPU
(``cpu.jsonl``). Prints every step, the sustainable orders/min, the knee, and each estate
process's CPU at the step nearest the knee: its share of one core, and CPU-ms per order (the
figure that survives a shared machine: contention stretches wall time, not CPU per order).

    .venv/bin/python benchmarks/estate_capacity.py [--start 600] [--hold 20] [--keep DIR]
    .venv/bin/python benchmarks/estate_capacity.py --rate 600 --hold 30    # one step only

Targets (issue 23, a quiet 2-core machine): sustainable >= 1,800 orders/min, knee >= 1,200.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

from peakready.capacity.cli import run_capacity
from peakready.capacity.search import ESTATE_PREFIX, MACHINE_KEY
from peakready.config import load_plan
from peakready.reporting.result import CapacityResult, CapacityStep

TARGET_SUSTAINABLE = 1800.0
TARGET_KNEE = 1200.0


def plan_text(args: argparse.Namespace) -> str:
    single = args.rate is not None
    return yaml.safe_dump({
        "name": "estate-capacity",
        "target": {"magento": "embedded",
                   "simulator": {"profile": args.profile, "capacity_model": False},
                   "integration": {"profile": "good"}},
        "load": {"duration": "30s", "orders_per_minute": 60, "arrivals": "poisson",
                 "workers": args.workers,
                 "mix": {"browse": 30, "search": 28, "abandoned_cart": 28,
                         "guest_checkout": args.guest, "customer_checkout": args.customer}},
        "slo": {"checkout": {"p95_ms": args.slo_ms, "error_rate": 0.01}},
        "checks": args.checks.split(",") if args.checks else [],
        "drain": {"timeout": "30s"},
        "capacity": {"start_orders_per_minute": args.rate if single else args.start,
                     "step_factor": args.factor, "max_steps": 1 if single else 10,
                     "hold": args.hold, "bisect_steps": 0 if single else 3},
        "seed": args.seed})


def _nearest(steps: list[CapacityStep], rate: float | None) -> CapacityStep | None:
    measured = [s for s in steps if s.utilisation]
    if not measured:
        return None
    if rate is None:
        return max(measured, key=lambda s: (s.ok, s.orders_per_minute))
    return min(measured, key=lambda s: abs(s.orders_per_minute - rate))


def cpu_table(step: CapacityStep) -> list[str]:
    """Each process's share of one core over the hold and its CPU-ms per order."""
    orders_s = (step.achieved_orders_per_minute or step.orders_per_minute) / 60.0
    rows = sorted(((k.removeprefix(ESTATE_PREFIX), v) for k, v in step.utilisation.items()
                   if k.startswith(ESTATE_PREFIX)), key=lambda kv: -kv[1])
    total = sum(v for _, v in rows)
    lines = [f"{'process':<22} {'CPU (cores)':>11} {'share':>6} {'CPU-ms/order':>13}"]
    for name, value in rows:
        lines.append(f"{name:<22} {value:11.2f} {value / total if total else 0:6.0%} "
                     f"{1000 * value / orders_s if orders_s else 0:13.1f}")
    lines.append(f"{'all estate processes':<22} {total:11.2f} {'100%':>6} "
                 f"{1000 * total / orders_s if orders_s else 0:13.1f}")
    machine = step.utilisation.get(MACHINE_KEY)
    if machine is not None:
        lines.append(f"machine busy (all {psutil.cpu_count()} cores, anyone's work): "
                     f"{machine:.0%}")
    return lines


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {psutil.cpu_count()} cores"


def report(capacity: CapacityResult, args: argparse.Namespace, wall: float) -> int:
    print(f"\n{'phase':>6} {'offered/min':>11} {'achieved':>9} {'p95 ms':>8} {'held s':>7} "
          f"{'estate CPU':>10}  result")
    for step in capacity.steps:
        estate = sum(v for k, v in step.utilisation.items() if k.startswith(ESTATE_PREFIX))
        print(f"{step.phase:>6} {step.orders_per_minute:11.1f} "
              f"{step.achieved_orders_per_minute or 0:9.1f} {step.p95_ms or 0:8.0f} "
              f"{step.held_s or 0:7.0f} {estate:10.2f}  "
              f"{'ok' if step.ok else 'FAIL ' + '; '.join(step.reasons)[:100]}")
    found, knee = capacity.sustainable_orders_per_minute, capacity.knee_orders_per_minute
    at = _nearest(capacity.steps, knee)
    if at is not None:
        print(f"\nCPU per estate process at {at.orders_per_minute:,.0f} orders/min "
              f"({'the step nearest the knee' if knee else 'the highest step measured'}):")
        print("\n".join(cpu_table(at)))
    print(f"\nsustainable {found} orders/min (target >= {TARGET_SUSTAINABLE:,.0f}), knee {knee} "
          f"(target >= {TARGET_KNEE:,.0f}); saturated first: {capacity.saturated_first}")
    print(f"{len(capacity.steps)} steps, {capacity.load_seconds or 0:.0f} s of load, "
          f"{wall:.0f} s wall; {_load()} at the end")
    if args.rate is not None:
        return 0
    ok = (found or 0) >= TARGET_SUSTAINABLE and (knee or 0) >= TARGET_KNEE
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=float, default=600.0, help="first step, orders/min")
    parser.add_argument("--factor", type=float, default=1.5, help="step factor")
    parser.add_argument("--rate", type=float, help="one step at this rate (no search)")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds per step")
    parser.add_argument("--slo-ms", type=float, default=2000.0)
    parser.add_argument("--guest", type=float, default=7.0, help="guest checkout weight")
    parser.add_argument("--customer", type=float, default=7.0,
                        help="customer checkout weight (0: guests only)")
    parser.add_argument("--workers", default="auto", help="Locust workers (auto: cores - 1)")
    parser.add_argument("--profile", default="small", help="fixture profile")
    parser.add_argument("--checks", default="", help="comma-separated checks beside the gate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="write the run folder here")
    args = parser.parse_args()
    if args.workers != "auto":
        args.workers = int(args.workers)
    print(f"estate capacity: default mix (guest {args.guest:g}, customer {args.customer:g}), "
          f"capacity model off, good integration, checkout p95 <= {args.slo_ms:g} ms; "
          f"{_load()} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(args.keep) if args.keep else Path(tmp) / "reports"
        plan_path = Path(tmp) / "estate-capacity.yaml"
        plan_path.write_text(plan_text(args), encoding="utf-8")
        plan = load_plan(plan_path)
        started = time.perf_counter()
        run_dir, _ = asyncio.run(run_capacity(plan, reports, plan_dir=Path(tmp)))
        wall = time.perf_counter() - started
        capacity = CapacityResult.model_validate_json((run_dir / "capacity.json").read_text())
        if args.keep:
            print(f"run folder: {run_dir}")
    return report(capacity, args, wall)


if __name__ == "__main__":
    sys.exit(main())
