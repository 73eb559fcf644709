"""Capacity model arithmetic and configuration (no event loop timing here)."""

from __future__ import annotations

import asyncio
import math

import pytest

from peakready.errors import ConfigError
from peakready.mockkit.capacity import (
    DEFAULT_ROUTES,
    CapacityConfig,
    CapacityModel,
    RouteCost,
    parse_mix,
    with_capacity,
)


async def _app(scope: object, receive: object, send: object) -> None:  # never called here
    raise AssertionError("not reached")


def _model(**kwargs: object) -> CapacityModel:
    return CapacityModel(_app, CapacityConfig(**kwargs))  # type: ignore[arg-type]


def test_lognormal_mean_is_exp_mu_plus_half_sigma_squared() -> None:
    route = RouteCost("r", "GET", "/x", median_ms=30, sigma=0.5)
    assert route.mean_ms == pytest.approx(math.exp(math.log(30) + 0.125))
    assert RouteCost("c", "GET", "/x", median_ms=30, sigma=0).mean_ms == pytest.approx(30)


def test_ceiling_is_workers_over_mean_service_time_of_the_mix() -> None:
    routes = (RouteCost("fast", "GET", "/fast", 20, 0.0),
              RouteCost("slow", "POST", "/slow", 200, 0.0))
    model = _model(workers=4, routes=routes)
    # mean = 0.75 * 20 + 0.25 * 200 = 65 ms → 4 / 0.065 s
    ceiling = model.ceiling({"fast": 3, "slow": 1})
    assert ceiling["mean_service_ms"] == pytest.approx(65)
    assert ceiling["requests_per_second"] == pytest.approx(4 / 0.065)
    assert ceiling["requests_per_minute"] == pytest.approx(60 * 4 / 0.065)
    assert ceiling["mix"] == {"fast": 0.75, "slow": 0.25}


def test_ceiling_with_sigma_uses_lognormal_means() -> None:
    model = _model(workers=8)
    place, view = model.config.route_named("place_order"), model.config.route_named("product_get")
    assert place is not None and view is not None
    expected_mean = 0.1 * place.mean_ms + 0.9 * view.mean_ms
    got = model.ceiling({"place_order": 1, "product_get": 9})
    assert got["requests_per_second"] == pytest.approx(8000 / expected_mean)


def test_mix_keys_may_be_request_lines() -> None:
    model = _model(workers=2)
    by_line = model.ceiling({"GET /rest/default/V1/products/PR-000001": 1})
    by_name = model.ceiling({"product_get": 1})
    assert by_line == by_name


