"""A Locust ``LoadTestShape`` file as a peakready shape: ``tick()`` sampled once a second.

The shape's user count is read as the percent of the plan's rate (100 = orders_per_minute);
``tick()`` returning None ends the traffic (0 % from then on). The file is imported and its
clock replaced, so sampling a ten-minute shape takes milliseconds. Imports locust (a shape file
does), so only Locust processes and the preflight subprocess use it.
"""

from __future__ import annotations

import inspect
import math
import sys
from pathlib import Path
from typing import Any

from locust import LoadTestShape

from peakready.content import import_python_file
from peakready.errors import ConfigError

__all__ = ["sample_shape_file"]


def _shape_class(path: Path) -> type[LoadTestShape]:
    where = f"{path}: load.shape"
    if not path.is_file():
        raise ConfigError(f"{where}: no such shape file")
    module = import_python_file(path, f"peakready_shape_{abs(hash(path))}",
                                f"{where}: the shape file")
    classes = [c for _, c in inspect.getmembers(module, inspect.isclass)
               if issubclass(c, LoadTestShape) and c is not LoadTestShape
               and c.__module__ == module.__name__ and not getattr(c, "abstract", False)]
    if len(classes) != 1:
        raise ConfigError(f"{where}: define exactly one LoadTestShape subclass "
                          f"(found {len(classes)})")
    sys.modules.pop(module.__name__, None)
    return classes[0]


def sample_shape_file(path: Path, duration: float) -> dict[str, Any]:
    """``{"samples": [percent at t = 0, 1, 2, ...]}`` for ``duration`` seconds."""
    where = f"{path}: load.shape"
    shape = _shape_class(path)()
    samples: list[float] = []
    now = [0.0]
    shape.get_run_time = lambda: now[0]  # type: ignore[method-assign]
    for second in range(max(1, math.ceil(duration))):
        now[0] = float(second)
        try:
            tick = shape.tick()
        except Exception as exc:
            raise ConfigError(f"{where}: tick() at t = {second}s raised "
                              f"{type(exc).__name__}: {exc}") from exc
        if tick is None:
            samples.extend([0.0] * (math.ceil(duration) - second))
            break
        if not isinstance(tick, tuple) or len(tick) not in (2, 3):
            raise ConfigError(f"{where}: tick() at t = {second}s returned {tick!r}: return "
                              f"(users, spawn_rate) or None")
        users = tick[0]
        if isinstance(users, bool) or not isinstance(users, int | float) \
                or not math.isfinite(users) or users < 0:
            raise ConfigError(f"{where}: tick() at t = {second}s returned users = {users!r}: "
                              f"use a number ≥ 0 (read as percent of the plan's rate)")
        samples.append(float(users))
    return {"samples": samples}
