"""The detection self-test on real runs of the embedded estate.

Default suite: the quick subset (no_retry under an ERP outage, and good under the same plan,
about 90 s). ``-m slow``: the whole matrix, every flag caught and no false alarm.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from peakready.checks import RunEvidence
from peakready.checks.selftest import run_selftest
from peakready.checks.selftest_cli import render
from peakready.checks.selftest_plans import CASES, QUICK

pytestmark = pytest.mark.timeout(900)


def test_quick_subset_catches_no_retry_and_good_passes_every_check(tmp_path: Path) -> None:
    matrix = asyncio.run(run_selftest(list(QUICK), tmp_path))
    text = render(matrix)
    assert matrix.ok, text
    ((_, run),) = matrix.flag_runs()
    lost = run.verdict("no_lost_orders")
    assert lost is not None and lost.status == "fail"
    # The missing increment ids are listed: Magento has each, the ERP has none of them.
    evidence = RunEvidence.load(run.run_dir)
    in_magento = {o.increment_id for o in evidence.magento_orders()}
    in_erp = {o.increment_id for o in evidence.erp_orders()}
    missing = [e["increment_id"] for e in lost.examples if "increment_id" in e]
    assert missing and all(i in in_magento and i not in in_erp for i in missing)
    assert missing[0] in lost.summary
    (good,) = matrix.good_runs()
    assert {v.status for v in good.verdicts} == {"pass"}, text


@pytest.mark.slow
def test_the_whole_matrix_catches_every_flag_with_no_false_alarm(tmp_path: Path) -> None:
    matrix = asyncio.run(run_selftest(list(CASES), tmp_path))
    assert matrix.ok, render(matrix)
    assert len(matrix.caught()) == len(CASES)
