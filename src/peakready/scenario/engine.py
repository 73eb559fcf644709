"""The open-model arrival engine: start each arrival at its intended time, never later by choice.

::

    ArrivalDriver(arrivals, t0, recorder, run, spawn, sleep, clock, max_in_flight)
      .run()      for each arrival: wait for t0 + t; offered; max_in_flight journeys already
                  running → dropped (k6's dropped_iterations), else started and spawned
      .stop()     no more arrivals; journeys in flight finish
    JourneyRunner(ctx, recorder, seed, worker, clock, guard)
      (arrival, intended) → runs the journey, records its latency from the intended start
                            and its checkouts.jsonl line

No gevent or locust here: the plugin passes gevent's spawn, sleep and Timeout; tests pass a
fake clock, so the arithmetic is tested as plain functions.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from peakready.scenario.arrivals import Arrival
from peakready.scenario.journeys import JourneyContext, Outcome, arrival_rng
from peakready.scenario.recorder import CHECKOUT_KINDS, Recorder
from peakready.scenario.storefronts import journey_for

__all__ = ["CHECKOUTS", "ArrivalDriver", "JourneyRunner"]

log = logging.getLogger("peakready.scenario.engine")
#: Journeys whose every attempt is a checkouts.jsonl line.
CHECKOUTS = CHECKOUT_KINDS
_MAX_NAP = 0.5  # a stop request is noticed within this long while waiting for an arrival


class ArrivalDriver:
    def __init__(self, arrivals: Iterable[Arrival], *, t0: float, recorder: Recorder,
                 run: Callable[[Arrival, float], None],
                 spawn: Callable[[Callable[[], None]], Any],
                 sleep: Callable[[float], None], clock: Callable[[], float],
                 max_in_flight: int) -> None:
        self.arrivals = arrivals
        self.t0 = t0
        self.recorder = recorder
        self.run_journey = run
        self.spawn = spawn
        self.sleep = sleep
        self.clock = clock
        self.max_in_flight = max_in_flight
        self.stopping = False
        self.finished = False

    def stop(self) -> None:
        self.stopping = True

    def _wait_until(self, wall: float) -> None:
        while not self.stopping:
            delay = wall - self.clock()
            if delay <= 0:
                return
            self.sleep(min(delay, _MAX_NAP))

    def run(self) -> None:
        recorder = self.recorder
        try:
            for arrival in self.arrivals:
                recorder.decided = arrival.t
                intended = self.t0 + arrival.t
                self._wait_until(intended)
                if self.stopping:
                    break
                recorder.offered(arrival.journey, arrival.t)
                if recorder.in_flight >= self.max_in_flight:
                    recorder.dropped(arrival.journey, arrival.t)
                    continue
                recorder.started(arrival.journey, arrival.t)
                recorder.in_flight += 1
                self.spawn(functools.partial(self._one, arrival, intended))
        finally:
            recorder.decided = float("inf")
            self.finished = True

    def _one(self, arrival: Arrival, intended: float) -> None:
        try:
            self.run_journey(arrival, intended)
        finally:
            self.recorder.in_flight -= 1


class JourneyRunner:
    """Runs one arrival's journey and records it (latency from the intended start)."""

    def __init__(self, ctx: JourneyContext, recorder: Recorder, *, seed: int, worker: str,
                 clock: Callable[[], float],
                 guard: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
                 timeout_errors: tuple[type[BaseException], ...] = ()) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.seed = seed
        self.worker = worker
        self.clock = clock
        self.guard = guard or contextlib.nullcontext
        self.timeout_errors = timeout_errors

    def __call__(self, arrival: Arrival, intended: float) -> None:
        start = self.clock()
        outcome = Outcome()
        try:
            with self.guard():
                journey = journey_for(arrival.journey,
                                      self.ctx.storefront.get(arrival.journey, "rest"))
                journey(self.ctx, arrival, arrival_rng(self.seed, arrival), outcome)
        except self.timeout_errors:
            outcome.refuse("journey timed out", outcome.step or arrival.journey)
        except Exception as exc:  # a journey bug must not kill the engine: it is a failure
            log.exception("journey %s failed", arrival.journey)
            outcome.refuse(f"{type(exc).__name__}: {exc}", outcome.step or arrival.journey)
        if outcome.checkout is None and arrival.journey in CHECKOUTS and not outcome.ok:
            # every checkout attempt gets its line, even one that failed before its cart
            outcome.checkout = {"cart_id": None, "quote_id": None, "order_id": None,
                                "increment_id": None, "customer_email": None, "items": [],
                                "edge_case": False, "flash_sale": arrival.journey == "flash_sale"}
        end = outcome.end_wall if outcome.end_wall is not None else self.clock()
        latency_ms = (end - intended) * 1000.0
        self.recorder.journey_done(arrival.journey, latency_ms, outcome.ok, end)
        if outcome.checkout is not None:
            self.recorder.checkout({
                "journey": arrival.journey, "intended_ts": round(intended, 6),
                "start_ts": round(start, 6), "end_ts": round(end, 6),
                "latency_ms": round(latency_ms, 3), "ok": outcome.ok,
                "status": outcome.status, "error": outcome.error, "step": outcome.step,
                **outcome.checkout, "worker": self.worker})
