"""Slow: the CRM dialect plans (fixtures/plans/dialects/) with the example connector speaking
the CRM's API. Its CRM's own failure mode (the API-call allocation used up) is retried, so
crm_integrity passes; with the connector's ``crm_limit_is_final`` mistake the changes pushed
into the limit are dropped and crm_integrity fails naming them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _shortened(repo_root: Path, dialect: str, mistakes: str | None) -> dict[str, Any]:
    plan = yaml.safe_load((repo_root / "fixtures" / "plans" / "dialects" /
                           f"{dialect}.yaml").read_text())
    plan["load"]["duration"] = "45s"
    plan["load"]["flash_sale"]["at"] = "5s"
    plan["load"]["sync"]["customer_updates_per_minute"] = 60
    # Only the CRM's own fault: the ERP's are the smoke plan's, judged elsewhere.
    plan["faults"] = [f for f in plan["faults"] if f.get("mock") == "crm"]
    plan["faults"][0].update({"at": "10s", "for": "20s"})
    plan["drain"] = {"timeout": "40s"}
    connector = plan["target"]["connector"]
    connector["cwd"] = str(repo_root / "examples" / "connector")
    if mistakes:
        connector["env"]["CONNECTOR_MISTAKES"] = mistakes
    return plan


def _verdicts(repo_root: Path, tmp_path: Path, plan: dict[str, Any], name: str
              ) -> dict[str, dict[str, Any]]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan))
    reports = tmp_path / f"reports-{name}"
    done = subprocess.run([sys.executable, "-m", "peakready.cli", "run", str(path),
                           "--reports-dir", str(reports), "--quiet"], cwd=repo_root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (run_dir,) = reports.iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    return {v["check"]: v for v in result["verdicts"]}


@pytest.mark.parametrize("dialect", ["salesforce", "hubspot"])
def test_the_api_limit_is_survived_by_retrying_and_lost_by_giving_up(
        repo_root: Path, tmp_path: Path, dialect: str) -> None:
    careful = _verdicts(repo_root, tmp_path, _shortened(repo_root, dialect, None), "careful")
    assert careful["crm_integrity"]["status"] == "pass", careful["crm_integrity"]
    assert careful["no_lost_orders"]["status"] == "pass", careful["no_lost_orders"]
    careless = _verdicts(repo_root, tmp_path,
                         _shortened(repo_root, dialect, "crm_limit_is_final"), "careless")
    verdict = careless["crm_integrity"]
    assert verdict["status"] == "fail", verdict
    assert "never reached the CRM" in verdict["summary"]
