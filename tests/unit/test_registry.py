"""The one registry helper: by name, duplicates refused, read-only listing."""

from __future__ import annotations

import pytest

from peakready.errors import ConfigError
from peakready.registry import Registry


def test_registered_items_are_found_by_name_in_registration_order() -> None:
    things: Registry[int] = Registry("thing")
    things.register("b", 2)
    things.add("a")(1)
    assert things["a"] == 1 and things.get("b") == 2 and things.get("c") is None
    assert things.names() == ("b", "a") and list(things) == ["b", "a"] and len(things) == 2
    assert "a" in things and "c" not in things


def test_a_duplicate_name_is_refused() -> None:
    things: Registry[int] = Registry("thing")
    things.register("a", 1)
    with pytest.raises(ValueError, match="thing 'a' is registered twice"):
        things.register("a", 2)
    assert things["a"] == 1


def test_an_unknown_name_is_a_config_error_with_the_closest_name() -> None:
    checks: Registry[int] = Registry("check")
    checks.register("no_oversell", 1)
    checks.register("no_lost_orders", 2)
    with pytest.raises(ConfigError, match=r"unknown check 'no_overssell'; did you mean "
                                          r"'no_oversell'\? known: no_oversell, no_lost_orders"):
        checks["no_overssell"]


def test_the_listing_is_read_only() -> None:
    things: Registry[int] = Registry("thing")
    things.register("a", 1)
    with pytest.raises(TypeError):
        things.items()["b"] = 2  # type: ignore[index]
