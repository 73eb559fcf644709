"""Which store and token `peakready seed` uses."""

from __future__ import annotations

import pytest

from peakready.errors import ConfigError
from peakready.seeding.cli import SIMULATOR_TOKEN_DEFAULT, resolve_target


def test_simulator_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEAKREADY_SIM_TOKEN", raising=False)
    assert resolve_target(None, None) == ("http://127.0.0.1:8280", SIMULATOR_TOKEN_DEFAULT)
    assert SIMULATOR_TOKEN_DEFAULT == "peakready-simulator-admin-token"


def test_simulator_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEAKREADY_SIM_TOKEN", "other")
    assert resolve_target(None, None)[1] == "other"


def test_real_target_reads_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "abc")
    assert resolve_target("https://staging.example.com", "SHOP_TOKEN") == \
        ("https://staging.example.com", "abc")


def test_real_target_needs_token_env() -> None:
    with pytest.raises(ConfigError, match="needs --token-env"):
        resolve_target("https://staging.example.com", None)


def test_unset_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="NOPE_TOKEN: the environment variable is unset"):
        resolve_target("https://staging.example.com", "NOPE_TOKEN")


def test_target_must_be_a_url() -> None:
    with pytest.raises(ConfigError, match="base URL"):
        resolve_target("staging.example.com", "X")
