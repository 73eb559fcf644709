"""Strategy registry and flag → strategy mapping; settings parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.errors import ConfigError
from peakready.integration_flags import FLAGS

REPO = Path(__file__).resolve().parents[3]


def test_every_flag_maps_to_a_registered_strategy(integration) -> None:
    strategies = integration["strategies"]
    assert set(strategies.FLAG_STRATEGIES) == set(FLAGS.names())
    for slot, name in [*strategies.FLAG_STRATEGIES.values(), *strategies.DEFAULTS.items()]:
        assert strategies.REGISTRY.get(slot, name) is not None


def test_the_flags_are_named_once_in_the_registry(integration) -> None:
    import peakready.cli

    # No second listing: the settings and the CLI hold the registry itself, not a tuple.
    assert integration["settings"].FLAGS is FLAGS
    assert peakready.cli.INTEGRATION_FLAGS is FLAGS
    parser = peakready.cli.build_parser()
    for name in FLAGS.names():  # every registered flag is a CLI choice ...
        assert parser.parse_args(["mock", "magento", "--flag", name]).flag == [name]
    with pytest.raises(SystemExit):  # ... and nothing else is
        parser.parse_args(["mock", "magento", "--flag", "no_retries"])


def test_the_docs_flags_table_is_the_registry(integration) -> None:
    text = (REPO / "docs" / "integration.md").read_text("utf-8")
    table = text[text.index("| flag | what it does |"):].split("\n\n", 1)[0]
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert [row[0].strip("|` ") for row in rows] == list(FLAGS.names())
    assert [row[1] for row in rows] == [FLAGS[n].summary for n in FLAGS.names()]


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
    registry = integration["strategies"].Strategies()
    registry.register("retry", "x")(object())
    with pytest.raises(ValueError, match="twice"):
        registry.register("retry", "x")(object())
    with pytest.raises(ValueError, match="slot"):
        registry.register("nope", "x")
    with pytest.raises(ConfigError, match="unknown retry strategy 'missing'"):
        registry.get("retry", "missing")
    assert registry.names("retry") == ("x",)


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
