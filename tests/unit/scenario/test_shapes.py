"""Load shapes as plain functions, and the shape files a user writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peakready.config import LoadPlan
from peakready.errors import ConfigError
from peakready.scenario.shapes import PEAK_DAY, build_shape, resolve_file_shape


def load(**fields: Any) -> LoadPlan:
    return LoadPlan.model_validate(fields)


def test_constant_steps_and_spike() -> None:
    assert build_shape(load())(123.0) == 100.0
    steps = build_shape(load(duration=40, shape="steps", steps=[10, 20, 30, 40]))
    assert [steps(t) for t in (0, 9.9, 10, 25, 39.9, 45)] == [10, 10, 20, 30, 40, 40]
    spike = build_shape(load(shape="spike", spike={"base": 50, "peak": 300, "at": 30,
                                                   "for": 10}))
    assert [spike(t) for t in (29.9, 30, 39.9, 40)] == [50, 300, 300, 50]


def test_peak_day_compresses_a_day_into_the_duration() -> None:
    shape = build_shape(load(duration=240, shape="peak-day"))
    hour = 10.0
    assert shape(20 * hour) == max(PEAK_DAY) == 100
    assert shape(4 * hour) == min(PEAK_DAY)
    assert shape(20.5 * hour) == pytest.approx((PEAK_DAY[20] + PEAK_DAY[21]) / 2)


def write(tmp_path: Path, text: str) -> LoadPlan:
    (tmp_path / "shape.csv").write_text(text, "utf-8")
    return load(shape="shape.csv", duration=120)


def test_a_csv_shape_is_linear_between_its_rows(tmp_path: Path) -> None:
    plan = write(tmp_path, "t,percent\n# warm up\n0, 0\n1m, 100\n90s, 200\n")
    shape = build_shape(plan, resolve_file_shape(plan, tmp_path))
    assert [shape(t) for t in (0, 30, 60, 75, 90, 200)] == [0, 50, 100, 150, 200, 200]


@pytest.mark.parametrize(("text", "message"), [
    ("0, 10\n30, -5\n", r"line 2: percent = '-5'"),
    ("0, 10\n30, lots\n", r"line 2 = \['30', ' lots'\]"),
    ("0, 10\n30\n", r"line 2 = \['30'\]: write two columns"),
    ("60, 10\n30, 20\n", r"line 2: t = '30' goes back in time"),
    ("t,percent\n", r"no 't, percent' rows"),
])
def test_a_csv_shape_that_does_not_parse_is_a_config_error(tmp_path: Path, text: str,
                                                            message: str) -> None:
    plan = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        resolve_file_shape(plan, tmp_path)
    assert str(tmp_path / "shape.csv") in str(caught.value)
    assert "load.shape" in str(caught.value)


def test_a_missing_shape_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing.csv: load.shape: cannot read"):
        resolve_file_shape(load(shape="missing.csv"), tmp_path)


def test_an_unresolved_shape_file_is_refused_not_guessed() -> None:
    with pytest.raises(ConfigError, match="resolved first"):
        build_shape(load(shape="mine.py"))


def test_sampled_shape_is_held_per_second() -> None:
    shape = build_shape(load(shape="mine.py"), {"samples": [10, 20, 0]})
    assert [shape(t) for t in (0, 1.5, 2, 99)] == [10, 20, 0, 0]
