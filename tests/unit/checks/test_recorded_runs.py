"""Recorded evidence judged in the default test run: real run folders from the selftest.

``tests/recorded/<integration>-<mistake>/`` is a real run (``peakready selftest``: the built-in
integration with one flag, or the example connector with one ``CONNECTOR_MISTAKES`` switch)
under the fault that exposes the mistake; judged again here, its check must fail for the right
reason. ``tests/recorded/<integration>-clean/`` is the clean integration under an ERP outage:
every verdict must pass. ``tests/recorded/record.py`` regenerates the folders.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peakready.checks import RunEvidence, judge
from peakready.run.selftest_cases import BUILTIN, CONNECTOR, Case

RECORDED = Path(__file__).resolve().parents[2] / "recorded"

#: The reason each mistake must be caught for: a pattern its check's summary must match.
REASONS: dict[tuple[str, str], str] = {
    ("builtin", "sync_order_export"): r"over the gate",
    ("builtin", "sync_stock_check"): r"over the gate",
    ("builtin", "retry_without_idempotency"): r"\d+ .*(more than once|duplicate)",
    ("builtin", "no_retry"): r"never reached the ERP",
    ("builtin", "stock_sync_stalls"): r"never converged",
    ("builtin", "retry_storm"): r"attempts|backoff|amplif",
    ("builtin", "ignore_retry_after"): r"Retry-After",
    ("builtin", "no_reservations"): r"sold more than",
    ("builtin", "full_stock_sync"): r"per-SKU reads|per change",
    ("builtin", "batch_export"): r"export lag",
    ("builtin", "no_shipping_fallback"): r"checkouts? (succeeded|failed)",
    ("builtin", "overwrite_crm_fields"): r"CRM-owned",
    ("connector", "retry_without_key"): r"\d+ .*(more than once|duplicate)",
    ("connector", "no_retry"): r"never reached the ERP",
    ("connector", "stock_sync_stalls"): r"never converged",
    ("connector", "no_backoff"): r"attempts|backoff|amplif",
    ("connector", "ignore_retry_after"): r"Retry-After",
    ("connector", "full_stock_sync"): r"per-SKU reads|per change",
    ("connector", "batch_export"): r"export lag",
    ("connector", "no_dead_letter"): r"attempts",
    ("connector", "overwrite_crm_fields"): r"CRM-owned",
    ("connector", "absolute_stock"): r"sold more than",
    ("connector", "trust_http_200"): r"never reached the ERP",
    ("connector", "crm_limit_is_final"): r"never reached the CRM",
    ("connector", "save_every_product"): r"purged",
    ("connector", "no_relogin"): r"never reached the ERP",
    ("connector", "lookup_before_create"): r"\d+ .*(more than once|duplicate)",
    ("builtin", "ignore_order_updates"): r"shipped in the ERP, not in Magento",
    ("builtin", "no_cancel_sync"): r"cancelled in Magento, never cancelled in the ERP",
    ("builtin", "no_partial_shipments"): r"lines differ from the ERP's shipment",
    ("builtin", "capture_retry_without_key"): r"double capture",
    ("connector", "ignore_order_updates"): r"shipped in the ERP, not in Magento",
    ("connector", "no_cancel_sync"): r"cancelled in Magento, never cancelled in the ERP",
    ("connector", "invoice_offline"): r"invoiced, not captured",
}


#: Cases added to the matrices after the last recording (tests/recorded/record.py --mistake
#: NAME records one): named here so that a new case without a folder fails this test, and a
#: recorded one must be taken off the list.
NOT_YET_RECORDED = {
    ("builtin", m) for m in ("save_every_product", "flush_cache_on_sync")}


#: Cases the selftest did not catch when last recorded, with why: no folder is kept for them
#: (a folder that does not fail would prove nothing), and they stay visible here.
NOT_CAUGHT: dict[tuple[str, str], str] = {}


def _folders() -> list[Path]:
    """The selftest's folders (``builtin-*``, ``connector-*``); others in tests/recorded/
    belong to their own tests."""
    return sorted(p for p in RECORDED.iterdir() if p.is_dir() and (p / "plan.yaml").is_file()
                  and p.name.startswith(("builtin-", "connector-")))


def _case(folder: Path) -> tuple[str, Case | None]:
    integration, _, mistake = folder.name.partition("-")
    if mistake == "clean":
        return integration, None
    return integration, (BUILTIN if integration == "builtin" else CONNECTOR)[mistake]


def test_every_case_of_both_matrices_has_a_recorded_folder() -> None:
    names = {p.name for p in _folders()}
    cases = {(i, m) for i, known in (("builtin", BUILTIN), ("connector", CONNECTOR))
             for m in known}
    expected = {f"{i}-{m}" for i, m in cases - NOT_YET_RECORDED - NOT_CAUGHT.keys()} | \
        {"builtin-clean", "connector-clean"}
    assert expected - names == set(), "tests/recorded/record.py regenerates them"
    assert {f"{i}-{m}" for i, m in NOT_YET_RECORDED} & names == set(), \
        "recorded: take it off NOT_YET_RECORDED and give its REASONS"
    assert set(REASONS) == cases - NOT_YET_RECORDED - NOT_CAUGHT.keys()


def test_recorded_folders_stay_small() -> None:
    for folder in _folders():
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        assert size < 1024 * 1024, f"{folder.name}: {size / 1024:.0f} KiB"


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_a_recorded_run_is_judged_as_it_was_recorded(folder: Path) -> None:
    integration, case = _case(folder)
    evidence = RunEvidence.load(folder)
    verdicts = {v.check: v for v in judge(evidence, evidence.plan())}
    if case is None:
        not_passed = {c: f"{v.status}: {v.summary}" for c, v in verdicts.items()
                      if v.status != "pass"}
        assert not_passed == {}
        return
    verdict = verdicts[case.check]
    assert verdict.status == "fail", verdict.summary
    reason = REASONS[(integration, case.mistake)]
    assert re.search(reason, verdict.summary, re.IGNORECASE), verdict.summary


def test_the_clean_connector_is_judged_on_its_payments_and_passes() -> None:
    # The card payment method is the store's own (the simulator's payment module), so with
    # the example connector shoppers pay by card too and its online invoices capture: the
    # check judges every paid order, not "nothing paid at the gateway".
    evidence = RunEvidence.load(RECORDED / "connector-clean")
    verdicts = {v.check: v for v in judge(evidence, evidence.plan())}
    payment = verdicts["payment_integrity"]
    assert payment.status == "pass", payment.summary
    figures = payment.figures
    assert figures["orders_paid"] > 0 and figures["orders_paid"] == figures["orders_at_gateway"]
    assert figures["captured"] == figures["invoiced"] > 0
