"""The open-model arrival schedule: when each journey starts, seeded, the same in every process.

::

    schedule(load, seed, shape) ──► Arrival(t, journey, index), ordered by t
      storefront journeys   rate = orders_per_minute x mix share x shape(t) / 100
      flash_sale            flash_sale.buyers arrivals, all at flash_sale.at (the race), or
                            evenly from it over flash_sale.over seconds
      sync journeys         erp_stock_push, crm_edits, backoffice, account_edits at load.sync's
                            constant rates
    worker_share(arrivals, worker, workers)   arrival n of a journey goes to worker n % workers

Each journey draws from its own generator seeded by (seed, journey), so the schedule does not
depend on how many workers share it: the workers' shares add up exactly to the whole, and one
process or N processes offer the same arrivals. Poisson arrivals are a non-homogeneous Poisson
process by time rescaling (unit exponential gaps in the integrated rate); uniform arrivals sit
at every integer crossing of the integrated rate (offset by half a step).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from peakready.config import JOURNEYS, LoadPlan
from peakready.errors import ConfigError
from peakready.scenario.shapes import Shape

__all__ = [
    "ALL_JOURNEYS",
    "SYNC_JOURNEYS",
    "Arrival",
    "arrival_times",
    "concurrency_share",
    "schedule",
    "stream_rates",
    "worker_share",
]

SYNC_JOURNEYS = ("erp_stock_push", "crm_edits", "backoffice", "account_edits")
ALL_JOURNEYS = (*JOURNEYS, "flash_sale", *SYNC_JOURNEYS)
# Shapes are integrated in slices this long (constant rates in one piece, exactly).
_SLICE = 0.25


@dataclass(frozen=True, slots=True)
class Arrival:
    """One journey start: ``t`` seconds after t = 0 (Locust's test_start), the n-th of its kind."""

    t: float
    journey: str
    index: int


def arrival_times(rate: Callable[[float], float], duration: float, *, poisson: bool,
                  rng: random.Random, piece: float = _SLICE) -> Iterator[float]:
    """Arrival times in [0, duration) for an arrival rate ``rate(t)`` per second.

    The rate is taken as constant over slices of ``piece`` seconds (its value mid-slice).
    """
    need = rng.expovariate(1.0) if poisson else 0.5
    start = 0.0
    while start < duration:
        end = min(start + piece, duration)
        r = rate((start + end) / 2.0)
        if r > 0:
            pos = start
            while True:
                mass = (end - pos) * r
                if mass < need:
                    need -= mass
                    break
                pos += need / r
                if pos >= end:  # float rounding at the slice edge
                    pos = end
                yield pos
                need = rng.expovariate(1.0) if poisson else 1.0
        start = end


def stream_rates(load: LoadPlan) -> dict[str, float]:
    """Arrivals per second of each journey at the shape's 100 % (sync streams unshaped)."""
    rates = dict(load.journey_rates_per_second())
    sync = load.sync
    for journey, per_minute in (("erp_stock_push", sync.erp_stock_updates_per_minute),
                                ("crm_edits", sync.crm_upserts_per_minute),
                                ("backoffice", sync.backoffice_per_minute),
                                ("account_edits", sync.customer_updates_per_minute)):
        if per_minute > 0:
            rates[journey] = per_minute / 60.0
    return rates


def _journey(journey: str, times: Iterable[float]) -> Iterator[Arrival]:
    for index, t in enumerate(times):
        yield Arrival(t, journey, index)


def schedule(load: LoadPlan, seed: int, shape: Shape, *,
             constant_shape: bool = False) -> Iterator[Arrival]:
    """Every arrival of the run in time order (lazy: memory does not grow with the run)."""
    poisson = load.arrivals == "poisson"
    streams: list[Iterator[Arrival]] = []
    for journey, base in sorted(stream_rates(load).items(), key=lambda kv: ALL_JOURNEYS.index(
            kv[0])):
        rng = random.Random(f"{seed}:arrivals:{journey}")
        shaped = journey in JOURNEYS and not constant_shape

        def rate(t: float, base: float = base, shaped: bool = shaped) -> float:
            return base * max(shape(t), 0.0) / 100.0 if shaped else base

        piece = _SLICE if shaped else load.duration
        streams.append(_journey(journey, arrival_times(rate, load.duration, poisson=poisson,
                                                      rng=rng, piece=piece)))
    flash = load.flash_sale
    if flash is not None:
        if flash.at >= load.duration:
            raise ConfigError(f"load.flash_sale.at = {flash.at:g}s: the flash sale starts after "
                              f"the load ends ({load.duration:g}s): move it earlier")
        if flash.at + flash.over > load.duration:
            raise ConfigError(f"load.flash_sale.over = {flash.over:g}s: the flash sale from "
                              f"{flash.at:g}s ends after the load ends ({load.duration:g}s): "
                              f"shorten it or start it earlier")
        step = flash.over / flash.buyers
        streams.append(_journey("flash_sale", [flash.at + i * step
                                               for i in range(flash.buyers)]))
    return heapq.merge(*streams, key=lambda a: a.t)


def worker_share(arrivals: Iterable[Arrival], worker: int, workers: int) -> Iterator[Arrival]:
    """Worker ``worker`` of ``workers`` (0-based): every workers-th arrival of each journey."""
    if workers < 1 or not 0 <= worker < workers:
        raise ValueError(f"worker {worker} of {workers}")
    return (a for a in arrivals if a.index % workers == worker)


def concurrency_share(max_concurrency: int, worker: int, workers: int) -> int:
    """This worker's part of ``max_concurrency``: the parts add up to it (at least 1 each)."""
    base, extra = divmod(max_concurrency, workers)
    return max(1, base + (1 if worker < extra else 0))