@pytest.mark.parametrize("mix", [{"nope": 1}, {"product_get": 0}, {"product_get": -1}])
def test_bad_mix_is_config_error(mix: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        _model().ceiling(mix)


@pytest.mark.parametrize(("method", "path", "name"), [
    ("GET", "/rest/default/V1/products/PR-000001", "product_get"),
    ("GET", "/rest/V1/products", "product_list"),
    ("PUT", "/rest/all/V1/products/PR-000001", "product_save"),
    ("PUT", "/rest/all/V1/products/PR-1/stockItems/1", "stock_update"),
    ("POST", "/rest/default/V1/guest-carts", "cart_write"),
    ("POST", "/rest/default/V1/carts/mine", "cart_write"),
    ("POST", "/rest/default/V1/guest-carts/abc123/items", "add_to_cart"),
    ("PUT", "/rest/default/V1/carts/mine/items/7", "add_to_cart"),
    ("POST", "/rest/default/V1/guest-carts/abc/payment-information", "place_order"),
    ("POST", "/rest/default/V1/carts/mine/payment-information", "place_order"),
    ("POST", "/rest/default/V1/guest-carts/abc/estimate-shipping-methods", "estimate_shipping"),
    ("GET", "/rest/default/V1/guest-carts/abc/totals", "cart_totals"),
    ("POST", "/rest/all/V1/inventory/source-items", "inventory_write"),
    ("GET", "/rest/V1/inventory/get-product-salable-quantity/PR-1/1", "inventory_read"),
    ("POST", "/rest/V1/customers", "customer_create"),
    ("POST", "/rest/V1/order/17/ship", "order_action"),
    ("GET", "/rest/V1/orders", "order_list"),
    ("GET", "/rest/V1/orders/17/", "order_read"),
    ("POST", "/rest/V1/integration/admin/token", "token"),
    ("GET", "/anything/else", "default"),
])
def test_default_routes_match_magento_paths(method: str, path: str, name: str) -> None:
    assert CapacityConfig().route_for(method, path).name == name


def test_seeded_service_times_are_reproducible_per_route() -> None:
    route = DEFAULT_ROUTES[0]
    a, b, c = _model(seed=4), _model(seed=4), _model(seed=5)
    first = [a.draw_service_time(route) for _ in range(50)]
    # Draws of another route in between must not shift this route's stream.
    second = []
    for _ in range(50):
        b.draw_service_time(DEFAULT_ROUTES[1])
        second.append(b.draw_service_time(route))
    assert first == second
    assert first != [c.draw_service_time(route) for _ in range(50)]


def test_service_times_follow_the_lognormal() -> None:
    route = RouteCost("r", "GET", "/r", median_ms=80, sigma=0.5)
    model = _model(routes=(route,), seed=1)
    draws = sorted(model.draw_service_time(route) for _ in range(20_000))
    assert draws[len(draws) // 2] == pytest.approx(0.080, rel=0.03)
    assert sum(draws) / len(draws) == pytest.approx(route.mean_ms / 1000, rel=0.03)


def test_from_options_overrides_adds_and_validates() -> None:
    config = CapacityConfig.from_options({
        "workers": 3, "queue_limit": 10, "seed": 2,
        "routes": [{"name": "place_order", "median_ms": 400},
                   {"name": "wishlist", "method": "POST", "path": "**/V1/wishlist/**",
                    "median_ms": 70, "sigma": 0.2}],
        "default": {"median_ms": 40},
    })
    assert (config.workers, config.queue_limit, config.seed) == (3, 10, 2)
    place = config.route_named("place_order")
    assert place is not None and place.median_ms == 400 and place.sigma == 0.5
    assert config.route_for("POST", "/rest/V1/wishlist/add").name == "wishlist"
    assert config.default.median_ms == 40


@pytest.mark.parametrize(("options", "fragment"), [
    ({"workers": 0}, "capacity.workers = 0"),
    ({"queue_limit": -1}, "capacity.queue_limit = -1"),
    ({"wrokers": 2}, "capacity.wrokers = 2: unknown key; did you mean 'workers'?"),
    ({"routes": [{"name": "x", "median_ms": 5}]},
     "capacity.routes.0: new route 'x' needs method, path and median_ms"),
    ({"routes": [{"name": "place_order", "median_ms": -5}]}, "capacity.routes.0.median_ms = -5"),
    ({"routes": [{"name": "place_order", "sigma": 9}]}, "capacity.routes.0.sigma = 9"),
    ({"workers": "many"}, "capacity.workers = 'many'"),
    ({"timing_headers": "maybe"}, "capacity.timing_headers = 'maybe': 'maybe' is not a boolean"),
    ({"default": {"median_ms": 40, "path": "/x"}}, "capacity.default.path = '/x': unknown key"),
])
def test_bad_options_are_config_errors(options: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.").replace("[", r"\[")):
        CapacityConfig.from_options(options)


@pytest.mark.parametrize(("text", "expected"), [
    ("false", False), ("no", False), ("off", False), ("0", False), (False, False),
    ("true", True), ("on", True), (True, True)])
def test_timing_headers_false_as_text_is_false(text: object, expected: bool) -> None:
    # bool("false") is True: the old parser switched the headers on when told "false".
    assert CapacityConfig.from_options({"timing_headers": text}).timing_headers is expected


def test_parse_mix_forms() -> None:
    assert parse_mix(None) is None and parse_mix("") is None
    assert parse_mix("product_get=60, place_order=7") == {"product_get": 60, "place_order": 7}
    assert parse_mix('{"product_get": 1}') == {"product_get": 1.0}
    with pytest.raises(ConfigError, match="route=weight"):
        parse_mix("product_get")


def test_report_shape_and_default_ceiling_source() -> None:
    model = _model(workers=5, queue_limit=7)
    report = model.report()
    assert report["enabled"] and report["workers"] == 5 and report["queue_limit"] == 7
    assert report["ceiling"] is None  # no mix given, nothing observed yet
    assert report["state"]["busy"] == 0 and report["state"]["queued"] == 0
    given = model.report({"product_get": 1})["ceiling"]
    assert given["source"] == "given"
    assert given["requests_per_second"] == pytest.approx(5000 / DEFAULT_ROUTES[7].mean_ms)


def test_off_means_not_installed() -> None:
    assert with_capacity(_app, None) is _app  # type: ignore[arg-type]
    assert isinstance(with_capacity(_app, CapacityConfig()), CapacityModel)  # type: ignore[arg-type]


def test_pool_hands_workers_over_in_fifo_order() -> None:
    from peakready.mockkit.capacity import _Pool

    async def scenario() -> list[int]:
        pool, order = _Pool(1), []
        await pool.acquire()

        async def waiter(i: int) -> None:
            await pool.acquire()
            order.append(i)
            pool.release()

        tasks = [asyncio.create_task(waiter(i)) for i in range(5)]
        await asyncio.sleep(0)
        assert len(pool.waiters) == 5 and pool.free == 0
        tasks[2].cancel()  # a cancelled waiter leaves the queue without taking a worker
        pool.release()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert pool.free == 1 and not pool.waiters
        return order

    assert asyncio.run(scenario()) == [0, 1, 3, 4]


def test_a_waiter_cancelled_after_the_hand_off_passes_the_worker_on() -> None:
    from peakready.mockkit.capacity import _Pool

    async def scenario() -> None:
        pool = _Pool(1)
        assert await pool.acquire() >= 0
        first = asyncio.create_task(pool.acquire())
        second = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0)
        pool.release(at=123.0)  # hands the worker to `first`, dated 123.0
        first.cancel()          # ...which is cancelled before it runs again
        assert await second == pytest.approx(asyncio.get_running_loop().time(), abs=1.0)
        assert pool.free == 0 and not pool.waiters
        pool.release()
        assert pool.free == 1

    asyncio.run(scenario())
