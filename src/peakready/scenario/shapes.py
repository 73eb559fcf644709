"""Load shapes: the percent of the plan's rate at each second of the run (100 = the plan's rate).

::

    build_shape(load, base_dir) ──► Shape (t seconds → percent ≥ 0)
      constant     100 throughout
      steps        load.steps, equal stretches of the duration      [25, 50, 75, 100]
      spike        load.spike.base, load.spike.peak inside [at, at + for)
      peak-day     a retail day (00:00 → 24:00) compressed into the duration
      *.csv        rows "t, percent" (t in seconds or a duration), linear between rows
      *.py         a Locust LoadTestShape: its tick()'s user count read as percent
                   (sampled once a second by peakready.scenario.shape_file; locust needed)
    resolve_file_shape(load, base_dir) ──► {"points": ...} for a CSV (workers get the spec)

Pure functions: the arrival schedule (peakready.scenario.arrivals) integrates a Shape.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from peakready.config import LoadPlan
from peakready.configmodel import parse_duration
from peakready.errors import ConfigError

__all__ = ["PEAK_DAY", "Shape", "Table", "build_shape", "load_csv_shape", "resolve_file_shape",
           "resolve_shape_path"]

Shape = Callable[[float], float]

#: Percent of the daily peak per hour of a retail day (hour 0 = midnight): night trough, morning
#: rise, lunch bump, evening peak at 20:00. The curve is linear between the hours.
PEAK_DAY: tuple[float, ...] = (
    18, 12, 8, 6, 6, 8, 14, 24, 36, 48, 56, 62, 70, 66, 60, 58, 60, 66, 78, 92, 100, 90, 64, 36,
)


class Table:
    """A shape given as points (t, percent): linear between points, held flat outside them."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        self.ts = [p[0] for p in points]
        self.values = [p[1] for p in points]

    def __call__(self, t: float) -> float:
        i = bisect.bisect_right(self.ts, t)
        if i == 0:
            return self.values[0]
        if i >= len(self.ts):
            return self.values[-1]
        t0, t1 = self.ts[i - 1], self.ts[i]
        v0, v1 = self.values[i - 1], self.values[i]
        return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def _steps(load: LoadPlan) -> Shape:
    stretch = load.duration / len(load.steps)
    steps = list(load.steps)
    return lambda t: steps[min(int(t // stretch), len(steps) - 1)] if t >= 0 else steps[0]


def _spike(load: LoadPlan) -> Shape:
    spike = load.spike
    return lambda t: spike.peak if spike.at <= t < spike.at + spike.for_ else spike.base


def _peak_day(load: LoadPlan) -> Shape:
    hour = load.duration / 24.0
    points = [(h * hour, v) for h, v in enumerate(PEAK_DAY)] + [(load.duration, PEAK_DAY[0])]
    return Table(points)


def resolve_shape_path(shape: str, base_dir: Path | None) -> Path:
    """A shape file named by the plan, relative to the plan's folder unless absolute."""
    path = Path(shape)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def load_csv_shape(path: Path) -> Table:
    """Read ``t, percent`` rows (an optional header, ``#`` comments); ConfigError if nonsense."""
    where = f"{path}: load.shape"
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the shape file: {exc.strerror or exc}") from exc
    points: list[tuple[float, float]] = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if len(cells) != 2:
            raise ConfigError(f"{where}: line {number} = {row!r}: write two columns, "
                              f"'t, percent' (e.g. '30s, 150')")
        try:
            t = parse_duration(cells[0])
            percent = float(cells[1])
        except ValueError as exc:
            if not points and number == 1:
                continue  # a header row such as "t,percent"
            raise ConfigError(f"{where}: line {number} = {row!r}: {exc}") from exc
        if not math.isfinite(percent) or percent < 0:
            raise ConfigError(f"{where}: line {number}: percent = {cells[1]!r}: use a number "
                              f"≥ 0 (100 = the plan's rate)")
        if points and t < points[-1][0]:
            raise ConfigError(f"{where}: line {number}: t = {cells[0]!r} goes back in time "
                              f"(after {points[-1][0]:g}s): sort the rows by t")
        points.append((t, percent))
    if not points:
        raise ConfigError(f"{where}: no 't, percent' rows in the shape file")
    return Table(points)


def build_shape(load: LoadPlan, spec: dict[str, Any] | None = None) -> Shape:
    """The plan's shape as a function of t. File shapes arrive resolved as ``spec``
    (``{"points": [[t, percent], ...]}`` from a CSV, ``{"samples": [...]}`` one percent per
    second from a LoadTestShape), so workers need neither the file nor this module locust."""
    if load.shape == "constant":
        return lambda t: 100.0
    if load.shape == "steps":
        return _steps(load)
    if load.shape == "spike":
        return _spike(load)
    if load.shape == "peak-day":
        return _peak_day(load)
    if spec is not None and "points" in spec:
        return Table([(float(t), float(v)) for t, v in spec["points"]])
    if spec is not None and "samples" in spec:
        values = [float(v) for v in spec["samples"]]
        return lambda t: values[min(max(int(t), 0), len(values) - 1)] if values else 0.0
    raise ConfigError(f"load.shape = {load.shape!r}: a shape file must be resolved first "
                      f"(peakready.scenario.shapes.resolve_file_shape)")


def resolve_file_shape(load: LoadPlan, base_dir: Path | None) -> dict[str, Any] | None:
    """The spec of a CSV shape (None for built-in shapes; a .py file needs
    peakready.scenario.shape_file, in a Locust process)."""
    if not load.shape.endswith(".csv"):
        return None
    table = load_csv_shape(resolve_shape_path(load.shape, base_dir))
    return {"points": [[t, v] for t, v in zip(table.ts, table.values, strict=True)]}
