"""Integration flags in a plan and on `peakready run --flag`: named once, checked, added."""

from __future__ import annotations

import pytest

from peakready.cli import build_parser
from peakready.config import parse_plan
from peakready.errors import ConfigError


def test_run_flags_add_to_the_plans_own_flags_once() -> None:
    plan = parse_plan({"target": {"integration": {"flags": ["no_retry"]}}})
    # no_retry and retry_storm swap the same slot: the combination is refused like in a plan.
    with pytest.raises(ConfigError, match=r"--flag: .*no_retry and retry_storm both replace"):
        plan.with_flags(["retry_storm"])
    flagged = plan.with_flags(["ignore_retry_after", "no_retry"])
    assert flagged.target.integration.flags == ["no_retry", "ignore_retry_after"]
    assert plan.target.integration.flags == ["no_retry"]          # the plan itself is unchanged


def test_an_unknown_flag_in_a_plan_names_the_closest_one() -> None:
    with pytest.raises(ConfigError, match=r"target.integration.flags.*did you mean 'no_retry'"):
        parse_plan({"target": {"integration": {"flags": ["no_retyr"]}}})


def test_flags_without_the_built_in_integration_are_refused() -> None:
    with pytest.raises(ConfigError, match="integration none"):
        parse_plan({"target": {"integration": {"profile": "none", "flags": ["no_retry"]}}})


def test_run_takes_repeatable_flags_from_the_registry() -> None:
    args = build_parser().parse_args(["run", "plan.yaml", "--flag", "no_retry",
                                      "--flag", "full_stock_sync"])
    assert args.flag == ["no_retry", "full_stock_sync"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--flag", "not_a_flag"])
