"""`peakready run PLAN` end to end as a user runs it: a real subprocess, the embedded estate,
Locust, the fault timeline, the drain, the evidence and the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.browser import REPORT_SELF_CHECK

_PLAN = {
    "name": "e2e", "seed": 3,
    "load": {"duration": "10s", "orders_per_minute": 60, "workers": 1,
             "flash_sale": {"skus": 2, "stock_each": 5, "buyers": 8, "at": "3s"}},
    "faults": [
        {"at": "2s", "for": "3s", "proxy": "erp", "toxic": "latency",
         "attributes": {"latency": 800}},
        {"at": "4s", "for": "3s", "proxy": "erp", "down": True},
        {"at": "7s", "for": "3s", "mock": "erp",
         "http": {"status": 429, "retry_after": 1, "path": "/api/orders*"}},
    ],
    "drain": {"timeout": "40s"},
}


def _run(args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peakready.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def e2e_run(tmp_path_factory: pytest.TempPathFactory, repo_root: Path
            ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One real run, shared by the assertions on its folder and on its report in a browser."""
    tmp_path = tmp_path_factory.mktemp("e2e")
    plan = tmp_path / "e2e.yaml"
    plan.write_text(yaml.safe_dump(_PLAN))
    reports = tmp_path / "reports"
    completed = _run(["run", str(plan), "--reports-dir", str(reports), "--quiet"],
                     repo_root, timeout=170)
    runs = list(reports.iterdir()) if reports.is_dir() else []
    assert len(runs) == 1, completed.stdout + completed.stderr
    return completed, runs[0]


def test_run_a_plan_end_to_end_and_leave_a_complete_run_folder(
        e2e_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    completed, run_dir = e2e_run
    output = completed.stdout + completed.stderr
    # The built-in integration (profile good) keeps every guarantee through these faults: a
    # check that fails here is a false alarm, or a regression of the integration.
    result = json.loads((run_dir / "result.json").read_text())
    not_passed = {v["check"]: f"{v['status']}: {v['summary']}" for v in result["verdicts"]
                  if v["status"] != "pass"}
    assert not_passed == {}, output
    assert len(result["verdicts"]) >= len(result["plan"]["checks"]) > 0
    assert completed.returncode == 0, output
    assert f"run folder: {run_dir}" in completed.stdout
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete", run
    assert run["drain"]["drained"] is True, run["drain"]
    assert set(run["components"]) == {"faultproxy", "magento", "erp", "crm", "payment",
                                      "shipping"}
    # Each fault applied and cleared once, on the plan's schedule relative to test_start.
    events = [json.loads(line) for line in (run_dir / "faults.jsonl").read_text().splitlines()]
    for index in range(len(_PLAN["faults"])):
        mine = {e["event"]: e for e in events if e["fault"] == index}
        assert set(mine) == {"applied", "cleared"}, events
        assert mine["applied"]["outcome"] == "ok" and mine["cleared"]["outcome"] == "ok"
        assert abs(mine["applied"]["t"] - mine["applied"]["planned_at"]) < 0.5
        assert abs(mine["cleared"]["t"] - mine["applied"]["planned_at"]
                   - mine["applied"]["planned_for"]) < 0.5
    manifest = json.loads((run_dir / "evidence" / "manifest.json").read_text())
    assert manifest["complete"], manifest
    assert manifest["files"]["magento/orders.jsonl"] > 0
    assert manifest["files"]["erp/orders.jsonl"] > 0
    snapshot = json.loads((run_dir / "evidence" / "snapshot_before.json").read_text())
    # Flash-sale seeding: the hot SKUs start at stock_each in Magento and in the ERP.
    for sku in snapshot["flash_skus"]:
        assert snapshot["magento"]["source"][sku] == 5 and snapshot["erp"]["on_hand"][sku] == 5
    assert (run_dir / "result.json").is_file() and (run_dir / "plan.yaml").is_file()
    assert (run_dir / "timeline.jsonl").read_text().count('"phase":"drain"') >= 1
    # No child left behind.
    for pid in run["pids"].values():
        assert not Path(f"/proc/{pid}").exists() or \
            "zombie" in Path(f"/proc/{pid}/status").read_text().lower(), pid


def test_the_runs_own_report_renders_in_chromium(
        e2e_run: tuple[subprocess.CompletedProcess[str], Path], browser: Any,
        tmp_path: Path) -> None:
    # The report a user opens after `make run`: offline, no console errors, every chart drawn
    # with data points, and each applied fault shaded as a band on the time charts.
    report = e2e_run[1] / "report.html"
    page = browser.open_page(report.as_uri())
    state = page.evaluate(REPORT_SELF_CHECK)
    page.screenshot(tmp_path / "e2e-report.png")
    assert page.errors() == [], page.errors()
    assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
    labels = {json.loads(line)["label"] for line in
              (e2e_run[1] / "faults.jsonl").read_text().splitlines() if '"applied"' in line}
    assert len(labels) == len(_PLAN["faults"])
    charts = {c["id"]: c for c in state["charts"]}
    assert {"traffic", "latency", "errors"} <= set(charts), set(charts)
    for chart in charts.values():
        assert chart["width"] > 300 and chart["points"] > 0, chart["id"]
        if chart["id"] != "capacity":
            assert {b["label"] for b in chart["bands"]} == labels, chart["id"]


def test_run_refuses_a_missing_plan_with_exit_2(tmp_path: Path, repo_root: Path) -> None:
    completed = _run(["run", "nope.yaml", "--reports-dir", str(tmp_path)], repo_root, 60)
    assert completed.returncode == 2
    assert "nope.yaml" in completed.stderr
    assert not list(tmp_path.iterdir())


def test_validate_says_ok_or_names_the_key(tmp_path: Path, repo_root: Path) -> None:
    good = _run(["validate", str(repo_root / "fixtures" / "plans" / "smoke.yaml")],
                repo_root, 60)
    assert good.returncode == 0 and "ok" in good.stdout, good.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("load: {duraton: 2m}\n")
    refused = _run(["validate", str(bad)], repo_root, 60)
    assert refused.returncode == 2
    assert "load.duraton" in refused.stderr and "did you mean 'duration'" in refused.stderr
