"""The capacity model's options as a user writes them (a simulator config file's ``capacity:``
section, or a plan's ``capacity_model`` mapping), as models of the one config mechanism.

::

    CapacityOptions     workers, queue_limit, seed, routes, default, exempt_prefixes,
      │                 reject_status, timing_headers ("false" is false)
      ├── routes: [RouteOptions]   a route by name: override a default one or add a new one
      └── default: CostOptions     the catch-all's median_ms / sigma

``CapacityConfig.from_options`` (capacity.py) validates through these and builds the model.
"""

from __future__ import annotations

from pydantic import Field

from peakready.configmodel import StrictBool, StrictModel

__all__ = ["CapacityOptions", "CostOptions", "RouteOptions"]


class CostOptions(StrictModel):
    """A service time: lognormal median (ms) and sigma of ln t; unset keeps the current one."""

    median_ms: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    sigma: float | None = Field(default=None, ge=0, le=3)


class RouteOptions(CostOptions):
    """A route by name: an override of a known one, or a new one (method, path and median_ms)."""

    name: str = Field(min_length=1)
    method: str | None = None
    path: str | None = None


class CapacityOptions(StrictModel):
    """The ``capacity`` section of a simulator config file (or the plan's capacity_model)."""

    workers: int = Field(default=8, ge=1)
    queue_limit: int | None = Field(default=None, ge=0)  # null: an unbounded queue
    seed: int = 0
    routes: list[RouteOptions] = Field(default_factory=list)
    default: CostOptions | None = None
    exempt_prefixes: list[str] = Field(default_factory=lambda: ["/__admin"])
    reject_status: int = Field(default=503, ge=400, le=599)
    timing_headers: StrictBool = True
