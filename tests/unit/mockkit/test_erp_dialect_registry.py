"""The ERP dialects: one registry in the mock, the same names in the plan (``target.erp``),
the short form, and the errors a plan gets for a wrong one."""

from __future__ import annotations

import pytest
from tests.unit.mockkit.conftest import load_mock

from peakready.config import ERP_DIALECTS, parse_plan
from peakready.errors import ConfigError


def test_the_plan_and_the_mock_know_the_same_dialects() -> None:
    dialects = load_mock("_erp_dialects").DIALECTS
    assert tuple(dialects.names()) == ERP_DIALECTS


def test_target_erp_takes_a_bare_name_or_a_mapping() -> None:
    assert parse_plan({"target": {"erp": "odoo"}}, source="t").target.erp.dialect == "odoo"
    plan = parse_plan({"target": {"erp": {"contract": "my-erp.yaml"}}}, source="t")
    assert (plan.target.erp.dialect, plan.target.erp.contract) == ("peakready", "my-erp.yaml")
    assert parse_plan({}, source="t").target.erp.dialect == "peakready"


@pytest.mark.parametrize(("erp", "message"), [
    ({"dialect": "sap"}, "target.erp.dialect"),
    ({"dialect": "odoo", "contract": "x.yaml"}, "give dialect or contract, not both"),
])
def test_a_wrong_target_erp_is_a_config_error_naming_it(erp: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_plan({"target": {"erp": erp}}, source="plan.yaml")


def test_a_dialect_failure_mode_is_an_http_fault_with_its_label() -> None:
    plan = parse_plan({"faults": [{"at": "1s", "for": "5s", "mock": "erp",
                                   "http": {"session_expiry": True}}]}, source="t")
    assert plan.faults[0].label == "erp session expiry"
    assert plan.faults[0].http is not None
    assert plan.faults[0].http.rule("r", 5.0)["session_expiry"] is True
