"""no_lost_orders, no_duplicate_orders, export_lag on synthetic evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from unit.checks.builder import HealthyRun
from unit.checks.helpers import judge_one


def test_no_lost_orders_passes_when_every_acknowledged_order_reached_the_erp(
        tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "no_lost_orders")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["acknowledged"] == 20 and verdict.figures["lost"] == 0


def test_no_lost_orders_lists_the_orders_the_erp_never_saw(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_orders = [o for o in run.erp_orders if o["increment_id"] not in
                      ("000000003", "000000004")]
    run.erp_requests = [r for r in run.erp_requests if r["increment_id"] != "000000003"]
    for r in run.erp_requests:      # 4 saw only 503s: a retryable failure, still lost
        if r["increment_id"] == "000000004":
            r["status"] = 503
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail"
    assert "2 of 20" in verdict.summary and "000000003" in verdict.summary
    lost = {e["increment_id"]: e for e in verdict.examples}
    assert lost["000000003"]["erp_attempts"] == 0
    assert lost["000000004"]["erp_statuses"] == [503]
    assert verdict.figures["never_received"] == 1
    assert verdict.figures["only_retryable_failures"] == 1


def test_an_order_the_erp_refused_for_its_data_is_rejected_not_lost(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_orders = [o for o in run.erp_orders if o["increment_id"] != "000000005"]
    for c in run.checkouts:     # the harness placed it with data a strict ERP refuses
        if c["increment_id"] == "000000005":
            c["edge_case"] = True
    for r in run.erp_requests:
        if r["increment_id"] == "000000005":
            # The ERP mock's record of a refusal (mocks/erp.py create_order).
            r.update(status=422, outcome="rejected", error={"code": "invalid_order", "fields": [
                {"field": "shipping_address.telephone", "reason": "max 20 characters"}]})
            r.pop("erp_order_id", None)
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "pass", verdict.summary
    assert "1 edge-case orders rejected by the ERP" in verdict.summary
    (rejected,) = verdict.figures["rejected_orders"]
    assert rejected["increment_id"] == "000000005"
    assert rejected["erp_answer"]["status"] == 422
    assert rejected["erp_answer"]["outcome"] == "rejected"
    assert rejected["erp_answer"]["error"]["fields"][0]["field"] == "shipping_address.telephone"


def test_an_order_only_in_magentos_list_counts_as_acknowledged(tmp_path: Path) -> None:
    run = HealthyRun()
    run.checkouts = run.checkouts[1:]                   # the recorder missed it
    run.erp_orders = run.erp_orders[1:]
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail" and "000000001" in verdict.summary


def test_an_acknowledged_order_id_magento_does_not_have_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    run.checkouts[0]["increment_id"] = None
    run.checkouts[0]["order_id"] = 999
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "fail" and "not in Magento's orders: 999" in verdict.summary


@pytest.mark.parametrize("omit", ["erp/orders.jsonl", "magento/orders.jsonl",
                                  "checkouts.jsonl"])
def test_no_lost_orders_errors_without_its_witnesses(tmp_path: Path, omit: str) -> None:
    run = HealthyRun()
    run.omit.add(omit)
    verdict = judge_one(run, tmp_path, "no_lost_orders")
    assert verdict.status == "error" and omit.split("/")[-1] in verdict.summary


def test_no_duplicate_orders_passes_on_one_erp_order_each(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "no_duplicate_orders")
    assert verdict.status == "pass", verdict.summary


def test_no_duplicate_orders_lists_erp_duplicates_with_their_attempts(tmp_path: Path) -> None:
    run = HealthyRun()
    extra = dict(run.erp_orders[1], key="SO-99", erp_order_id="SO-99", idempotency_key=None)
    run.erp_orders.append(extra)
    verdict = judge_one(run, tmp_path, "no_duplicate_orders")
    assert verdict.status == "fail"
    assert "1 orders created more than once in the ERP (1 extra): 000000002" in verdict.summary
    (row,) = verdict.examples
    assert row["erp_order_ids"] == ["SO-2", "SO-99"] and row["erp_attempts"] == 4


def test_no_duplicate_orders_catches_a_quote_turned_into_two_orders(tmp_path: Path) -> None:
    run = HealthyRun()
    run.magento_orders[3]["quote_id"] = run.magento_orders[2]["quote_id"]
    verdict = judge_one(run, tmp_path, "no_duplicate_orders")
    assert verdict.status == "fail" and "1 quotes became two Magento orders" in verdict.summary


def test_no_duplicate_orders_falls_back_to_checkout_quote_ids(tmp_path: Path) -> None:
    run = HealthyRun()
    for order in run.magento_orders:
        del order["quote_id"]
    run.checkouts[5]["quote_id"] = run.checkouts[4]["quote_id"]
    verdict = judge_one(run, tmp_path, "no_duplicate_orders")
    assert verdict.status == "fail" and verdict.figures["quote_source"] == "checkouts"


def test_no_duplicate_orders_errors_on_a_truncated_erp_export(tmp_path: Path) -> None:
    run = HealthyRun()
    run.manifest_overrides = {"files": {"erp/orders.jsonl": 25}}
    verdict = judge_one(run, tmp_path, "no_duplicate_orders")
    assert verdict.status == "error" and "truncated" in verdict.summary


def test_export_lag_passes_on_prompt_exports(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "export_lag")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["lag_p95_s"] < 12         # the retried ones took up to 9 s


def test_export_lag_fails_when_exports_lag_outside_faults(tmp_path: Path) -> None:
    run = HealthyRun()
    for order in run.erp_orders:
        order["received_ts"] += 45
    verdict = judge_one(run, tmp_path, "export_lag")
    assert verdict.status == "fail" and "export lag p95" in verdict.summary
    assert verdict.figures["lag_p95_s"] > 30


def test_export_lag_fails_when_a_faults_backlog_drains_late(tmp_path: Path) -> None:
    run = HealthyRun()
    for order in run.erp_orders[7:12]:       # placed in 20-30 s: arrive 70 s after the clear
        order["received_ts"] = run.faults[1]["wall"] + 70 - (12 - run.erp_orders.index(order))
    verdict = judge_one(run, tmp_path, "export_lag", thresholds={"export_lag_p95_s": 120})
    assert verdict.status == "fail"
    assert "erp http 503: backlog of" in verdict.summary
    assert verdict.figures["drains"]["erp http 503"]["drained_s"] > 60


def test_export_lag_errors_without_erp_orders(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("erp/orders.jsonl")
    assert judge_one(run, tmp_path, "export_lag").status == "error"


def test_export_lag_without_acknowledged_orders_is_not_judged(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(orders=0), tmp_path, "export_lag")
    assert verdict.status == "not_judged" and "no order was acknowledged" in verdict.summary
