"""no_oversell, inventory_convergence, sync_efficiency on synthetic evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from unit.checks.builder import T0, HealthyRun, magento_time
from unit.checks.helpers import judge_one


def _oversell(run: HealthyRun, sku: str, orders: int) -> None:
    run.snapshot["magento"]["salable"][sku] = 2
    base = len(run.magento_orders)
    for n in range(orders):
        run.magento_orders.append({"entity_id": base + n + 1, "increment_id": f"9{n:08d}",
                                   "quote_id": 900 + n, "state": "new",
                                   "created_at": magento_time(T0 + 50),
                                   "items": [{"sku": sku, "qty_ordered": 1,
                                              "qty_canceled": 0}]})


def test_no_oversell_passes_within_stock(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "no_oversell")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["units_sold"] == 20


def test_no_oversell_names_the_sku_its_stock_and_the_orders(tmp_path: Path) -> None:
    run = HealthyRun()
    _oversell(run, "SKU-3", 3)            # SKU-3 had 2 and 4 healthy orders + 3 more
    verdict = judge_one(run, tmp_path, "no_oversell")
    assert verdict.status == "fail"
    assert "worst SKU-3 sold 7 of 2" in verdict.summary
    (row,) = verdict.examples
    assert (row["sku"], row["stock"], row["sold"]) == ("SKU-3", 2.0, 7.0)
    assert "900000000" in row["orders"]


def test_skus_missing_from_the_snapshot_are_not_judged_not_oversold(tmp_path: Path) -> None:
    # A real store's snapshot used to hold the flash-sale SKUs only: every other SKU sold
    # read as "sold 4 of 0" (the "90 SKUs sold more than they had").
    run = HealthyRun()
    run.snapshot["magento"]["salable"] = {"SKU-1": 100}
    verdict = judge_one(run, tmp_path, "no_oversell")
    assert verdict.status == "pass", verdict.summary
    assert "4 SKUs not judged (no salable quantity before the load" in verdict.summary
    assert verdict.figures["skus_without_stock_before"] == 4


def test_no_oversell_without_any_sku_in_the_snapshot_is_not_judged(tmp_path: Path) -> None:
    run = HealthyRun()
    run.snapshot["magento"]["salable"] = {}
    assert judge_one(run, tmp_path, "no_oversell").status == "not_judged"


def test_stock_added_during_the_run_may_be_sold(tmp_path: Path) -> None:
    run = HealthyRun()
    _oversell(run, "SKU-3", 3)
    run.stock_history.append({"id": 2, "ts": T0 + 10, "sku": "SKU-3", "delta": 5,
                              "reason": "api", "qty_after": 105})
    assert judge_one(run, tmp_path, "no_oversell").status == "pass"


def test_canceled_units_are_not_sold(tmp_path: Path) -> None:
    run = HealthyRun()
    _oversell(run, "SKU-3", 3)
    sku3 = [o for o in run.magento_orders if o["items"][0]["sku"] == "SKU-3"]
    for order in sku3[2:]:                # 7 ordered, 5 canceled: 2 sold of 2
        order["items"][0]["qty_canceled"] = 1
    assert judge_one(run, tmp_path, "no_oversell").status == "pass"


def test_no_oversell_fails_on_salable_below_zero_at_the_end(tmp_path: Path) -> None:
    run = HealthyRun()
    run.salable["SKU-4"] = -3
    verdict = judge_one(run, tmp_path, "no_oversell")
    assert verdict.status == "fail" and "salable below zero (SKU-4 -3)" in verdict.summary


@pytest.mark.parametrize("omit", ["snapshot_before.json", "magento/salable.json",
                                  "erp/stock_history.jsonl"])
def test_no_oversell_errors_without_its_witnesses(tmp_path: Path, omit: str) -> None:
    run = HealthyRun()
    run.omit.add(omit)
    assert judge_one(run, tmp_path, "no_oversell").status == "error"


def test_inventory_convergence_passes_when_magento_equals_the_erp(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "inventory_convergence")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["skus_compared"] == 5
    assert verdict.figures["time_to_converge_s"] == 4.0     # timeline: 0 divergent from 34 s


def test_inventory_convergence_lists_skus_that_never_converged(tmp_path: Path) -> None:
    run = HealthyRun()
    run.source_items[1]["quantity"] = 80
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "fail" and "1 of 5 SKUs never converged" in verdict.summary
    assert verdict.examples[0]["sku"] == "SKU-2"


def test_a_sku_the_erp_changed_just_before_the_export_is_in_flight(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_stock[1].update(qty=90, updated_at=run.exported_at - 3)
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "pass" and "1 in flight" in verdict.summary


def test_inventory_convergence_fails_when_salable_ignores_reservations(tmp_path: Path) -> None:
    run = HealthyRun()
    run.salable["SKU-1"] = 110            # as if 4 open orders reserved nothing
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "fail" and "salable ≠ source - open reservations" in verdict.summary


def test_inventory_convergence_fails_on_a_slow_convergence(tmp_path: Path) -> None:
    run = HealthyRun()
    for sample in run.timeline:
        sample["stock_divergent_skus"] = 0 if sample["wall"] >= T0 + 68 else 2
    verdict = judge_one(run, tmp_path, "inventory_convergence",
                        thresholds={"convergence_timeout": "30s"})
    assert verdict.status == "fail" and "converged 38 s after the last fault" in verdict.summary


def test_inventory_convergence_errors_without_the_erp_stock(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("erp/stock.jsonl")
    assert judge_one(run, tmp_path, "inventory_convergence").status == "error"


def test_sync_efficiency_passes_on_a_delta_sync(tmp_path: Path) -> None:
    verdict = judge_one(HealthyRun(), tmp_path, "sync_efficiency")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["erp_per_sku_reads"] == 0


def test_sync_efficiency_catches_a_full_sync(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_journal["routes"]["/api/stock/{sku}"] = {"GET": {"200": 30}}   # 6 cycles x 5 SKUs
    verdict = judge_one(run, tmp_path, "sync_efficiency")
    assert verdict.status == "fail" and "30 per-SKU ERP stock reads for 1 on-hand changes" in \
        verdict.summary


def test_sync_efficiency_judges_magento_calls_per_order_when_limited(tmp_path: Path) -> None:
    run = HealthyRun()
    run.magento_journal = {"routes": {"/V1/orders": {"GET": {"200": 200}},
                                      "/V1/guest-carts": {"POST": {"200": 500}}}}
    loose = judge_one(run, tmp_path, "sync_efficiency")
    assert loose.status == "pass" and loose.figures["magento_calls_per_order"] == 10.0
    strict = judge_one(run, tmp_path / "b", "sync_efficiency",
                       thresholds={"max_magento_calls_per_order": 5})
    assert strict.status == "fail" and "200 connector calls to Magento" in strict.summary


def test_sync_efficiency_errors_without_the_erp_journal(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("erp/journal.json")
    assert judge_one(run, tmp_path, "sync_efficiency").status == "error"


def test_in_flight_falls_back_to_the_erp_history_when_stock_rows_have_no_time(
        tmp_path: Path) -> None:
    run = HealthyRun()
    for level in run.erp_stock:
        del level["updated_at"]
    run.erp_stock[1]["qty"] = 90
    run.stock_history.append({"id": 2, "ts": run.exported_at - 3, "sku": "SKU-2",
                              "delta": -10, "qty_after": 90, "reason": "api"})
    run.erp_stock[2]["qty"] = 70                     # SKU-3: no recent change: divergent
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "fail" and verdict.figures["in_flight_skus"] == ["SKU-2"]
    assert [e["sku"] for e in verdict.examples] == ["SKU-3"]


def test_negative_salable_names_the_erp_shipments_magento_never_recorded(tmp_path: Path) -> None:
    run = HealthyRun()
    run.salable["SKU-2"] = -4                       # SKU-2: 4 orders, all shipped by the ERP
    for order in run.erp_orders:
        if order["items"][0]["sku"] == "SKU-2":
            order["status"] = "shipped"
    # Without order_lifecycle in the plan nothing else would say it: no_oversell fails.
    verdict = judge_one(run, tmp_path / "alone", "no_oversell", checks=["no_oversell"])
    assert verdict.status == "fail"
    assert "4 of their units the ERP shipped are not shipped in Magento" in verdict.summary
    assert verdict.examples[0]["units_erp_shipped_not_in_magento"] == 4
    # With it, nothing was oversold: no_oversell says so and points to the lifecycle check.
    verdict = judge_one(run, tmp_path / "both", "no_oversell",
                        checks=["no_oversell", "order_lifecycle"])
    assert verdict.status == "pass" and "see order_lifecycle" in verdict.summary
    run.salable["SKU-2"] = -5                       # one unit more than the ERP shipped
    verdict = judge_one(run, tmp_path / "more", "no_oversell",
                        checks=["no_oversell", "order_lifecycle"])
    assert verdict.status == "fail" and "order_lifecycle judges that" in verdict.summary


def test_a_shipment_recorded_while_the_export_paged_is_not_a_salable_mismatch(
        tmp_path: Path) -> None:
    run = HealthyRun()
    # SKU-2's 4 open orders: the salable read saw them; one shipped before reservations paged.
    run.reservations.append({"reservation_id": 99, "stock_id": 1, "sku": "SKU-2",
                             "quantity": 1, "metadata": {"event_type": "shipment_created"}})
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["salable_in_flight_skus"] == ["SKU-2"]


def test_without_a_timeline_the_convergence_limit_bites_on_the_witnesses_times(
        tmp_path: Path) -> None:
    # No witness sample: the ERP changed SKU-1 at T0+5, the fault cleared at T0+30, Magento's
    # source item took the change at T0+100: 70 s (this passed before issue 18).
    run = HealthyRun()
    run.omit.add("timeline.jsonl")
    for item in run.source_items:
        item["ts"] = T0 + 100 if item["sku"] == "SKU-1" else T0 - 200
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "fail", verdict.summary
    assert "converged 70 s after the last fault (SKU-1 by Magento's and the ERP's own times)" \
        in verdict.summary
    assert verdict.figures["time_source"] == "witness times"


def test_without_a_timeline_a_prompt_catch_up_passes(tmp_path: Path) -> None:
    run = HealthyRun()
    run.omit.add("timeline.jsonl")
    for item in run.source_items:
        item["ts"] = T0 + 31 if item["sku"] == "SKU-1" else T0 - 200
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["time_to_converge_s"] == 1.0


def test_samples_that_never_read_zero_bound_the_convergence_from_below(
        tmp_path: Path) -> None:
    run = HealthyRun()
    for sample in run.timeline:
        sample["stock_divergent_skus"] = 2       # still diverging at T0 + 68, 38 s after
    verdict = judge_one(run, tmp_path, "inventory_convergence",
                        thresholds={"convergence_timeout": "30s"})
    assert verdict.status == "fail", verdict.summary
    assert "stock still diverged at the last witness sample, 38 s after the ERP's last stock " \
        "change and the last fault" in verdict.summary


def test_a_run_without_faults_times_convergence_from_the_erps_last_change(
        tmp_path: Path) -> None:
    # A fault-free run (a capacity step) whose ERP changes stock every 2 s of the load: some
    # SKU is always in flight, so no sample reads zero before the load ends (T0 + 58). Magento
    # caught up 6 s after the last change; timed from the load's start it read as 64 s, late.
    run = HealthyRun(fault=None)
    run.stock_history = [{"id": n, "key": "SKU-1", "ts": T0 + t, "sku": "SKU-1", "delta": -1,
                          "requested": -1, "source": "movement"}
                         for n, t in enumerate(range(2, 60, 2), start=1)]
    for sample in run.timeline:
        sample["stock_divergent_skus"] = 0 if sample["t"] >= 64 else 1
    verdict = judge_one(run, tmp_path, "inventory_convergence",
                        thresholds={"convergence_timeout": "30s"})
    assert verdict.status == "pass", verdict.summary
    assert verdict.figures["time_to_converge_s"] == 6.0
    assert "6 s after the ERP's last stock change" in verdict.summary


def test_a_run_without_faults_still_fails_divergence_that_outlasts_the_erps_changes(
        tmp_path: Path) -> None:
    run = HealthyRun(fault=None)
    run.stock_history = [{"id": n, "key": "SKU-1", "ts": T0 + t, "sku": "SKU-1", "delta": -1,
                          "requested": -1, "source": "movement"}
                         for n, t in enumerate(range(2, 30, 2), start=1)]
    for sample in run.timeline:
        sample["stock_divergent_skus"] = 3            # never agrees, up to T0 + 68
    verdict = judge_one(run, tmp_path, "inventory_convergence",
                        thresholds={"convergence_timeout": "30s"})
    assert verdict.status == "fail", verdict.summary
    assert "40 s after the ERP's last stock change" in verdict.summary


def test_no_sku_in_both_is_not_judged(tmp_path: Path) -> None:
    run = HealthyRun()
    run.erp_stock = [{"sku": "OTHER", "qty": 1, "updated_at": T0, "seq": 1}]
    verdict = judge_one(run, tmp_path, "inventory_convergence")
    assert verdict.status == "not_judged"
