"""The load's journeys as the capacity model sees them: which routes each request costs.

::

    GET /__admin/capacity ──► routes (method, path pattern, median, sigma), workers
    JOURNEYS[name]: the REST calls peakready.scenario.journeys makes, in order
        guest_checkout   POST guest-carts · 1-3 x POST items · estimate · shipping ·
                         payment-information  (then GET orders/{id}: after the latency)
    ──► JourneyModel per journey with the plan's share of arrivals, route names first-match

Only journeys listed here are modelled, as the REST storefront makes them; a plan whose mix,
sync traffic or ``load.storefront`` reaches others gets no prediction (None) rather than a
wrong one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from peakready.capacity.predict import JourneyModel, Route
from peakready.config import CHECKOUT_JOURNEYS, Plan
from peakready.mockkit.capacity import RouteCost

__all__ = ["JOURNEYS", "journey_models", "model_routes"]

_CART = "/rest/V1/guest-carts/m4sk3d"
#: journey → (fixed prefix, repeated 1..3 times (basket size), fixed suffix, untimed after)
JOURNEYS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...],
                          tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "guest_checkout": (
        (("POST", "/rest/V1/guest-carts"),),
        (("POST", f"{_CART}/items"),),
        (("POST", f"{_CART}/estimate-shipping-methods"), ("POST", f"{_CART}/shipping-information"),
         ("POST", f"{_CART}/payment-information")),
        (("GET", "/rest/V1/orders/42"),)),
}
_BASKET = (1, 2, 3)   # peakready.scenario.catalogue.basket: 1 to 3 SKUs, uniformly


def model_routes(report: Mapping[str, Any]) -> tuple[list[RouteCost], dict[str, Route]]:
    costs = [RouteCost(r["name"], r["method"], r["path"], float(r["median_ms"]),
                       float(r["sigma"])) for r in report["routes"]]
    return costs, {c.name: Route(c.name, c.median_ms, c.sigma) for c in costs}


def _name(costs: Sequence[RouteCost], method: str, path: str) -> str:
    return next(c.name for c in costs if c.matches(method, path))


def journey_models(plan: Plan, report: Mapping[str, Any]) -> list[JourneyModel] | None:
    """The plan's traffic as journey models, or None when some of it is not modelled."""
    sync = plan.load.sync
    if sync.erp_stock_updates_per_minute or sync.crm_upserts_per_minute or \
            sync.backoffice_per_minute:
        return None
    mix = {j: w for j, w in plan.load.mix.items() if w > 0}
    if any(j not in JOURNEYS for j in mix):
        return None
    if any(plan.load.storefront_for(j) != "rest" for j in mix):
        return None   # the GraphQL and page journeys' calls are not modelled (yet)
    costs, _ = model_routes(report)
    checkout_weight = sum(mix.get(j, 0.0) for j in CHECKOUT_JOURNEYS)
    models = []
    for journey, weight in mix.items():
        prefix, repeated, suffix, untimed = JOURNEYS[journey]
        sequences = tuple(
            (tuple(_name(costs, m, p) for m, p in (*prefix, *repeated * n, *suffix)),
             1.0 / len(_BASKET)) for n in _BASKET)
        models.append(JourneyModel(journey, weight / checkout_weight, sequences,
                                   tuple(_name(costs, m, p) for m, p in untimed),
                                   checkout=journey in CHECKOUT_JOURNEYS))
    return models
