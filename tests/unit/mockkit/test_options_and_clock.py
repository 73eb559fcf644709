from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from peakready.errors import ConfigError
from peakready.mockkit import MockSettings, iso_utc, mock_options, number_option


def test_options_file_under_the_mock_name_and_code_options_win(tmp_path: Path) -> None:
    config = tmp_path / "mocks.yaml"
    config.write_text("erp: {rate_limit: 50, pick_after: 1}\ncrm: {protect_owned_fields: true}\n")
    options = mock_options(MockSettings("erp", options={"config": str(config),
                                                        "pick_after": 2}))
    assert options == {"rate_limit": 50, "pick_after": 2}


def test_options_file_errors_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        mock_options(MockSettings("erp", options={"config": str(bad)}))
    with pytest.raises(ConfigError, match="cannot read"):
        mock_options(MockSettings("erp", options={"config": str(tmp_path / "missing.yaml")}))
    with pytest.raises(ConfigError, match="pick_after"):
        number_option({"pick_after": "soon"}, "pick_after", 1.0, mock="erp")


def test_iso_utc_matches_datetime_to_the_millisecond() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        ts = rng.uniform(0, 4e9)
        expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
        assert iso_utc(ts) == expected.replace("+00:00", "Z")
