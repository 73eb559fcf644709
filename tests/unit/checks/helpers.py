"""Run one check on a synthetic run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peakready.checks import RunEvidence, Verdict, run_check
from peakready.config import parse_plan
from unit.checks.builder import HealthyRun

__all__ = ["judge_one"]


def judge_one(run: HealthyRun, tmp_path: Path, check: str, **plan: Any) -> Verdict:
    evidence = RunEvidence.load(run.write(tmp_path))
    faults = run.plan["faults"]
    verdict = run_check(check, evidence, parse_plan({"faults": faults, "load": {
        "duration": run.seconds}, **plan}))
    assert len(verdict.examples) <= 20
    return verdict
