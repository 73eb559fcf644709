"""Strategy registry and flag → strategy mapping; settings parsing."""

from __future__ import annotations

import pytest

from peakready.errors import ConfigError


def test_every_flag_maps_to_a_registered_strategy(integration) -> None:
    strategies = integration["strategies"]
    flags = integration["settings"].FLAGS
    assert set(strategies.FLAG_STRATEGIES) == set(flags)
    for slot, name in [*strategies.FLAG_STRATEGIES.values(), *strategies.DEFAULTS.items()]:
        assert strategies.REGISTRY.get(slot, name) is not None


def test_choose_swaps_one_slot_per_flag(integration) -> None:
    choose = integration["strategies"].choose
    assert choose([]) == integration["strategies"].DEFAULTS
    chosen = choose(["no_reservations", "full_stock_sync"])
    assert chosen["reserve"] == "check_only" and chosen["stock_pull"] == "full"
    assert chosen["retry"] == "backoff"


def test_contradicting_and_unknown_flags_are_config_errors(integration) -> None:
    choose = integration["strategies"].choose
    with pytest.raises(ConfigError, match="both decide 'retry'"):
        choose(["no_retry", "retry_storm"])
    with pytest.raises(ConfigError, match="unknown"):
        choose(["nope"])


def test_registry_refuses_duplicates_and_unknown_slots(integration) -> None:
    registry = integration["strategies"].Registry()
    registry.register("retry", "x")(object())
    with pytest.raises(ValueError, match="twice"):
        registry.register("retry", "x")(object())
    with pytest.raises(ValueError, match="slot"):
        registry.register("nope", "x")
    with pytest.raises(ConfigError):
        registry.get("retry", "missing")


def test_settings_sources_and_validation(integration) -> None:
    from_options = integration["settings"].settings_from_options
    s = from_options({"integration": "good", "flags": ["no_retry"]},
                     {"max_attempts": 3, "flags": ["full_stock_sync"],
                      "services": {"erp": "http://127.0.0.1:9/"}})
    assert s.profile == "good" and s.max_attempts == 3
    assert s.flags == {"no_retry", "full_stock_sync"}
    assert s.services["erp"] == "http://127.0.0.1:9"
    assert s.services["crm"] == "http://127.0.0.1:18282"   # the proxy listener default
    assert from_options({"integration": {"profile": "none"}}, None).enabled is False
    for bad in ({"integration": "great"}, {"flags": ["nope"]},
                {"integration": {"services": {"ftp": "http://x"}}},
                {"integration": {"export_timeout": "soon"}},
                {"integration": {"backoff_cap": -1}}):
        with pytest.raises(ConfigError):
            from_options(bad, None)


def test_service_flag_overrides_the_proxy_listeners(integration) -> None:
    from_options = integration["settings"].settings_from_options
    s = from_options({"integration": "good", "service": ["erp=http://127.0.0.1:5/",
                                                         "crm = http://127.0.0.1:6"]}, None)
    assert s.services["erp"] == "http://127.0.0.1:5"
    assert s.services["crm"] == "http://127.0.0.1:6"
    assert s.services["payment"] == "http://127.0.0.1:18283"
    for bad in (["erp"], ["=http://x"], ["ftp=http://x"], ["erp=ftp://x"]):
        with pytest.raises(ConfigError):
            from_options({"service": bad}, None)
