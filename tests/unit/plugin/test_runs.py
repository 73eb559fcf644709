"""The plugin's plain parts: which plan a marker names, and the message a failed check gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peakready.errors import ConfigError
from peakready.pytest_plugin.runs import PlanRun, failure_message, resolve_plan
from peakready.reporting.result import RunResult


def _run(*verdicts: dict[str, Any], status: str = "complete") -> PlanRun:
    result = RunResult(peakready_version="0", generated_at="now", plan_name="p",
                       status=status, verdicts=list(verdicts))
    return PlanRun(run_dir=Path("/runs/p"), exit_code=result.exit_code, result=result,
                   output="")


def test_every_wanted_verdict_passing_gives_no_message() -> None:
    run = _run({"check": "no_lost_orders", "status": "pass", "summary": "all 9 reached"},
               {"check": "checkout_slo", "status": "fail", "summary": "p95 9 s"})
    assert failure_message(run, ["no_lost_orders"]) is None


def test_a_failed_check_shows_its_summary_and_examples() -> None:
    examples = [{"increment_id": f"00000000{i}"} for i in range(7)]
    run = _run({"check": "no_lost_orders", "status": "fail", "summary": "7 of 9 lost",
                "examples": examples})
    message = failure_message(run, None)
    assert message is not None
    assert "no_lost_orders FAIL: 7 of 9 lost" in message
    assert 'e.g. {"increment_id": "000000000"}' in message
    assert "2 more examples in result.json" in message
    assert "run folder: /runs/p" in message


def test_an_unjudged_or_missing_check_is_never_a_pass() -> None:
    run = _run({"check": "no_oversell", "status": "error", "summary": "evidence missing"})
    message = failure_message(run, ["no_oversell", "crm_integrity"])
    assert message is not None
    assert "no_oversell ERROR: evidence missing" in message
    assert "crm_integrity: no such verdict" in message


def test_plans_resolve_from_the_test_folder_the_rootdir_or_the_bundle(tmp_path: Path) -> None:
    here, root = tmp_path / "tests", tmp_path
    here.mkdir()
    (here / "mine.yaml").write_text("name: mine\n")
    (root / "top.yaml").write_text("name: top\n")
    assert resolve_plan("mine.yaml", [here, root], tmp_path) == (here / "mine.yaml").resolve()
    assert resolve_plan("top.yaml", [here, root], tmp_path) == (root / "top.yaml").resolve()
    assert resolve_plan("ci", [here, root], tmp_path).name == "ci.yaml"
    written = resolve_plan({"name": "inline", "seed": 3}, [here], tmp_path)
    assert written.read_text().startswith("name: inline")
    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        resolve_plan("nope.yaml", [here, root], tmp_path)
