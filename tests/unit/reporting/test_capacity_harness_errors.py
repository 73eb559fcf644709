"""A capacity step measures the store only on the data the estate was seeded with.

The steps vary their arrivals, never the fixtures (customers, SKUs, CRM contacts), and a step
whose errors are the harness's own refusals stops the search as a harness error (exit 3)
instead of becoming a capacity figure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from peakready.capacity.harness_errors import harness_errors
from peakready.capacity.runner import StepRunnerOnEstate, step_plan
from peakready.config import parse_plan
from peakready.errors import HarnessError
from peakready.scenario.arrivals import schedule
from peakready.scenario.catalogue import load_catalogue
from peakready.scenario.shapes import build_shape
from peakready.seeding.profiles import generate_catalog

DEFAULT_MIX_PLAN = {"load": {"duration": "30s", "orders_per_minute": 120}, "seed": 42}


def test_every_step_logs_in_as_the_customers_the_estate_was_seeded_with() -> None:
    plan = parse_plan(DEFAULT_MIX_PLAN)
    assert plan.load.mix["customer_checkout"] > 0          # the default mix
    seeded = generate_catalog(plan.target.simulator.profile, plan.seed)
    for index in (1, 2, 3):
        step = step_plan(plan, 90.0, 10.0, index)
        # what the Locust workers load for the journeys (peakready.scenario.plugin)
        catalogue = load_catalogue(step.target.simulator.profile, step.seed)
        assert [(c.email, c.password) for c in catalogue.customers] == \
            [(c.email, c.password) for c in seeded.customers]
        assert set(catalogue.regular_skus) <= {p.sku for p in seeded.products}


def test_steps_draw_their_own_arrivals() -> None:
    plan = parse_plan(DEFAULT_MIX_PLAN)

    def first_arrivals(index: int) -> list[tuple[float, str]]:
        step = step_plan(plan, 90.0, 10.0, index)
        arrivals = schedule(step.load, step.arrivals_seed, build_shape(step.load))
        return [(round(a.t, 6), a.journey) for a in itertools.islice(arrivals, 20)]

    assert first_arrivals(1) != first_arrivals(2)
    assert first_arrivals(1) == first_arrivals(1)          # and each is replayable


def _lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")


def _checkout(ok: bool, status: int = 200, step: str | None = None) -> dict[str, Any]:
    return {"journey": "customer_checkout", "ok": ok, "status": status, "step": step,
            "customer_email": "c@example.com"}


def test_refused_logins_and_contacts_are_the_harnesss_own_errors(tmp_path: Path) -> None:
    _lines(tmp_path / "checkouts.jsonl", [
        _checkout(True), _checkout(False, 401, "/V1/integration/customer/token"),
        _checkout(False, 401, "/V1/integration/customer/token"),
        _checkout(False, 503, "/V1/carts/mine/payment-information")])
    (tmp_path / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences\n"
        "POST,/V1/integration/customer/token,\"CatchResponseError('401 {\"\"message\"\":"
        "\"\"The account sign-in was incorrect\"\"}')\",3\n"
        "PUT,/api/contacts/[email]/preferences,\"CatchResponseError('404 no contact')\",5\n"
        "POST,/V1/carts/mine/payment-information,\"CatchResponseError('503 busy')\",1\n",
        "utf-8")
    found = harness_errors(tmp_path)
    # Locust's count covers the account edits' logins too: 3, not the checkouts' 2
    assert found == [
        "5 CRM contacts the journeys chose do not exist in the CRM (404 on "
        "/api/contacts/[email]/preferences)",
        "3 customer logins refused: the fixtures' customers are not the store's (401 on "
        "/V1/integration/customer/token)"]


def test_the_stores_own_errors_are_not_the_harnesss(tmp_path: Path) -> None:
    _lines(tmp_path / "checkouts.jsonl", [
        _checkout(False, 503, "/V1/carts/mine/payment-information"),
        _checkout(False, 0, "/V1/integration/customer/token"),      # timed out: the store's
        _checkout(False, 500, "/V1/integration/customer/token")])
    assert harness_errors(tmp_path) == []
    assert harness_errors(tmp_path / "missing") == []


def test_checkouts_alone_witness_refusals_when_locusts_csv_is_lost(tmp_path: Path) -> None:
    _lines(tmp_path / "checkouts.jsonl", [
        {**_checkout(False, 404, "/V1/guest-carts/[id]/items"), "journey": "guest_checkout",
         "error": "The product that was requested doesn't exist. Verify the product and try "
                  "again."}])
    assert harness_errors(tmp_path) == [
        "1 SKUs the journeys chose are not in the store (404 on /V1/guest-carts/[id]/items)"]


def test_a_customers_cart_placed_by_their_other_session_is_the_stores_answer(
        tmp_path: Path) -> None:
    # An overloaded step: one customer's checkouts overlap, the first places the cart, the
    # second's item add is 404 "No such entity with customerId" (Magento's own answer).
    _lines(tmp_path / "checkouts.jsonl", [
        {**_checkout(False, 404, "/V1/carts/mine/items"),
         "error": "No such entity with customerId = 163"}])
    (tmp_path / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences\n"
        "POST,/V1/carts/mine/items,\"CatchResponseError('404 {\"\"message\"\":\"\"No such "
        "entity with customerId = %1\"\"}')\",7\n", "utf-8")
    assert harness_errors(tmp_path) == []


class _Estate:
    embedded = False


def test_a_step_with_the_harnesss_own_errors_is_a_harness_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from peakready.capacity import runner as runner_module
    from peakready.reporting.result import RunResult

    async def fake_phase(estate: Any, step_dir: Path, **_: Any) -> Any:
        step_dir.mkdir(parents=True)
        _lines(step_dir / "checkouts.jsonl",
               [_checkout(False, 401, "/V1/integration/customer/token")])
        return type("Record", (), {"load_duration_s": 10.0})()

    monkeypatch.setattr("peakready.run.phase.run_load_phase", fake_phase)
    monkeypatch.setattr(runner_module, "finalize",
                        lambda step_dir, console: RunResult.model_construct())
    runner = StepRunnerOnEstate(_Estate(), parse_plan(DEFAULT_MIX_PLAN), tmp_path)
    with pytest.raises(HarnessError, match=r"harness's own errors.*customer logins refused"):
        asyncio.run(runner(60.0, 10.0))
    assert runner.results == []                 # no capacity figure from it
