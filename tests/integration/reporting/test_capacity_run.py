"""``peakready capacity PLAN`` end to end on the embedded estate (slow: a few Locust phases).

A 1-worker simulator model (a ceiling of about 83 orders/min) and guest checkouts only: the
search steps 60 → 120 → 240 orders/min until the 3 s p95 gate breaks, bisects once, and writes a
run folder whose report draws the throughput-vs-latency curve; ``peakready report`` redraws it.
(A 10 s hold lets a rate somewhat above the ceiling pass: the queue has not grown enough yet.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _peakready(*argv: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run the CLI; on a timeout it gets SIGTERM (it stops its estate), not SIGKILL."""
    with subprocess.Popen([sys.executable, "-m", "peakready.cli", *argv],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
            pytest.fail(f"peakready {argv[0]} did not finish in {timeout:g} s: {err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

PLAN = {
    "name": "capacity-e2e",
    "target": {"magento": "embedded",
               "simulator": {"profile": "small", "capacity_model": {"workers": 1}}},
    "load": {"duration": "10s", "orders_per_minute": 60, "mix": {"guest_checkout": 100},
             "workers": 1},
    "slo": {"checkout": {"p95_ms": 3000, "error_rate": 0.02}},
    "checks": ["no_lost_orders"],
    "drain": {"timeout": "20s"},
    "capacity": {"target_orders_per_minute": 100, "start_orders_per_minute": 60,
                 "step_factor": 2, "max_steps": 3, "hold": "10s", "bisect_steps": 1},
    "seed": 3,
}


def test_capacity_command_writes_a_report_with_the_curve(tmp_path: Path) -> None:
    plan = tmp_path / "capacity.yaml"
    plan.write_text(yaml.safe_dump(PLAN))
    reports = tmp_path / "reports"
    done = _peakready("capacity", str(plan), "--reports-dir", str(reports), "-q", timeout=780)
    assert done.returncode in (0, 1), done.stderr[-3000:]   # 2 and 3 are refusals, errors
    [run] = list(reports.iterdir())
    capacity = json.loads((run / "capacity.json").read_text())
    steps = capacity["steps"]
    phases = [s["phase"] for s in steps]
    first_fail = next(i for i, s in enumerate(steps) if not s["ok"])
    assert phases[:first_fail + 1] == ["step"] * (first_fail + 1)
    assert phases[first_fail + 1:] == ["bisect"] * (len(steps) - first_fail - 1) != []
    assert steps[0]["ok"] is True
    assert capacity["sustainable_orders_per_minute"] == max(
        s["orders_per_minute"] for s in steps if s["ok"])
    assert done.returncode == (0 if capacity["headroom"] >= 0 else 1)
    assert capacity["predicted_orders_per_minute"] > 0
    assert len(list((run / "steps").iterdir())) >= len(steps)
    result = json.loads((run / "result.json").read_text())
    assert result["capacity"]["steps"] == steps
    assert any(v["check"] == "capacity" for v in result["verdicts"])
    html = (run / "report.html").read_text()
    assert 'id="chart-capacity"' in html and "Capacity and headroom" in html
    assert "capacity" in done.stdout and "orders/min sustainable" in done.stdout
    again = _peakready("report", "-q", str(run), timeout=60)
    assert again.returncode == done.returncode, again.stderr[-2000:]
