"""crm_integrity and fallback_effective on synthetic evidence."""

from __future__ import annotations

from pathlib import Path

from unit.checks.builder import T0, HealthyRun, magento_time
from unit.checks.helpers import judge_one


def test_crm_integrity_passes_when_owned_fields_are_untouched_and_changes_arrive(
        tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "crm_integrity")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["customers_changed"] == 1


def test_crm_integrity_fails_on_an_overwritten_owned_field(tmp_path: Path) -> None:
    run = HealthyRun()
    run.overwrites.append({"id": 1, "ts": T0 + 31, "contact_id": "C2", "email": "c2@example.com",
                           "field": "segment", "crm_value": "vip", "pushed_value": "",
                           "applied": True})
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "fail" and "1 CRM-owned values overwritten" in verdict.summary
    assert verdict.examples[0]["field"] == "segment"


def test_crm_integrity_counts_an_attempt_the_crm_protected(tmp_path: Path) -> None:
    run = HealthyRun()
    run.overwrites.append({"id": 1, "ts": T0 + 31, "email": "c2@example.com",
                           "field": "lead_score", "crm_value": 50, "pushed_value": 0,
                           "applied": False})
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "fail" and verdict.figures["overwrites_applied"] == 0


def test_crm_integrity_fails_when_a_changed_customer_never_reached_the_crm(
        tmp_path: Path) -> None:
    run = HealthyRun()
    run.customers.append({"id": 4, "email": "new@example.com", "firstname": "N",
                          "lastname": "Ew", "created_at": magento_time(T0 + 10),
                          "updated_at": magento_time(T0 + 10)})
    run.contacts[1]["updated_at"] = T0 - 3600      # the change to customer 2 never arrived
    run.contacts[1]["firstname"] = "Stale"
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "fail"
    assert "2 of 2 customers changed in Magento never reached the CRM" in verdict.summary
    assert {e["email"] for e in verdict.examples} == {"new@example.com", "c2@example.com"}


def test_a_contact_newer_than_the_change_without_magentos_values_is_stale(
        tmp_path: Path) -> None:
    # The CRM's own users edited the contact after the Magento change (crm_edits bumps its
    # updated_at): only the Magento-owned values say whether the change arrived (this passed
    # before issue 18).
    run = HealthyRun()
    run.customers[1]["lastname"] = "Last2 Married"         # changed in Magento at T0 + 30
    run.contacts[1]["updated_at"] = T0 + 50                 # edited in the CRM later
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "fail", verdict.summary
    assert "1 of 1 customers changed in Magento never reached the CRM" in verdict.summary
    [row] = verdict.examples
    assert row["stale"] == {"lastname": {"magento": "Last2 Married", "crm": "Last2"}}


def test_crm_integrity_is_not_judged_without_customers_or_contacts(tmp_path: Path) -> None:
    run = HealthyRun()
    run.customers = [c for c in run.customers if c["id"] != 2]
    run.contacts = []
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "not_judged"


def test_a_customer_changed_just_before_the_export_is_in_flight(tmp_path: Path) -> None:
    run = HealthyRun()
    run.customers.append({"id": 4, "email": "late@example.com", "created_at":
                          magento_time(run.exported_at - 2), "updated_at":
                          magento_time(run.exported_at - 2)})
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "pass" and "(1 in flight)" in verdict.summary


def test_crm_integrity_errors_when_the_crm_export_failed(tmp_path: Path) -> None:
    run = HealthyRun()
    run.manifest_overrides = {"complete": False, "errors": ["crm: connection refused"]}
    verdict = judge_one(run, tmp_path, "crm_integrity")
    assert verdict.status == "error" and "connection refused" in verdict.summary


def _checkout_failures(run: HealthyRun, start: float, end: float, error: str) -> None:
    for c in run.checkouts:
        if T0 + start <= c["intended_ts"] < T0 + end:
            c.update(ok=False, status=404, error=error, step="shipping-information",
                     order_id=None, increment_id=None)


def _shipping_fault(run: HealthyRun) -> None:
    run.add_fault(40.0, 10.0, "shipping down", "proxy:shipping",
                  {"proxy": "shipping", "down": True})


def test_fallback_effective_passes_when_checkout_survives_the_faults(tmp_path: Path) -> None:
    run = HealthyRun()
    _shipping_fault(run)
    verdict = judge_one(run, tmp_path, "fallback_effective")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["windows"]["shipping down"]["attempts"] == 4
    assert verdict.windows == ["erp http 503", "shipping down"]


def test_fallback_effective_fails_when_shoppers_pay_for_a_carrier_outage(
        tmp_path: Path) -> None:
    run = HealthyRun()
    _shipping_fault(run)
    _checkout_failures(run, 40, 50, "Carrier with such method not found")
    verdict = judge_one(run, tmp_path, "fallback_effective")
    assert verdict.status == "fail"
    assert "shipping down: 0/4 checkouts succeeded" in verdict.summary
    assert "Carrier with such method not found" in verdict.summary


def test_stock_refusals_of_sold_out_skus_and_flash_sale_buys_do_not_count(
        tmp_path: Path) -> None:
    run = HealthyRun()
    _shipping_fault(run)
    _checkout_failures(run, 40, 45, "The requested qty is not available")
    for c in run.checkouts:
        if T0 + 40 <= c["intended_ts"] < T0 + 45:
            for item in c["items"]:           # honestly sold out: nothing salable at the end
                run.salable[item["sku"]] = 0
        if T0 + 45 <= c["intended_ts"] < T0 + 50:
            c.update(ok=False, flash_sale=True)
    verdict = judge_one(run, tmp_path, "fallback_effective")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["windows"]["shipping down"]["honest_stock_refusals"] == 2


def test_a_stock_refusal_of_a_sku_magento_still_shows_salable_is_a_failed_fallback(
        tmp_path: Path) -> None:
    # The checkout refuses "not available" because the ERP does not answer, while Magento
    # still has the SKU to sell: shoppers pay for the outage (this passed before issue 18).
    run = HealthyRun()
    _shipping_fault(run)
    _checkout_failures(run, 40, 50, "The requested qty is not available")
    verdict = judge_one(run, tmp_path, "fallback_effective")
    assert verdict.status == "fail", verdict.summary
    assert "shipping down: 0/4 checkouts succeeded" in verdict.summary


def test_fallback_effective_is_not_judged_without_such_faults(tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    run.add_fault(20.0, 10.0, "crm down", "proxy:crm", {"proxy": "crm", "down": True})
    verdict = judge_one(run, tmp_path, "fallback_effective")
    assert verdict.status == "not_judged" and verdict.figures["exercised"] is False
    assert "no ERP or shipping fault window" in verdict.summary


def test_fallback_effective_errors_without_checkouts(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("checkouts.jsonl")
    assert judge_one(run, tmp_path, "fallback_effective").status == "error"
