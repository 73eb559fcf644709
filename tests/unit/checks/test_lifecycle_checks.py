"""order_lifecycle, payment_integrity and crm_integrity's duplicates, on synthetic run folders."""

from __future__ import annotations

from pathlib import Path

from unit.checks.builder import T0, HealthyRun
from unit.checks.helpers import judge_one


def _cancel_in_magento(run: HealthyRun, i: int, at: float) -> None:
    order = run.magento_orders[i - 1]
    order.update(state="canceled", status="canceled")
    order["documents"] = [{"kind": "cancel", "id": None, "ts": at, "items": []}]


def test_the_healthy_run_passes_both_lifecycle_checks(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path / "a", "order_lifecycle")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["erp_shipments"] == 10 and verdict.figures["erp_invoices"] == 10
    verdict = judge_one(HealthyRun(), tmp_path / "b", "payment_integrity")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["orders_paid"] == 20 and verdict.figures["captured"] == 100.0


def test_shipped_in_the_erp_never_in_magento_fails_with_both_sides(tmp_path: Path) -> None:
    run = HealthyRun()
    for order in run.magento_orders[:3]:
        order["documents"] = [d for d in order["documents"] if d["kind"] != "shipment"]
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail"
    assert "shipped in the ERP, not in Magento (3)" in verdict.summary
    example = verdict.examples[0]
    assert example["increment_id"] == "000000001" and example["tracking_number"] == "1Z1"
    assert example["erp"]["status"] == "invoiced" and example["erp"]["shipped_at"]
    assert example["magento"]["state"] == "processing" and example["magento"]["shipped_at"] == []


