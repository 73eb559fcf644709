"""A plan's HTTP fault becomes a rule the mocks' fault switch accepts, body match and sticky too."""

from __future__ import annotations

import pytest

from peakready.config import HttpFaultPlan
from peakready.mockkit.faults import parse_rule


@pytest.mark.parametrize("match", [
    {"json_path": "$.increment_id", "equals": "000000007"},
    [{"json_path": "$.increment_id", "regex": "^0+7$"}, {"regex": "peakready"}],
])
def test_a_sticky_body_matched_fault_is_a_rule_the_mocks_accept(match: object) -> None:
    fault = HttpFaultPlan.model_validate(
        {"status": 422, "rate": 0.5, "sticky": True, "path": "/api/orders", "match": match})
    rule = parse_rule(fault.rule("smoke-0", expires_in=30), "smoke-0", seed=1, now=1000.0)
    assert rule.sticky is True
    assert rule.rate == 0.5
    assert len(rule.matches_body) == (len(match) if isinstance(match, list) else 1)
    assert rule.expires_at == pytest.approx(1030.0)
