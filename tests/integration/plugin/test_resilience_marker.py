"""A sample project using the plugin, run by pytester in a child pytest (so the plugin comes
in through its ``pytest11`` entry point, as in a user's project): one resilience test that
passes and one that fails with the verdict's summary and examples. Both name the same plan,
which runs once: an ERP outage with the built-in integration's ``no_retry`` mistake, so
orders placed during the outage never reach the ERP (no_lost_orders fails, with their ids)
while none is duplicated (no_duplicate_orders passes)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

PLAN = """\
name: plugin-sample
target: {magento: embedded, integration: {profile: good, flags: [no_retry]}}
load:
  duration: 6s
  orders_per_minute: 180
  arrivals: uniform
  workers: 1
  mix: {guest_checkout: 50, customer_checkout: 50}
faults:
  - {at: 1s, for: 4s, proxy: erp, down: true}
checks: [no_lost_orders, no_duplicate_orders]
drain: {timeout: 15s}
seed: 5
"""

TESTS = """\
import pytest

@pytest.mark.resilience(plan="plans/outage.yaml", checks=["no_duplicate_orders"])
def test_orders_are_never_duplicated(peakready_result):
    assert peakready_result.verdict("no_duplicate_orders").status == "pass"

@pytest.mark.resilience(plan="plans/outage.yaml", checks=["no_lost_orders"])
def test_no_order_is_lost():
    pass
"""


@pytest.mark.timeout(600)
def test_a_sample_project_passes_one_and_fails_one_with_the_verdict(
        pytester: pytest.Pytester) -> None:
    # A user's project: `peakready init` copies the scenarios, mocks and fixtures out.
    subprocess.run([sys.executable, "-m", "peakready.cli", "init", str(pytester.path)],
                   check=True, capture_output=True, timeout=60)
    pytester.makeini("[pytest]\npeakready_reports = runs\n")
    (pytester.path / "plans").mkdir()
    (pytester.path / "plans" / "outage.yaml").write_text(PLAN)
    pytester.makepyfile(test_sample=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:locust", "-p", "no:cacheprovider",
                                           timeout=540)
    result.assert_outcomes(passed=1, failed=1)
    runs = sorted((pytester.path / "runs").iterdir())
    assert len(runs) == 1, "the plan ran once for both tests"
    verdicts = {v["check"]: v for v in
                json.loads((runs[0] / "result.json").read_text())["verdicts"]}
    lost = verdicts["no_lost_orders"]
    assert lost["status"] == "fail" and lost["examples"]
    output = result.stdout.str()
    assert "test_no_order_is_lost FAILED" in output or "FAILED test_sample.py::" \
        "test_no_order_is_lost" in output
    assert f"no_lost_orders FAIL: {lost['summary']}" in output
    first = json.dumps(lost["examples"][0], sort_keys=True, default=str)
    assert f"e.g. {first}" in output
    assert f"run folder: {runs[0]}" in output
    assert "no_duplicate_orders FAIL" not in output
