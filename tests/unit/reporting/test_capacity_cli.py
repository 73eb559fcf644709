"""The capacity verb's parts that need no estate: step plans, the verdict, the CLI wiring."""

from __future__ import annotations

from pathlib import Path

from peakready.capacity.drive import stability
from peakready.capacity.model import journey_models, model_routes
from peakready.capacity.predict import ceiling_orders_per_minute
from peakready.capacity.runner import _p95_by_sixth, step_plan
from peakready.cli import build_parser
from peakready.config import parse_plan
from peakready.mockkit.capacity import CapacityConfig, CapacityModel
from peakready.reporting.finalize import capacity_verdict
from peakready.reporting.result import CapacityResult, CapacityStep
from support.run_folders import RunSpec, write_run


def test_the_verb_is_wired() -> None:
    args = build_parser().parse_args(["capacity", "plan.yaml", "-q"])
    assert args.handler == "peakready.capacity.cli:main" and args.quiet


def test_a_step_plan_keeps_the_judgement_and_drops_the_faults() -> None:
    plan = parse_plan({"load": {"duration": "2m", "shape": "spike", "flash_sale": {}},
                       "faults": [{"at": 10, "for": 5, "proxy": "erp", "down": True}],
                       "slo": {"checkout": {"p95_ms": 1500}}, "seed": 7})
    step = step_plan(plan, 345.6, 30.0, 3)
    assert step.faults == [] and step.load.flash_sale is None
    assert step.load.orders_per_minute == 345.6 and step.load.duration == 30.0
    assert step.load.shape == "constant"
    assert step.seed == 7 and step.arrivals_seed == 10      # new arrivals, the estate's data
    assert step.slo == plan.slo and step.checks == plan.checks


def test_capacity_verdict() -> None:
    def result(sustainable: float | None, headroom: float | None) -> CapacityResult:
        return CapacityResult(sustainable_orders_per_minute=sustainable, headroom=headroom,
                              below_lowest_step=sustainable is None, summary="s",
                              steps=[CapacityStep(orders_per_minute=60, ok=sustainable is not
                                                  None)])
    assert capacity_verdict(result(120.0, 0.2)).status == "pass"
    assert capacity_verdict(result(90.0, -0.1)).status == "fail"
    assert capacity_verdict(result(None, None)).status == "fail"
    assert capacity_verdict(result(90.0, None)).status == "pass"     # no forecast to miss


def test_guest_checkout_is_modelled_and_other_traffic_is_not() -> None:
    report = CapacityModel(None, CapacityConfig(workers=4)).report()  # type: ignore[arg-type]
    guest = parse_plan({"load": {"mix": {"guest_checkout": 100}}})
    [journey] = journey_models(guest, report) or []
    assert journey.sequences[0][0] == ("cart_write", "add_to_cart", "estimate_shipping",
                                       "shipping_information", "place_order")
    assert journey.untimed == ("order_read",)
    _, routes = model_routes(report)
    # 4 workers over (40 + 2 x 80 + 60 + 90 + 250 + 40) ms x e^(0.125) per order
    per_order_s = (40 + 2 * 80 + 60 + 90 + 250 + 40) * 2.718281828 ** 0.125 / 1000
    assert abs(ceiling_orders_per_minute(4, routes, [journey]) - 240 / per_order_s) < 1.0
    assert journey_models(parse_plan({}), report) is None          # browse, search: not modelled
    for storefront in ("graphql", "pages"):   # the same journey, other calls: not modelled
        other = parse_plan({"load": {"mix": {"guest_checkout": 100}, "storefront": storefront}})
        assert journey_models(other, report) is None


def test_p95_by_sixth_reads_the_merged_histograms(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", RunSpec(seconds=60, faults=[(40.0, 10.0, "erp down")],
                                              slow=6.0))
    sixths = _p95_by_sixth(run, 60.0)
    assert len(sixths) == 6 and all(v is not None for v in sixths)
    assert sixths[4] > 2 * sixths[1]            # 40-50 s: checkout six times slower
    assert stability([*sixths[:4], sixths[4], sixths[4]]) == "rising"