def test_a_recent_erp_shipment_is_in_flight(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_orders[0]["shipments"][0]["at"] = run.exported_at - 3
    run.magento_orders[0]["documents"] = [d for d in run.magento_orders[0]["documents"]
                                          if d["kind"] != "shipment"]
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "pass" and verdict.figures["in_flight"] == {"shipments": 1}


def test_a_partial_shipment_recorded_as_the_whole_order_fails_line_by_line(
        tmp_path: Path) -> None:
    run = HealthyRun()
    erp, mine = run.erp_orders[0], run.magento_orders[0]
    erp["items"] = [{"sku": "SKU-2", "qty": 3}]
    erp["shipments"] = [
        {"at": T0 + 5, "carrier": "UPS", "tracking_number": "1ZaP1",
         "items": [{"sku": "SKU-2", "qty": 1}]},
        {"at": T0 + 10, "carrier": "UPS", "tracking_number": "1ZaP2",
         "items": [{"sku": "SKU-2", "qty": 2}]}]
    mine["documents"][0].update(items=[{"sku": "SKU-2", "qty": 3.0}], tracks=[
        {"track_number": "1ZaP1", "carrier_code": "ups"}])
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail"
    problems = {e["problem"] for e in verdict.examples}
    assert problems == {"a Magento shipment's lines differ from the ERP's shipment",
                        "shipped in the ERP, not in Magento"}
    lines = next(e for e in verdict.examples if "magento_lines" in e)
    assert lines["erp_lines"] == {"SKU-2": 1} and lines["magento_lines"] == {"SKU-2": 3}


def test_a_wrong_carrier_or_a_shipment_the_erp_never_made_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    run.magento_orders[0]["documents"][0]["tracks"][0]["carrier_code"] = "fedex"
    run.magento_orders[1]["documents"][0]["tracks"][0]["track_number"] = "OTHER"
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail"
    assert "a Magento shipment's carrier differs from the ERP's" in verdict.summary
    assert "shipped in Magento, not by the ERP" in verdict.summary


def test_invoiced_in_the_erp_not_in_magento_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    order = run.magento_orders[4]
    order["documents"] = [d for d in order["documents"] if d["kind"] != "invoice"]
    order["total_invoiced"] = 0.0
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail" and "invoiced in the ERP, not in Magento (1)" in \
        verdict.summary


def test_a_cancellation_that_never_reached_the_erp_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    _cancel_in_magento(run, 15, T0 + 40)       # placed at T0+36.5, never shipped by the ERP
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail"
    assert "cancelled in Magento, never cancelled in the ERP" in verdict.summary
    assert verdict.examples[0]["magento"]["cancelled_at"] == T0 + 40


def test_a_cancellation_honoured_or_racing_a_shipment_passes(tmp_path: Path) -> None:
    run = HealthyRun()
    _cancel_in_magento(run, 15, T0 + 40)
    run.erp_orders[14].update(status="cancelled", cancelled_at=T0 + 40.5, cancel_requests=[
        {"at": T0 + 40.5, "outcome": "cancelled"}])
    # Order 3: shipped by the ERP at T0+11.5, the cancellation arrived 0.3 s after it.
    _cancel_in_magento(run, 3, T0 + 11.4)
    run.erp_orders[2]["cancel_requests"] = [{"at": T0 + 11.8, "outcome": "refused_shipped"}]
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["cancellations_raced"] == 1 and "raced a shipment" in \
        verdict.summary


def test_a_shipment_after_the_cancellation_reached_the_erp_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    _cancel_in_magento(run, 3, T0 + 9.0)     # the ERP ships order 3 at T0+11.5
    run.erp_orders[2].update(cancelled_at=T0 + 9.5, cancel_requests=[
        {"at": T0 + 9.5, "outcome": "cancelled"}])
    verdict = judge_one(run, tmp_path, "order_lifecycle")
    assert verdict.status == "fail"
    assert "shipped by the ERP after the cancellation reached it" in verdict.summary


def test_a_credit_memo_missing_in_the_erp_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    run.magento_orders[0]["documents"].append({"kind": "creditmemo", "id": 7,
                                               "ts": T0 + 30, "amount": 10.0})
    run.magento_orders[0]["total_refunded"] = 10.0
    verdict = judge_one(run, tmp_path / "a", "order_lifecycle")
    assert verdict.status == "fail" and "credit memo never booked in the ERP" in \
        verdict.summary
    run.erp_orders[0]["credit_memos"] = [{"credit_memo_id": "7", "amount": 10.0,
                                          "at": T0 + 31}]
    assert judge_one(run, tmp_path / "b", "order_lifecycle").status == "pass"


def test_order_lifecycle_is_not_judged_without_documents_or_without_a_lifecycle(
        tmp_path: Path) -> None:
    run = HealthyRun()
    for order in run.magento_orders:
        del order["documents"]
    verdict = judge_one(run, tmp_path / "a", "order_lifecycle")
    assert verdict.status == "not_judged" and "carry no documents" in verdict.summary
    verdict = judge_one(HealthyRun(lifecycle=0), tmp_path / "b", "order_lifecycle")
    assert verdict.status == "not_judged" and "nothing happened after the orders" in \
        verdict.summary


def test_a_capture_retried_without_its_key_is_a_double_capture(tmp_path: Path) -> None:
    run = HealthyRun()
    run.payment_operations.append({"payment_id": "PAY-2", "order_id": "000000002",
                                   "op": "capture", "amount": 10.0, "outcome": "captured",
                                   "ts": T0 + 20, "idempotency_key": None})
    verdict = judge_one(run, tmp_path, "payment_integrity")
    assert verdict.status == "fail" and "double capture (1)" in verdict.summary
    example = verdict.examples[0]
    assert example["increment_id"] == "000000002" and example["captured"] == 20.0
    assert example["invoiced"] == 10.0 and example["unkeyed_captures"] == 1


def test_two_live_authorizations_and_an_uncaptured_invoice_fail(tmp_path: Path) -> None:
    run = HealthyRun()
    run.payments.append({"payment_id": "PAY-99", "order_id": "000000012",
                         "status": "authorized", "amount": 10.0})
    run.payment_operations = [o for o in run.payment_operations
                              if not (o["op"] == "capture" and o["order_id"] == "000000003")]
    verdict = judge_one(run, tmp_path, "payment_integrity")
    assert verdict.status == "fail"
    assert "two live authorizations" in verdict.summary
    assert "invoiced, not captured" in verdict.summary


def test_refunds_must_equal_credit_memos(tmp_path: Path) -> None:
    run = HealthyRun()
    run.magento_orders[0]["total_refunded"] = 10.0
    run.magento_orders[0]["documents"].append({"kind": "creditmemo", "id": 1,
                                               "ts": T0 + 20, "amount": 10.0})
    verdict = judge_one(run, tmp_path / "a", "payment_integrity")
    assert verdict.status == "fail" and "refunds differ from credit memos" in verdict.summary
    run.payment_operations.append({"payment_id": "PAY-1", "order_id": "000000001",
                                   "op": "refund", "amount": 10.0, "ts": T0 + 21,
                                   "idempotency_key": "refund-1"})
    assert judge_one(run, tmp_path / "b", "payment_integrity").status == "pass"


def test_payment_integrity_is_not_judged_for_a_real_store_or_without_card_orders(
        tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path / "a", "payment_integrity", target={
        "magento": {"url": "https://staging.example.com", "token_env": "T"},
        "allow_hosts": ["staging.example.com"]})
    assert verdict.status == "not_judged" and "its own payment provider" in verdict.summary
    run = HealthyRun()
    run.payments, run.payment_operations = [], []
    verdict = judge_one(run, tmp_path / "b", "payment_integrity")
    assert verdict.status == "not_judged" and "no order Magento has was paid" in \
        verdict.summary


def test_a_second_crm_contact_for_one_customer_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    run.contacts.append({**run.contacts[0], "key": "C9", "seq": 9, "contact_id": "C9",
                         "email": "C1@example.com"})
    verdict = judge_one(run, tmp_path / "a", "crm_integrity")
    assert verdict.status == "fail"
    assert "1 Magento customers have more than one CRM contact: c1@example.com" in \
        verdict.summary
    assert verdict.figures["customers_duplicated"] == 1
    run = HealthyRun()       # same Magento customer id on two emails
    run.contacts[0]["magento_customer_id"] = 2
    run.contacts[1]["magento_customer_id"] = 2
    verdict = judge_one(run, tmp_path / "b", "crm_integrity")
    assert verdict.status == "fail" and verdict.figures["customers_duplicated"] == 1


def test_a_capture_newer_than_magentos_export_is_in_flight_not_a_failure(
        tmp_path: Path) -> None:
    run = HealthyRun()
    # Order 15: invoiced (and captured) while the evidence was being exported, after
    # Magento's part was read: the gateway shows the capture, Magento's record no invoice.
    run.payment_operations.append({"payment_id": "PAY-15", "order_id": "000000015",
                                   "op": "capture", "amount": 10.0,
                                   "ts": run.exported_at - 2, "idempotency_key": "k"})
    verdict = judge_one(run, tmp_path / "a", "payment_integrity")
    assert verdict.status == "pass" and verdict.figures["in_flight"] == 1
    run.payment_operations[-1]["ts"] = run.exported_at - 40     # long before: a failure
    verdict = judge_one(run, tmp_path / "b", "payment_integrity")
    assert verdict.status == "fail" and "captured more than invoiced (1)" in verdict.summary


def test_a_cancellation_held_back_by_an_erp_fault_has_the_grace_from_its_end(
        tmp_path: Path) -> None:
    # The builder's ERP fault: 503s from T0+20 to T0+30. Order 3 (shipped by the ERP at
    # T0+11.5) is cancelled in Magento at T0+21; the cancellation reaches the ERP at T0+40.
    run = HealthyRun()
    _cancel_in_magento(run, 3, T0 + 21)
    run.erp_orders[2]["cancel_requests"] = [{"at": T0 + 40, "outcome": "refused_shipped"}]
    verdict = judge_one(run, tmp_path / "a", "order_lifecycle")
    assert verdict.status == "pass", verdict.summary     # 10 s after the fault's end: a race
    run.erp_orders[2]["cancel_requests"] = [{"at": T0 + 50, "outcome": "refused_shipped"}]
    verdict = judge_one(run, tmp_path / "b", "order_lifecycle")
    assert verdict.status == "fail"                      # 20 s after it: late
    assert "the cancellation reached the ERP late" in verdict.summary
