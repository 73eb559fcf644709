"""target.crm in a plan: a dialect or a contract, only for your own connector; api_limit as
an http fault key."""

from __future__ import annotations

import pytest

from peakready.config import parse_plan
from peakready.errors import ConfigError

CONNECTOR = {"integration": "none", "connector": {"command": ["python", "c.py"]}}


def test_a_crm_dialect_by_name_or_mapping() -> None:
    assert parse_plan({"target": {**CONNECTOR, "crm": "salesforce"}}).target.crm.dialect == \
        "salesforce"
    plan = parse_plan({"target": {**CONNECTOR, "crm": {"contract": "my-crm.yaml"}}})
    assert plan.target.crm.contract == "my-crm.yaml"
    assert parse_plan({}).target.crm.dialect == "peakready"


def test_an_unknown_dialect_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"target.crm.dialect.*'hubspot'"):
        parse_plan({"target": {**CONNECTOR, "crm": "hubspt"}})


def test_the_built_in_integration_cannot_speak_a_vendor_dialect() -> None:
    with pytest.raises(ConfigError, match="built-in integration speaks peakready's own CRM"):
        parse_plan({"target": {"crm": "hubspot"}})


def test_api_limit_is_an_http_fault_of_its_own() -> None:
    plan = parse_plan({"target": {**CONNECTOR, "crm": "salesforce"}, "load": {"duration": 60},
                       "faults": [{"at": 10, "for": 10, "mock": "crm",
                                   "http": {"api_limit": True, "path": "/services/*"}}]})
    fault = plan.faults[0]
    assert fault.label == "crm api limit"
    assert fault.http is not None
    rule = fault.http.rule("f0", 20.0)
    assert rule["api_limit"] is True and rule["path"] == "/services/*"
