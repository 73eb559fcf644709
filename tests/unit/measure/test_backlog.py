"""The export backlog and a fault's recovery, from the witnesses' evidence alone."""

from __future__ import annotations

from peakready.measure.backlog import backlog_series, recovery, settled_at


def test_the_backlog_counts_orders_acknowledged_and_not_yet_settled() -> None:
    acknowledged = {"1": 0.5, "2": 1.5, "3": 2.5, "4": None}
    settled = {"1": 1.2, "2": 4.0}                    # 3 never reaches the ERP
    backlog = backlog_series(acknowledged, settled, 0.0, 5.0)
    assert backlog.walls == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert backlog.orders == [0, 1, 1, 2, 1, 1]
    assert backlog.peak(0.0, 3.5) == 2 and backlog.peak(10.0, 11.0) is None


def test_an_order_received_before_its_checkout_returned_never_counts() -> None:
    # the export can beat the shopper's confirmation page to the ERP
    backlog = backlog_series({"1": 2.0}, {"1": 1.9}, 0.0, 3.0)
    assert backlog.orders == [0, 0, 0, 0]


def test_a_refusal_of_the_orders_data_settles_it() -> None:
    assert settled_at({"1": 5.0, "2": 9.0}, {"2": 7.0, "3": 8.0}) == \
        {"1": 5.0, "2": 7.0, "3": 8.0}


def test_recovery_waits_for_every_order_the_fault_held_up() -> None:
    acknowledged = {"before": 5.0, "in": 12.0, "late": 14.0, "after": 30.0}
    settled = {"before": 21.0, "in": 22.0, "late": 26.0, "after": 31.0}
    found = recovery(acknowledged, settled, 10.0, 20.0)
    assert found.affected == 3 and found.recovered is True
    assert found.time_to_recover_s == 6.0             # "late" settled 6 s after the window


def test_an_order_of_the_fault_never_settled_is_not_a_recovery() -> None:
    # no_retry: the orders placed while the ERP was down never arrive; the others flow again
    acknowledged = {"in-1": 11.0, "in-2": 12.0, "after": 25.0}
    found = recovery(acknowledged, {"in-2": 13.0, "after": 25.5}, 10.0, 20.0)
    assert found.recovered is False and found.time_to_recover_s is None
    assert found.unsettled == 1 and found.examples == ["in-1"]


def test_an_order_lost_before_the_fault_is_not_the_faults_to_recover() -> None:
    acknowledged = {"lost-earlier": 2.0, "in": 12.0}
    found = recovery(acknowledged, {"in": 21.0}, 10.0, 20.0)
    assert found.affected == 1 and found.recovered is True and found.time_to_recover_s == 1.0


def test_a_fault_that_held_nothing_up_has_no_recovery_to_judge() -> None:
    found = recovery({"early": 1.0}, {"early": 1.5}, 10.0, 20.0)
    assert found.recovered is None and found.affected == 0
