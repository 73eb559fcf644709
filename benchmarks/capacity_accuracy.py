"""Does ``peakready capacity`` find the capacity the simulator's model predicts?

The embedded estate with the simulator's capacity model on (a pool of ``--workers`` PHP-FPM-like
workers, the default per-route service times), guest checkouts only, checkout p95 gate
``--slo-ms``. The search runs for real (Locust phases on one estate, each judged by the checks'
SLO gate); the prediction is the same pool, routes, journey, SLO and hold as an M/G/c queue
(peakready.capacity.predict), the baseline of this run. Prints every step, both figures, their
ratio (target 0.95 .. 1.05) and the seconds of load it took (target <= 360).

    .venv/bin/python benchmarks/capacity_accuracy.py [--workers 8] [--slo-ms 2500] [--hold 15]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import yaml

from peakready.capacity.cli import run_capacity
from peakready.config import load_plan
from peakready.reporting.result import CapacityResult

TOLERANCE = 0.05
LOAD_BUDGET_S = 360.0


def plan_text(args: argparse.Namespace) -> str:
    return yaml.safe_dump({
        "name": "capacity-accuracy",
        "target": {"magento": "embedded",
                   "simulator": {"profile": "small", "capacity_model": {"workers": args.workers}},
                   "integration": {"profile": "good"}},
        "load": {"duration": "30s", "orders_per_minute": 60, "mix": {"guest_checkout": 100},
                 "arrivals": "poisson", "workers": 1},
        "slo": {"checkout": {"p95_ms": args.slo_ms, "error_rate": 0.01}},
        "checks": [],
        "drain": {"timeout": "20s"},
        "capacity": {"target_orders_per_minute": args.target, "start_orders_per_minute":
                     args.start, "step_factor": 1.5, "max_steps": 8, "hold": args.hold,
                     "bisect_steps": 4},
        "seed": args.seed})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--slo-ms", type=float, default=2500.0)
    parser.add_argument("--hold", type=float, default=15.0)
    parser.add_argument("--start", type=float, default=200.0)
    parser.add_argument("--target", type=float, default=500.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="write the run folder here (else a temp "
                        "dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(args.keep) if args.keep else Path(tmp) / "reports"
        plan_path = Path(tmp) / "capacity-accuracy.yaml"
        plan_path.write_text(plan_text(args), encoding="utf-8")
        plan = load_plan(plan_path)
        started = time.perf_counter()
        run_dir, code = asyncio.run(run_capacity(plan, reports, plan_dir=Path(tmp)))
        wall = time.perf_counter() - started
        capacity = CapacityResult.model_validate_json((run_dir / "capacity.json").read_text())
    print(f"\n{'phase':>6} {'offered/min':>11} {'achieved':>9} {'p95 ms':>8} {'held s':>7} "
          f"{'util':>5}  result")
    for step in capacity.steps:
        util = step.utilisation.get("Magento workers")
        print(f"{step.phase:>6} {step.orders_per_minute:11.1f} "
              f"{step.achieved_orders_per_minute or 0:9.1f} {step.p95_ms or 0:8.0f} "
              f"{step.held_s or 0:7.0f} {util if util is not None else float('nan'):5.2f}  "
              f"{'ok' if step.ok else 'FAIL ' + '; '.join(step.reasons)[:80]}")
    found, predicted = capacity.sustainable_orders_per_minute, \
        capacity.predicted_orders_per_minute
    load_s = capacity.load_seconds or 0.0
    print(f"\nfound {found} orders/min, the model predicts {predicted} "
          f"({args.workers} workers, checkout p95 <= {args.slo_ms:g} ms, hold {args.hold:g} s, "
          f"bisection {2 * args.hold:g} s); knee {capacity.knee_orders_per_minute}, saturated "
          f"first: {capacity.saturated_first}")
    if found is None or not predicted:
        print("no ratio: the search or the prediction found nothing")
        return 1
    ratio = found / predicted
    within = abs(ratio - 1) <= TOLERANCE
    in_time = load_s <= LOAD_BUDGET_S
    print(f"found / predicted = {ratio:.3f} ({'within' if within else 'OUTSIDE'} ±5 %); "
          f"{load_s:.0f} s of load / {LOAD_BUDGET_S:.0f} s budget = {load_s / LOAD_BUDGET_S:.2f} "
          f"({'ok' if in_time else 'MISSED'}); {wall:.0f} s wall in all; exit {code}")
    return 0 if within and in_time else 1


if __name__ == "__main__":
    sys.exit(main())
