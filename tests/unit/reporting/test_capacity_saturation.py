"""A capacity step where the estate's own process was saturated holds nothing, and the search
names that process first: "saturated first: the estate's simulator", not a store figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peakready.capacity.drive import stability
from peakready.capacity.runner import _step, cpu_shares
from peakready.capacity.search import CapacitySearch
from peakready.config import CapacityPlan
from peakready.reporting.finalize import finalize
from peakready.reporting.result import CapacityStep
from peakready.run.folder import RunRecord
from support.run_folders import T0, RunSpec, write_run


def _cpu(run_dir: Path, busy: tuple[float, float]) -> None:
    lines = []
    for t in range(1, 61):
        hot = busy[0] < t <= busy[1]
        lines.append({"wall": T0 + t, "dt": 1.0, "cores": 2, "machine": 0.9 if hot else 0.5,
                      "procs": {"magento": 1.0 if hot else 0.4, "locust-worker-1": 0.3,
                                "connector": 1.0}})
    (run_dir / "cpu.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")


def _record() -> Any:
    return RunRecord(plan="synthetic", test_start_wall=T0, test_stop_wall=T0 + 60)


def test_a_step_whose_latency_was_the_simulators_is_not_held(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", RunSpec(seconds=60, faults=[(20.0, 10.0, "erp down")],
                                              slow=20.0, checks=["checkout_slo"]))
    _cpu(run, (18.0, 32.0))
    result = finalize(run, console=False)
    [slo] = [v for v in result.verdicts if v.check == "checkout_slo"]
    assert slo.status == "not_judged" and "the simulator was at 100% CPU" in slo.summary
    shares = cpu_shares(run, _record())
    assert shares["the estate's Locust worker 1"] == 0.3
    assert "the estate's connector" not in shares          # the user's code is no excuse
    step = _step(600.0, result, 60.0, None, None, [], shares)
    assert step.ok is False
    assert any("the simulator was at 100% CPU" in r for r in step.reasons)
    # Its mean over the hold is 0.5 of a core; the step's bottleneck is its peak.
    assert shares["the estate's simulator"] < 0.6
    assert step.utilisation["the estate's simulator"] == 1.0


def test_saturated_first_names_the_estates_process_before_the_store() -> None:
    search = CapacitySearch(CapacityPlan(start_orders_per_minute=600, step_factor=1.5,
                                         max_steps=2, bisect_steps=0))
    search.record(CapacityStep(orders_per_minute=600, p95_ms=400, ok=True))
    search.record(CapacityStep(orders_per_minute=900, p95_ms=9000, ok=False,
                               utilisation={"Magento workers": 1.0,
                                            "the machine's CPU": 1.0,
                                            "the estate's simulator": 0.97,
                                            "the estate's Locust worker 1": 0.5}))
    result = search.outcome()
    assert result.saturated_first == "the estate's simulator (97% busy)"
    assert "saturated first: the estate's simulator" in result.summary


def test_the_machine_is_named_when_none_of_ours_is_busy() -> None:
    search = CapacitySearch(CapacityPlan(start_orders_per_minute=600, max_steps=1))
    search.record(CapacityStep(orders_per_minute=600, p95_ms=9000, ok=False,
                               utilisation={"the machine's CPU": 0.99,
                                            "the estate's simulator": 0.6}))
    assert search.outcome().saturated_first == "the machine's CPU (99% busy)"


def test_a_rise_of_a_few_milliseconds_is_noise_not_saturation() -> None:
    # Measured on a busy 2-core host at 600 orders/min: p95 per sixth of a 20 s hold.
    noisy = [13.0, 27.0, 27.0, 22.0, 26.0, 41.0]
    assert stability(noisy) == "rising"                      # no SLO: any 1.3x rise counts
    assert stability(noisy, slo_p95_ms=2000.0) == "stable"   # 24 → 34 ms against a 2 s gate
    runaway = [100.0, 150.0, 300.0, 450.0, 900.0, 1500.0]
    assert stability(runaway, slo_p95_ms=2000.0) == "rising"
