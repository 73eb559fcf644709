from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from peakready.configmodel import StrictBool, StrictModel
from peakready.errors import ConfigError
from peakready.mockkit import MockSettings, iso_utc, mock_config


class Knobs(StrictModel):
    rate_limit: int | None = None
    pick_after: float = Field(default=10.0, ge=0)
    protect_owned_fields: StrictBool = False


def test_options_file_under_the_mock_name_and_code_options_win(tmp_path: Path) -> None:
    config = tmp_path / "mocks.yaml"
    config.write_text("erp: {rate_limit: 50, pick_after: 1}\ncrm: {protect_owned_fields: true}\n")
    options = mock_config(MockSettings("erp", options={"config": str(config),
                                                       "pick_after": 2}), Knobs)
    assert (options.rate_limit, options.pick_after) == (50, 2.0)


def test_options_file_errors_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        mock_config(MockSettings("erp", options={"config": str(bad)}), Knobs)
    with pytest.raises(ConfigError, match="cannot read"):
        mock_config(MockSettings("erp", options={"config": str(tmp_path / "missing.yaml")}),
                    Knobs)
    with pytest.raises(ConfigError, match=r"mock erp options: pick_after = 'soon'"):
        mock_config(MockSettings("erp", options={"pick_after": "soon"}), Knobs)


def test_unknown_keys_are_refused_naming_the_file_and_the_closest_key(tmp_path: Path) -> None:
    config = tmp_path / "erp.yaml"
    config.write_text("pick_afer: 3\n")
    with pytest.raises(ConfigError) as info:
        mock_config(MockSettings("erp", options={"config": str(config)}), Knobs)
    assert str(config) in str(info.value) and "did you mean 'pick_after'" in str(info.value)


@pytest.mark.parametrize(("name", "key"), [("crm", "protect_owned_fields"),
                                           ("erp", "movements_include_hot")])
def test_a_quoted_false_is_false_for_the_mocks(tmp_path: Path, mock_module: Any, name: str,
                                               key: str) -> None:
    """issue 13: ``bool(options.get(...))`` turned the string "false" into True."""
    module = mock_module(name)
    options = module.CrmOptions if name == "crm" else module.ErpOptions
    settings = MockSettings(name, options={key: "false"})
    assert getattr(mock_config(settings, options), key) is False
    with pytest.raises(ConfigError, match=key):
        mock_config(MockSettings(name, options={key: "maybe"}), options)


def test_iso_utc_matches_datetime_to_the_millisecond() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        ts = rng.uniform(0, 4e9)
        expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
        assert iso_utc(ts) == expected.replace("+00:00", "Z")
