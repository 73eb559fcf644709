"""The one configuration mechanism: strict booleans, durations, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field, model_validator

from peakready.configmodel import (
    Duration,
    StrictBool,
    StrictModel,
    format_duration,
    load_yaml,
    parse_bool,
    parse_duration,
    validate,
)
from peakready.errors import ConfigError


class Inner(StrictModel):
    enabled: StrictBool = True
    timeout: Duration = 5.0


class Outer(StrictModel):
    name: str
    inner: Inner = Inner()
    count: int = Field(default=1, ge=0)


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90.0), ("2m", 120.0), ("1h", 3600.0), ("1h30m", 5400.0), ("250ms", 0.25),
    ("1.5s", 1.5), (30, 30.0), (2.5, 2.5), ("45", 45.0), (" 2m ", 120.0),
])
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["2 minutes", "m2", "-5s", -1, True, "1h30", None, [1]])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_durations_format_back_to_their_shortest_spelling() -> None:
    assert [format_duration(s) for s in (90, 120, 3600, 1.5)] == ["90s", "2m", "1h", "1.5s"]


@pytest.mark.parametrize(("value", "expected"), [
    ("false", False), ("no", False), ("off", False), ("0", False), (0, False), (False, False),
    ("true", True), ("Yes", True), ("on", True), (1, True), (True, True),
])
def test_strict_booleans_read_what_users_write(value: object, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("bad", ["maybe", 2, "", None, 0.5])
def test_anything_else_is_not_a_boolean(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_bool(bad)


def test_the_string_false_turns_an_option_off() -> None:
    # bool("false") is True in Python: the defect the strict boolean exists to prevent.
    assert validate(Outer, {"name": "x", "inner": {"enabled": "false"}}, source="s").inner \
        .enabled is False


def test_an_unknown_key_names_source_path_and_the_closest_key() -> None:
    with pytest.raises(ConfigError) as caught:
        validate(Outer, {"name": "x", "inner": {"enabeld": True}}, source="plan.yaml")
    message = str(caught.value)
    assert message.startswith("plan.yaml: ")
    assert "inner.enabeld = True" in message
    assert "did you mean 'enabled'?" in message


def test_a_bad_value_names_its_key_path_and_value() -> None:
    with pytest.raises(ConfigError) as caught:
        validate(Outer, {"name": "x", "count": -3, "inner": {"timeout": "soon"}}, source="f")
    message = str(caught.value)
    assert "count = -3" in message
    assert "inner.timeout = 'soon'" in message and "not a duration" in message


def test_a_missing_key_says_to_add_it() -> None:
    with pytest.raises(ConfigError, match=r"name: required key is missing; add it"):
        validate(Outer, {}, source="f")


def test_a_non_mapping_is_refused_with_its_type() -> None:
    with pytest.raises(ConfigError, match=r"f: .*must be a mapping.*got list"):
        validate(Outer, [1, 2], source="f")


def test_load_yaml_names_the_file_when_it_is_broken(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: plan is not valid YAML"):
        load_yaml(broken, what="plan")
    with pytest.raises(ConfigError, match=r"missing.yaml: cannot read plan"):
        load_yaml(tmp_path / "missing.yaml", what="plan")


def test_a_section_of_a_larger_file_reads_its_key_paths_from_there() -> None:
    with pytest.raises(ConfigError) as info:
        validate(Outer, {"name": "x", "inner": {"enabled": "maybe"}}, source="magento.yaml",
                 at="capacity")
    assert "magento.yaml: capacity.inner.enabled = 'maybe'" in str(info.value)
    with pytest.raises(ConfigError, match=r"magento.yaml: capacity: configuration must be a "):
        validate(Outer, "on", source="magento.yaml", at="capacity")


class Window(StrictModel):
    start: float = 0
    end: float = 1

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError("window.end is before window.start: swap them")
        return self


class Timeline(StrictModel):
    window: Window = Window()
    length: float = 10

    @model_validator(mode="after")
    def _inside(self) -> Timeline:
        if self.window.end > self.length:
            raise ValueError("window ends after length: shorten it")
        return self


def test_a_rule_over_a_whole_section_is_not_buried_under_the_section_itself() -> None:
    with pytest.raises(ConfigError) as nested:
        validate(Timeline, {"window": {"start": 5, "end": 2}}, source="f")
    assert str(nested.value) == "f: window: window.end is before window.start: swap them"
    with pytest.raises(ConfigError) as top:
        validate(Timeline, {"window": {"end": 20}, "length": 10}, source="f")
    assert str(top.value) == "f: window ends after length: shorten it"
