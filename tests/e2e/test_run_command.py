"""`peakready run` (the README's main command) on the embedded estate, as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_run_stands_up_the_estate_and_writes_a_passing_report(tmp_path: Path,
                                                               repo_root: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "peakready.cli", "run", "--reports-dir", str(tmp_path)],
        cwd=repo_root, capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (run_dir,) = tmp_path.iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    assert {v["name"] for v in result["verdicts"]} == {
        "baseline_healthy", "latency_toxic_bites", "outage_bites", "reset_heals",
        "checkout_up_while_erp_down", "orders_reach_erp_exactly_once"}
    assert all(v["passed"] for v in result["verdicts"])
    assert set(result["components"]) == {"faultproxy", "magento", "erp", "crm", "payment",
                                         "shipping"}
    # DESIGN §1 wiring: every back-end sits behind a proxy of its own name.
    assert set(result["proxies"]) == {"erp", "crm", "payment", "shipping"}
    fault_lines = (run_dir / "faults.jsonl").read_text().splitlines()
    fault_events = [json.loads(line) for line in fault_lines]
    assert [e["event"] for e in fault_events] == ["applied", "cleared", "applied", "cleared"]
    assert "[PASS] outage_bites" in completed.stdout


def test_run_refuses_a_plan_it_cannot_honour_with_exit_2(tmp_path: Path, repo_root: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "peakready.cli", "run", "nope.yaml", "--reports-dir",
         str(tmp_path)], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "nope.yaml" in completed.stderr
