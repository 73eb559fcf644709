"""``delay_ms``: wait before answering - a number, or a distribution::

    {"delay_ms": 250}
    {"delay_ms": {"distribution": "uniform", "min": 100, "max": 400}}
    {"delay_ms": {"distribution": "normal", "mean": 300, "stddev": 50}}
    {"delay_ms": {"distribution": "exponential", "mean": 200}}
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from peakready.mockkit.fault_kinds.base import FaultError, FaultKind, number

__all__ = ["Delay", "DelayKind"]

_PARAMS = {"fixed": ("ms", ""), "uniform": ("min", "max"), "normal": ("mean", "stddev"),
           "exponential": ("mean", "")}


@dataclass(frozen=True)
class Delay:
    distribution: str = "fixed"
    a: float = 0.0          # fixed ms | uniform min | normal mean | exponential mean
    b: float = 0.0          # uniform max | normal stddev


class DelayKind(FaultKind):
    name = "delay_ms"
    role = "delay"

    def parse(self, spec: dict[str, Any]) -> Delay:
        value = spec[self.name]
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                raise FaultError(f"delay_ms: must be >= 0, got {value!r}")
            return Delay("fixed", float(value))
        if not isinstance(value, dict):
            raise FaultError(f"delay_ms: must be a number or an object, got {value!r}")
        dist = value.get("distribution", "fixed")
        if dist not in _PARAMS:
            raise FaultError(f"delay_ms.distribution: must be one of {tuple(_PARAMS)}, "
                             f"got {dist!r}")
        first, second = _PARAMS[dist]
        a = number(value, first, label=f"delay_ms.{first}")
        if a is None:
            raise FaultError(f"delay_ms.{first}: required for distribution {dist!r}")
        b = number(value, second, label=f"delay_ms.{second}") if second else 0.0
        if second and b is None:
            raise FaultError(f"delay_ms.{second}: required for distribution {dist!r}")
        if dist == "uniform" and b is not None and b < a:
            raise FaultError("delay_ms: max must be >= min")
        return Delay(dist, a, b or 0.0)

    def to_json(self, params: Delay) -> dict[str, Any]:
        if params.distribution == "fixed":
            return {self.name: params.a}
        first, second = _PARAMS[params.distribution]
        out: dict[str, Any] = {"distribution": params.distribution, first: params.a}
        if second:
            out[second] = params.b
        return {self.name: out}

    def draw_ms(self, params: Delay, rng: random.Random) -> float:
        if params.distribution == "uniform":
            return rng.uniform(params.a, params.b)
        if params.distribution == "normal":
            return max(0.0, rng.gauss(params.a, params.b))
        if params.distribution == "exponential":
            return rng.expovariate(1.0 / params.a) if params.a > 0 else 0.0
        return params.a
