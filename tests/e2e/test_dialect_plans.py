"""The ERP dialect plans end to end (fixtures/plans/dialects/): the example connector speaking
each dialect passes every check; without its retry (``no_retry``) no_lost_orders fails; with
the dialect's own failure mode mishandled the matching check fails. Slow: each is a full
``peakready run`` of the plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DIALECTS = ["business-central", "netsuite", "odoo", "sap-b1"]
# The dialect's failure mode in its plan, and the check that fails when it is mishandled.
MISHANDLED = {"business-central": ("no_relogin", "no_lost_orders"),
              "netsuite": ("lookup_before_create", "no_duplicate_orders"),
              "odoo": ("trust_http_200", "no_lost_orders"),
              "sap-b1": ("no_relogin", "no_lost_orders")}


def _run(repo_root: Path, tmp_path: Path, dialect: str, mistakes: str = ""
         ) -> tuple[int, dict[str, str], Path]:
    plan = yaml.safe_load((repo_root / "fixtures" / "plans" / "dialects" / f"{dialect}.yaml")
                          .read_text("utf-8"))
    connector = plan["target"]["connector"]
    connector["cwd"] = str(repo_root / "examples" / "connector")
    if mistakes:
        connector["env"]["CONNECTOR_MISTAKES"] = mistakes
    path = tmp_path / f"{dialect}.yaml"
    path.write_text(yaml.safe_dump(plan), "utf-8")
    reports = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "peakready.cli", "run", str(path),
                           "--reports-dir", str(reports), "--quiet"], cwd=repo_root,
                          capture_output=True, text=True, timeout=840, env=dict(os.environ))
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    (run_dir,) = reports.iterdir()
    result: dict[str, Any] = json.loads((run_dir / "result.json").read_text("utf-8"))
    verdicts = {v["check"]: v["status"] for v in result["verdicts"]}
    return done.returncode, verdicts, run_dir


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_connector_speaking_the_dialect_passes_every_check(
        repo_root: Path, tmp_path: Path, dialect: str) -> None:
    code, verdicts, run_dir = _run(repo_root, tmp_path, dialect)
    # not_judged: checks these plans give nothing to judge (no payment mock, no pages)
    assert code == 0 and set(verdicts.values()) <= {"pass", "not_judged"}, (verdicts, run_dir)
    assert "connector up" in (run_dir / "logs" / "connector.log").read_text("utf-8")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_without_retry_orders_are_lost(repo_root: Path, tmp_path: Path, dialect: str) -> None:
    code, verdicts, _ = _run(repo_root, tmp_path, dialect, "no_retry")
    assert code == 1 and verdicts["no_lost_orders"] == "fail", verdicts


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_dialects_failure_mode_mishandled_fails_its_check(
        repo_root: Path, tmp_path: Path, dialect: str) -> None:
    mistake, check = MISHANDLED[dialect]
    code, verdicts, _ = _run(repo_root, tmp_path, dialect, mistake)
    assert code == 1 and verdicts[check] == "fail", verdicts
