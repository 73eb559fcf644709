"""The CRM dialect plans (fixtures/plans/dialects/) validate, and each points the example
connector at the same CRM API the mock speaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.config import CRM_DIALECTS, load_plan

PLANS = Path(__file__).resolve().parents[2] / "fixtures" / "plans" / "dialects"


@pytest.mark.parametrize("dialect", [d for d in CRM_DIALECTS if d != "peakready"])
def test_the_plan_validates_and_the_connector_speaks_the_crms_dialect(dialect: str) -> None:
    path = PLANS / f"{dialect}.yaml"
    plan = load_plan(path)
    assert plan.target.crm.dialect == dialect
    connector = plan.target.connector
    assert connector is not None and connector.cwd is not None
    assert connector.env["CONNECTOR_CRM_DIALECT"] == dialect
    assert (path.parent / connector.cwd / connector.command[-1]).is_file()
    # The CRM's own failure mode is on the timeline, so the connector has to survive it.
    assert any(f.mock == "crm" and f.http is not None and f.http.api_limit
               for f in plan.faults)
