"""Issue 18, Deliver 1: only the harness's deliberately refusable orders may count as rejected.

Each refusal case below passed before (any non-retryable 4xx counted as "rejected for its
data"): a connector with a broken mapping, wrong credentials or a wrong URL lost every order
and got a green gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peakready.checks.refusals import names_edge_case_data
from peakready.scenario.edge_cases import EDGE_CASE_FIELDS, edge_case_address
from unit.checks.builder import HealthyRun
from unit.checks.helpers import judge_one

_TELEPHONE = {"code": "invalid_order", "fields": [
    {"field": "shipping_address.telephone", "reason": "at most 20 characters"}]}


def _refuse(run: HealthyRun, increments: set[str] | None, status: int,
            answer: dict[str, Any]) -> None:
    """The ERP refuses every request of ``increments`` (None: every order) with ``answer``."""
    def hit(inc: str) -> bool:
        return increments is None or inc in increments
    run.erp_orders = [o for o in run.erp_orders if not hit(o["increment_id"])]
    for r in run.erp_requests:
        if hit(r["increment_id"]):
            r.update(status=status, outcome="rejected", error=answer)
            r.pop("erp_order_id", None)


def _edge_case(run: HealthyRun, increment: str) -> None:
    for c in run.checkouts:
        if c["increment_id"] == increment:
            c["edge_case"] = True


def test_a_broken_mapping_refused_on_every_order_is_lost(tmp_path: Path) -> None:
    run = HealthyRun()
    _edge_case(run, "000000005")
    _refuse(run, None, 422, {"code": "invalid_order", "fields": [
        {"field": "lines[0].item_no", "reason": "unknown item"}]})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail", verdict.summary
    assert "422 on every request: check the connector's mapping" in verdict.summary
    assert verdict.figures["lost"] == 20 and verdict.figures["rejected"] == 0
    [group] = verdict.figures["refused_by_status"]
    assert group["orders"] == 20 and group["erp_answer"]["error"]["fields"][0]["field"] == \
        "lines[0].item_no"


def test_a_mapping_refusal_on_most_orders_says_how_many(tmp_path: Path) -> None:
    run = HealthyRun()
    refused = {f"{i:09d}" for i in range(1, 16)}
    _refuse(run, refused, 422, {"code": "invalid_order", "fields": [
        {"field": "customer_no", "reason": "required"}]})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"
    assert "422 on 15 of 20 orders: check the connector's mapping" in verdict.summary


def test_wrong_credentials_are_lost_with_the_advice(tmp_path: Path) -> None:
    run = HealthyRun()
    _refuse(run, None, 401, {"code": "unauthorized", "message": "invalid token"})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"
    assert "401 on every request: check its ERP credentials" in verdict.summary


def test_a_wrong_url_is_lost_with_the_advice(tmp_path: Path) -> None:
    run = HealthyRun()
    _refuse(run, None, 404, {"code": "not_found", "message": "no route /api/order"})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"
    assert "404 on every request: check its ERP URL" in verdict.summary


def test_an_ordinary_order_refused_for_an_address_field_is_lost(tmp_path: Path) -> None:
    # Only orders the harness placed with refusable data may be rejected: a normal shopper's
    # order refused for its telephone is the connector's (or the ERP's) loss.
    run = HealthyRun()
    _refuse(run, {"000000005"}, 422, _TELEPHONE)
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"
    assert "422 on 1 of 20 orders" in verdict.summary


def test_an_edge_case_order_refused_for_other_data_is_lost(tmp_path: Path) -> None:
    run = HealthyRun()
    _edge_case(run, "000000005")
    _refuse(run, {"000000005"}, 422, {"code": "invalid_order", "fields": [
        {"field": "lines[0].item_no", "reason": "unknown item"}]})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail" and verdict.figures["rejected"] == 0


def test_an_edge_case_order_refused_for_its_data_is_rejected(tmp_path: Path) -> None:
    run = HealthyRun()
    _edge_case(run, "000000005")
    _refuse(run, {"000000005"}, 422, _TELEPHONE)
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["rejected"] == 1 and verdict.figures["lost"] == 0


def test_an_edge_case_order_refused_with_401_is_lost(tmp_path: Path) -> None:
    run = HealthyRun()
    _edge_case(run, "000000005")
    _refuse(run, {"000000005"}, 401, {"message": "telephone: token expired"})
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"


def test_no_acknowledged_order_is_not_judged(tmp_path: Path) -> None:
    run = HealthyRun(orders=0)
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "not_judged"
    assert verdict.summary.startswith("not judged: no order was acknowledged")


def test_the_refusable_fields_are_the_ones_edge_case_addresses_fill() -> None:
    import random
    base = {"firstname": "Ann", "lastname": "Lee", "telephone": "555", "company": "",
            "street": ["1 Main St"], "city": "Leeds", "postcode": "LS1", "country_id": "GB"}
    changed = {k for k, v in edge_case_address(base, random.Random(3)).items() if base[k] != v}
    assert changed == set(EDGE_CASE_FIELDS)
    for name in EDGE_CASE_FIELDS:
        assert names_edge_case_data({"status": 422, "error": {"fields": [
            {"field": f"billing_address.{name}"}]}})
    assert not names_edge_case_data({"status": 422, "error": {"fields": [
        {"field": "customer_email"}]}})
