"""``peakready capacity`` on a mix with customer checkouts and CRM edits (slow: real steps).

The steps vary only their arrivals: every step's journeys log in as customers the estate was
seeded with and edit CRM contacts that exist, so no step fails on the harness's own errors
(before the fix, every step after the first logged in as customers of another seed: 401s).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from peakready.capacity.harness_errors import harness_errors

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PLAN = {
    "name": "capacity-customers",
    "target": {"magento": "embedded", "simulator": {"profile": "tiny"}},
    "load": {"duration": "10s", "orders_per_minute": 60, "workers": 1,
             "mix": {"browse": 20, "guest_checkout": 40, "customer_checkout": 40},
             "sync": {"crm_upserts_per_minute": 60, "customer_updates_per_minute": 30}},
    "slo": {"checkout": {"p95_ms": 3000, "error_rate": 0.02}},
    "checks": ["no_lost_orders", "crm_integrity"],
    "drain": {"timeout": "30s"},
    "capacity": {"start_orders_per_minute": 40, "step_factor": 1.5, "max_steps": 2,
                 "hold": "8s", "bisect_steps": 0},
    "seed": 5,
}


def test_every_step_runs_on_the_seeded_customers(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(PLAN))
    reports = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "peakready.cli", "capacity", str(plan),
                           "--reports-dir", str(reports), "-q"],
                          capture_output=True, text=True, timeout=840)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-3000:]
    [run] = list(reports.iterdir())
    steps = sorted((run / "steps").iterdir())
    assert len(steps) == 2
    for step in steps:
        assert harness_errors(step) == []
        lines = [json.loads(line) for line in (step / "checkouts.jsonl").read_text().splitlines()]
        customers = [c for c in lines if c["journey"] == "customer_checkout"]
        assert customers and all(c["ok"] for c in customers), step.name
    capacity = json.loads((run / "capacity.json").read_text())
    assert capacity["steps"][0]["ok"] is True and capacity["steps"][0]["error_rate"] == 0
