"""Fault timing: applied/cleared wall times in faults.jsonl vs the plan, over 50 windows.

The fault timeline runs 50 overlapping windows (latency and bandwidth toxics and ``down`` on
the embedded fault proxy, HTTP rules on the ERP mock), each applied at ``at`` and cleared at
``at + for`` relative to t0, against real child processes on loopback. Printed: the error
|recorded wall - planned wall| (p50, p99, max) for applies and clears, next to the baseline
measured in the same run: the same schedule with a target that does nothing (the event loop's
own timer error). Target: p99 ≤ 50 ms.

    .venv/bin/python benchmarks/run_fault_timing.py [--windows 50] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from peakready.chaos import FaultLog, FaultProxyClient, FaultTimeline, MockFaults, ProxyFaults
from peakready.config import FaultPlan
from peakready.stack import Stack, peakready_argv

TARGET_MS = 50.0
VERBOSE = False


def _windows(n: int) -> list[FaultPlan]:
    kinds: list[dict[str, Any]] = [
        {"proxy": "erp", "toxic": "latency", "attributes": {"latency": 50}},
        {"proxy": "erp", "toxic": "bandwidth", "attributes": {"rate": 100}},
        {"proxy": "erp", "down": True},
        {"mock": "erp", "http": {"status": 503, "rate": 0.5}},
    ]
    return [FaultPlan.model_validate({"at": 1.0 + 0.25 * i, "for": 0.6, **kinds[i % 4]})
            for i in range(n)]


class _Nothing:
    async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
        return {}

    async def clear(self, index: int, fault: FaultPlan) -> None:
        return None


def _errors(log: FaultLog, t0: float) -> dict[str, list[float]]:
    errors: dict[str, list[float]] = {"applied": [], "cleared": []}
    for record in log.read():
        planned = t0 + record["planned_at"] + (
            record["planned_for"] if record["event"] == "cleared" else 0.0)
        errors[record["event"]].append(abs(record["wall"] - planned) * 1000)
        if VERBOSE and errors[record["event"]][-1] > 20:
            print("   slow:", record["event"], record["label"], record["planned_at"],
                  f"{errors[record['event']][-1]:.1f} ms")
    return errors


def _line(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (f"  {name:<22} n={len(values):3d}  p50 {statistics.median(values):6.2f} ms  "
            f"p99 {p99:6.2f} ms  max {max(values):6.2f} ms")


async def _run(windows: list[FaultPlan], targets: dict[str, Any], path: Path) -> dict[str, list[
        float]]:
    log = FaultLog(path)
    timeline = FaultTimeline(windows, targets, log)
    t0 = time.time()
    await timeline.run(t0)
    await timeline.close()
    return _errors(log, t0)


async def main(n: int) -> int:
    windows = _windows(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = await _run(windows, {"proxy": _Nothing(), "mock": _Nothing()},
                              folder / "baseline.jsonl")
        async with Stack(folder / "logs") as stack:
            proxy = await stack.start("faultproxy", peakready_argv("proxy", "--port", "0"),
                                      health_path="/version")
            erp = await stack.start("erp", peakready_argv("mock", "erp", "--port", "0"))
            with FaultProxyClient(proxy.url) as control:
                control.create_proxy("erp", erp.url.removeprefix("http://"))
                mocks = MockFaults({"erp": erp.url})
                measured = await _run(windows, {"proxy": ProxyFaults(control, {"erp": "erp"}),
                                                "mock": mocks}, folder / "faults.jsonl")
                await mocks.aclose()
    print(f"fault timing over {n} windows (target p99 <= {TARGET_MS:.0f} ms)")
    print(_line("baseline applied", baseline["applied"]))
    print(_line("baseline cleared", baseline["cleared"]))
    print(_line("faults applied", measured["applied"]))
    print(_line("faults cleared", measured["cleared"]))
    both = sorted(measured["applied"] + measured["cleared"])
    p99 = both[min(len(both) - 1, round(0.99 * (len(both) - 1)))]
    print(f"p99 error {p99:.2f} ms = {p99 / TARGET_MS:.2f} x target")
    return 0 if p99 <= TARGET_MS else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--verbose", action="store_true", help="name each window off by > 20 ms")
    args = parser.parse_args()
    VERBOSE = args.verbose
    raise SystemExit(asyncio.run(main(args.windows)))
