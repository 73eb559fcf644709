"""The open-model engine through real Locust processes against the simulator (subprocess)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Mock = Run = Any  # the conftest's helpers arrive through the ``kit`` and ``start_mock`` fixtures


def assert_checkouts_placed(run: Run, sim: Mock, rate: float, duration: float) -> None:
    offered = run.offered()["guest_checkout"]
    started = run.started()["guest_checkout"]
    assert offered == round(rate * duration)            # uniform arrivals: the plan exactly
    assert abs(started / offered - 1) <= 0.03            # achieved within ±3 % of offered
    checkouts = run.lines("checkouts.jsonl")
    assert len(checkouts) == started                     # every attempt has its line
    placed = [c for c in checkouts if c["ok"]]
    assert len(placed) >= 0.97 * started, Counter(c["error"] for c in checkouts)
    # the order ids exist in the simulator (its own state is the witness)
    ids = {int(o["entity_id"]) for o in sim.get(
        "/rest/V1/orders", **{"searchCriteria[pageSize]": 10_000})["items"]}
    assert {c["order_id"] for c in placed} <= ids
    late = sorted(c["start_ts"] - c["intended_ts"] for c in checkouts)
    assert late[len(late) // 2] < 0.5                    # started at the intended time
    assert all(c["latency_ms"] >= (c["end_ts"] - c["start_ts"]) * 1000 - 1 for c in checkouts)
    start, stop = run.control("test_start"), run.control("test_stop")
    assert len(start) == 1 and len(stop) == 1 and run.returncodes[0] == 0
    assert len(run.control("snapshot")) >= duration - 2


def test_an_open_model_run_offers_the_plan_and_records_every_checkout(
        start_mock: Callable[..., Mock], tmp_path: Path, kit: Any) -> None:
    sim = start_mock("magento", "--integration", "none", "--profile", "tiny")
    # the same property as the 60 s acceptance run (slow), over 8 s
    plan = kit.plan_for({"duration": 8, "orders_per_minute": 300, "arrivals": "uniform",
                         "mix": {"guest_checkout": 1}})
    run = kit.run_locust(plan, tmp_path / "run", kit.targets(sim))
    assert_checkouts_placed(run, sim, 5.0, 8.0)
    # per-second HDR lines for the journey and its requests
    kinds = {(x["kind"], x["name"]) for x in run.lines("latency.jsonl")}
    assert ("journey", "guest_checkout") in kinds
    assert ("request", "POST /V1/guest-carts/[id]/payment-information") in kinds
    assert (tmp_path / "run" / "locust_stats.csv").exists()


@pytest.mark.slow
def test_sixty_seconds_at_five_checkouts_per_second(start_mock: Callable[..., Mock],
                                                    tmp_path: Path, kit: Any) -> None:
    sim = start_mock("magento", "--integration", "none", "--profile", "tiny")
    plan = kit.plan_for({"duration": 60, "orders_per_minute": 300, "arrivals": "uniform",
                         "mix": {"guest_checkout": 1}})
    run = kit.run_locust(plan, tmp_path / "run", kit.targets(sim), timeout=200)
    assert_checkouts_placed(run, sim, 5.0, 60.0)


def test_two_workers_offer_exactly_what_one_process_offers(start_mock: Callable[..., Mock],
                                                            tmp_path: Path, kit: Any) -> None:
    sim = start_mock("magento", "--integration", "none", "--profile", "tiny")
    plan = kit.plan_for({"duration": 4, "orders_per_minute": 360, "arrivals": "poisson",
                     "mix": {"browse": 30, "abandoned_cart": 20, "guest_checkout": 10}},
                    seed=11)
    one = kit.run_locust(plan, tmp_path / "one", kit.targets(sim), workers=0)
    two = kit.run_locust(plan, tmp_path / "two", kit.targets(sim), workers=2)
    assert two.control("test_start")[0]["workers"] == 2, two.lines("control.jsonl")[:2]
    assert one.offered() == two.offered(), (one.offered(), two.offered())
    assert sum(one.offered().values()) > 20
    assert Counter(c["journey"] for c in one.lines("checkouts.jsonl")) == \
        Counter(c["journey"] for c in two.lines("checkouts.jsonl"))
    assert len({c["worker"] for c in two.lines("checkouts.jsonl")}) == 2
    assert two.returncodes == [0, 0, 0], two.returncodes


def test_max_concurrency_drops_arrivals_instead_of_delaying_them(
        start_mock: Callable[..., Mock], tmp_path: Path, kit: Any) -> None:
    # a store that takes ~250 ms per place-order: 20 checkouts/s cannot fit in 2 slots
    sim = start_mock("magento", "--integration", "none", "--profile", "tiny",
                     "--capacity-model", "on")
    plan = kit.plan_for({"duration": 3, "orders_per_minute": 1200, "arrivals": "uniform",
                         "mix": {"guest_checkout": 1}, "max_concurrency": 2})
    run = kit.run_locust(plan, tmp_path / "run", kit.targets(sim))
    arr = run.offered()
    dropped = sum(x["dropped"] for x in run.lines("arrivals.jsonl"))
    assert arr["guest_checkout"] == 60 and dropped > 30
    assert run.control("test_stop")[0]["dropped"] == dropped
    assert len(run.lines("checkouts.jsonl")) == 60 - dropped


@pytest.mark.slow
def test_a_lost_worker_is_reported_and_the_run_goes_on(start_mock: Callable[..., Mock],
                                                        tmp_path: Path, kit: Any) -> None:
    sim = start_mock("magento", "--integration", "none", "--profile", "tiny")
    plan = kit.plan_for({"duration": 20, "orders_per_minute": 600, "arrivals": "uniform",
                         "mix": {"guest_checkout": 1}})

    def kill_one(procs: list[subprocess.Popen[bytes]]) -> None:
        deadline = time.monotonic() + 60
        control = tmp_path / "run" / "control.jsonl"
        while time.monotonic() < deadline:
            if control.exists() and '"snapshot"' in control.read_text():
                break
            time.sleep(0.2)
        time.sleep(3)
        procs[2].send_signal(signal.SIGKILL)

    run = kit.run_locust(plan, tmp_path / "run", kit.targets(sim), workers=2, during=kill_one)
    [lost] = run.control("worker_lost")
    assert lost["arrivals_lost"] > 30          # ~the second half of its 100 arrivals
    assert run.control("test_stop")[0]["workers_lost"] == [lost["worker"]]
    survivor = [c for c in run.lines("checkouts.jsonl") if c["worker"] != lost["worker"]]
    assert len(survivor) == 100                # its share: every other arrival of 200
    assert max(c["intended_ts"] for c in survivor) > lost["wall"]
