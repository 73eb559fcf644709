"""The shopper journeys as a headless (GraphQL) and a Luma (pages) storefront make them,
against the in-process simulator: the calls, the orders, the full-page cache they warm."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from peakready.config import JOURNEYS
from peakready.scenario.arrivals import Arrival
from peakready.scenario.journeys import JourneyContext, Outcome, arrival_rng
from peakready.scenario.storefronts import journey_for


def go(ctx: JourneyContext, journey: str, storefront: str, index: int = 0) -> Outcome:
    arrival = Arrival(0.0, journey, index)
    return journey_for(journey, storefront)(ctx, arrival, arrival_rng(ctx.seed, arrival),
                                            Outcome())


@pytest.mark.parametrize("storefront", ["graphql", "pages"])
@pytest.mark.parametrize("journey", JOURNEYS)
def test_every_shopper_journey_runs_on_each_storefront(ctx: JourneyContext, transport: Any,
                                                      journey: str, storefront: str) -> None:
    out = go(ctx, journey, storefront, index=5)
    assert out.ok, out.error
    assert journey_for(journey, storefront) is not journey_for(journey, "rest")
    if storefront == "graphql":
        assert any(n.startswith(("GET /graphql", "POST /graphql")) for n in transport.names)
    else:
        assert not any("graphql" in n for n in transport.names)


@pytest.mark.parametrize("storefront", ["graphql", "pages"])
@pytest.mark.parametrize("journey", ["guest_checkout", "customer_checkout"])
def test_checkouts_place_store_orders(ctx: JourneyContext, admin: Any, journey: str,
                                      storefront: str) -> None:
    out = go(ctx, journey, storefront, index=7)
    assert out.ok, out.error
    record = out.checkout
    assert record is not None and record["cart_id"]
    found = admin("/orders?searchCriteria[pageSize]=50")["items"]
    assert record["customer_email"] in {o["customer_email"] for o in found}
    if record["order_id"] is not None:
        order = admin(f"/orders/{record['order_id']}")
        assert sorted((i["sku"], i["qty_ordered"]) for i in order["items"]) == \
            sorted((i["sku"], i["qty"]) for i in record["items"])


def test_graphql_browsing_uses_cacheable_gets_and_the_checkout_posts(
        ctx: JourneyContext, transport: Any) -> None:
    assert go(ctx, "browse", "graphql").ok
    assert transport.names and all(n.startswith("GET /graphql") for n in transport.names)
    transport.names.clear()
    assert go(ctx, "guest_checkout", "graphql", index=2).ok
    assert transport.names[0] == "POST /graphql createGuestCart"
    assert transport.names[-1] == "POST /graphql placeOrder"


def test_page_shoppers_warm_the_full_page_cache(ctx: JourneyContext, store: Any) -> None:
    cache = store.app.store.page_cache
    for index in range(6):
        assert go(ctx, "browse", "pages", index=index).ok
    assert cache.totals["hits"] > 0 and cache.totals["misses"] > 0


def test_a_page_checkout_uses_the_form_key_and_lumas_rest_calls(ctx: JourneyContext,
                                                                transport: Any) -> None:
    out = go(ctx, "guest_checkout", "pages", index=4)
    assert out.ok, out.error
    names = transport.names
    assert "POST /checkout/cart/add" in names
    assert names.index("GET /checkout") < names.index(
        "POST /V1/guest-carts/[id]/payment-information")
    assert all(b"form_key=" in body for body in transport.bodies
               if isinstance(body, bytes))


def test_a_wrong_form_key_is_a_recorded_failure(ctx: JourneyContext) -> None:
    class ForgedKey:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            if kwargs.get("data") is not None:
                kwargs["data"] = kwargs["data"].replace(b"form_key=", b"form_key=x")
            return self.inner.request(method, path, **kwargs)

    forged = replace(ctx, magento=ForgedKey(ctx.magento))
    out = go(forged, "abandoned_cart", "pages")
    assert not out.ok and out.step == "/checkout/cart/add"
