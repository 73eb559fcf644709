"""Edge-case orders the ERP refuses for their data are reported as rejected, not lost (real run)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from peakready.checks import RunEvidence, run_check
from peakready.config import parse_plan
from peakready.run.selftest_cases import SCENARIOS, scenario_plan

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def _run(run_dir: Path) -> None:
    from peakready.run import open_estate, run_load_phase

    data = scenario_plan(SCENARIOS["stock-sync"]).to_json()
    data["load"]["edge_case_orders"] = 0.3
    plan = parse_plan(data)
    async with open_estate(plan, run_dir) as estate:
        await run_load_phase(estate, run_dir, plan=plan)


def test_refused_orders_are_rejected_with_the_erps_answer(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    asyncio.run(_run(run_dir))
    evidence = RunEvidence.load(run_dir)
    verdict = run_check("no_lost_orders", evidence, evidence.plan())
    assert verdict.status == "pass", verdict.summary
    rejected = verdict.figures["rejected_orders"]
    assert rejected and verdict.figures["lost"] == 0
    in_erp = {o.increment_id for o in evidence.erp_orders()}
    for row in rejected:
        assert row["increment_id"] not in in_erp
        assert row["erp_answer"]["status"] == 422 and row["erp_answer"]["error"]["fields"]
