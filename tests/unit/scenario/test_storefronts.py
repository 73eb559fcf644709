"""``load.storefront`` in the plan and the journeys registry's storefront variants."""

from __future__ import annotations

import pytest

from peakready.config import parse_plan
from peakready.errors import ConfigError
from peakready.scenario.journeys import JOURNEYS
from peakready.scenario.storefronts import journey_for


def test_one_storefront_applies_to_every_shopper_journey_but_not_to_sync() -> None:
    load = parse_plan({"load": {"storefront": "pages"}}).load
    assert load.storefront_for("browse") == "pages"
    assert load.storefront_for("guest_checkout") == "pages"
    assert load.storefront_for("erp_stock_push") == "rest"
    assert load.storefronts == {"pages"}


def test_per_journey_storefronts_default_to_rest() -> None:
    load = parse_plan({"load": {"storefront": {"browse": "pages",
                                               "guest_checkout": "graphql"}}}).load
    assert load.storefront_for("browse") == "pages"
    assert load.storefront_for("guest_checkout") == "graphql"
    assert load.storefront_for("search") == "rest"
    assert load.storefronts == {"pages", "graphql", "rest"}


def test_the_default_storefront_is_rest() -> None:
    assert parse_plan({}).load.storefront == "rest"


@pytest.mark.parametrize(("value", "named"), [
    ("varnish", "load.storefront"),
    ({"checkout": "pages"}, "checkout"),
    ({"browse": "html"}, "load.storefront.browse"),
])
def test_a_bad_storefront_names_the_key_and_value(value: object, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_plan({"load": {"storefront": value}}, source="p.yaml")
    assert "p.yaml" in str(caught.value)
    assert named in str(caught.value)


def test_a_journey_without_a_variant_is_its_rest_entry() -> None:
    assert journey_for("erp_stock_push", "graphql") is JOURNEYS["erp_stock_push"]
    assert journey_for("browse", "rest") is JOURNEYS["browse"]


def test_an_unknown_journey_is_a_config_error_naming_the_closest() -> None:
    with pytest.raises(ConfigError, match="browse"):
        journey_for("brows", "rest")


def test_storefront_cache_is_a_default_check_only_where_shoppers_reach_a_cache() -> None:
    assert "storefront_cache" not in parse_plan({}).checks
    assert "storefront_cache" in parse_plan({"load": {"storefront": "pages"}}).checks
    assert "storefront_cache" in parse_plan(
        {"load": {"storefront": {"browse": "graphql"}}}).checks
    chosen = parse_plan({"load": {"storefront": "pages"}, "checks": ["no_oversell"]})
    assert chosen.checks == ["no_oversell"]              # a plan's own list is kept as written
    again = parse_plan(parse_plan({"load": {"storefront": "pages"}}).to_json())
    assert again.checks.count("storefront_cache") == 1   # the resolved plan re-parses the same
