"""The integration settings on the one config mechanism (peakready.configmodel): unknown keys,
wrong types and negative numbers are ConfigErrors naming the source, the key and the value."""

from __future__ import annotations

import pytest

from peakready.configmodel import StrictModel
from peakready.errors import ConfigError


def test_settings_are_a_strict_model(integration) -> None:
    assert issubclass(integration["settings"].IntegrationSettings, StrictModel)


def test_an_unknown_key_names_source_key_value_and_the_closest_key(integration) -> None:
    settings = integration["settings"].IntegrationSettings()
    with pytest.raises(ConfigError) as info:
        settings.merged({"max_attempt": 3}, "magento config integration")
    assert str(info.value) == (
        "magento config integration: invalid integration settings: max_attempt = 3: "
        "unknown key; did you mean 'max_attempts'?")


@pytest.mark.parametrize(("key", "value", "says"), [
    ("export_timeout", "soon", "export_timeout = 'soon'"),
    ("backoff_cap", -1, "backoff_cap = -1"),
    ("max_attempts", 0, "max_attempts = 0"),
    ("max_attempts", 2.5, "max_attempts = 2.5"),  # was silently int(2.5) == 2
    ("profile", "great", "profile = 'great'"),
])
def test_bad_values_are_named(integration, key: str, value: object, says: str) -> None:
    settings = integration["settings"].IntegrationSettings()
    with pytest.raises(ConfigError, match="^integration: .*" + says.replace(".", r"\.")):
        settings.merged({key: value}, "integration")


def test_numbers_given_as_text_still_read_as_numbers(integration) -> None:
    merged = integration["settings"].IntegrationSettings().merged(
        {"export_timeout": "2.5", "max_attempts": "3"}, "integration")
    assert (merged.export_timeout, merged.max_attempts) == (2.5, 3)


def test_flags_as_text_or_list_and_a_typo_gets_the_closest_flag(integration) -> None:
    settings = integration["settings"].IntegrationSettings()
    assert settings.merged({"flags": "no_retry, full_stock_sync"}, "x").flags == {
        "no_retry", "full_stock_sync"}
    with pytest.raises(ConfigError, match="unknown integration flag 'no_retries'; "
                                          "did you mean 'no_retry'"):
        settings.merged({"flags": ["no_retries"]}, "x")


def test_services_merge_by_name_and_keep_the_proxy_listeners(integration) -> None:
    settings = integration["settings"].IntegrationSettings()
    merged = settings.merged({"services": {"erp": "http://127.0.0.1:9/"}}, "x")
    assert merged.services["erp"] == "http://127.0.0.1:9"
    assert merged.services["crm"] == settings.services["crm"]
    assert merged.merged({"max_attempts": 4}, "x").services == merged.services
    with pytest.raises(ConfigError, match="services"):
        settings.merged({"services": {"erp": "ftp://x"}}, "x")


def test_public_is_what_the_admin_api_shows(integration) -> None:
    public = integration["settings"].IntegrationSettings(flags=frozenset({"no_retry"})).public()
    assert public["flags"] == ["no_retry"] and public["max_attempts"] == 20
    assert set(public["services"]) == {"erp", "crm", "payment", "shipping"}
