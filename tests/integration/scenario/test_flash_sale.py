"""The flash sale through the engine: buyers race for the scarce SKUs, the simulator's orders
are the witness (the evidence the no-oversell check judges)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

HOT = ["PR-HOT-01", "PR-HOT-02"]   # profile tiny: 2 hot SKUs x 10 units


def race(start_mock: Callable[..., Any], tmp_path: Path, kit: Any, *sim_args: str) -> int:
    payment = start_mock("payment")
    sim = start_mock("magento", "--profile", "tiny", "--service", f"payment={payment.url}",
                     *sim_args)
    plan = kit.plan_for({"duration": 4, "orders_per_minute": 1, "mix": {"guest_checkout": 1},
                         "flash_sale": {"skus": 2, "stock_each": 10, "buyers": 80, "at": 1}})
    run = kit.run_locust(plan, tmp_path / "run", kit.targets(sim, flash_skus=HOT))
    buys = [c for c in run.lines("checkouts.jsonl") if c["flash_sale"]]
    assert len(buys) == 80 and run.returncodes == [0]
    sold_by_engine = sum(c["items"][0]["qty"] for c in buys if c["ok"])
    orders = sim.get("/rest/V1/orders", **{"searchCriteria[pageSize]": 10_000})["items"]
    sold = sum(i["qty_ordered"] for o in orders for i in o["items"] if i["sku"] in HOT)
    assert sold == sold_by_engine       # the recorder's count agrees with the store's orders
    losers = [c for c in buys if not c["ok"]]
    assert all(c["status"] == 400 for c in losers), {c["error"] for c in losers}
    return int(sold)


def test_race_mode_without_reservations_sells_more_than_the_stock(
        start_mock: Callable[..., Any], tmp_path: Path, kit: Any) -> None:
    sold = race(start_mock, tmp_path, kit, "--inventory", "race", "--flag", "no_reservations")
    assert sold > 20


def test_race_mode_with_the_good_integration_sells_exactly_the_stock(
        start_mock: Callable[..., Any], tmp_path: Path, kit: Any) -> None:
    # the same Magento-faithful window; the integration reserves under the SKUs' locks
    assert race(start_mock, tmp_path, kit, "--inventory", "race") == 20
