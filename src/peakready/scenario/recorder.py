"""The evidence recorder's worker half: what one process saw, drained into batches each second.

::

    Recorder(t0, worker)
      offered / started / dropped(journey, t)     per intended second (arrivals.jsonl)
      journey_done(name, latency_ms, ok, end)     HDR per second of completion (latency.jsonl)
      request_done(name, latency_ms, ok, end)
      checkout(record)                            one checkouts.jsonl line
      drain(final=False) ──► batch (plain JSON-able dict, travels in a Locust message)

A batch holds only what changed since the last drain, so memory stays bounded by one or two
seconds of histograms and the checkouts of one second, whatever the run length. The master
merges batches (peakready.scenario.sink). Histograms count microseconds, 1 .. 3.6e9, 3 digits
(docs/run-folder.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from hdrh.histogram import HdrHistogram

__all__ = ["CHECKOUT_KINDS", "HDR_DIGITS", "HDR_MAX_US", "Recorder", "new_histogram"]

#: The journeys that are checkout attempts: each one a checkouts.jsonl line, their latency
#: the "checkout" latency of snapshots and SLOs.
CHECKOUT_KINDS = ("guest_checkout", "customer_checkout", "flash_sale")
HDR_MAX_US = 3_600_000_000
HDR_DIGITS = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HDR_MAX_US, HDR_DIGITS)


class _Second:
    __slots__ = ("errors", "hist")

    def __init__(self) -> None:
        self.hist = new_histogram()
        self.errors = 0


class Recorder:
    """One process's recording since the last drain (not thread-safe: one gevent hub)."""

    def __init__(self, t0: float, worker: str, clock: Callable[[], float] = time.time) -> None:
        self.t0 = t0
        self.worker = worker
        self.clock = clock
        self.in_flight = 0
        #: Arrivals before this t have been decided (started or dropped) by the engine.
        self.decided = 0.0
        self.offered_total = 0
        self.dropped_total = 0
        self._arrivals: dict[tuple[int, str], list[int]] = {}
        self._latency: dict[tuple[int, str, str], _Second] = {}
        self._checkouts: list[dict[str, Any]] = []
        self._latency_shipped_below = 0

    # ------------------------------------------------------------------ arrivals
    def _count(self, journey: str, t: float, slot: int) -> None:
        key = (max(int(t), 0), journey)
        row = self._arrivals.get(key)
        if row is None:
            row = self._arrivals[key] = [0, 0, 0]
        row[slot] += 1

    def offered(self, journey: str, t: float) -> None:
        self.offered_total += 1
        self._count(journey, t, 0)

    def started(self, journey: str, t: float) -> None:
        self._count(journey, t, 1)

    def dropped(self, journey: str, t: float) -> None:
        self.dropped_total += 1
        self._count(journey, t, 2)

    # ------------------------------------------------------------------- latency
    def _sample(self, kind: str, name: str, latency_ms: float, ok: bool, end: float) -> None:
        # A sample for a second already shipped (a journey's end is taken before its evidence
        # lookups) goes into the oldest open second, so each (second, name) is one line.
        key = (max(int(end - self.t0), self._latency_shipped_below, 0), kind, name)
        second = self._latency.get(key)
        if second is None:
            second = self._latency[key] = _Second()
        micros = latency_ms * 1000.0
        value = 1 if not math.isfinite(micros) or micros < 1 else min(int(micros), HDR_MAX_US)
        second.hist.record_value(value)
        if not ok:
            second.errors += 1

    def journey_done(self, name: str, latency_ms: float, ok: bool, end: float) -> None:
        self._sample("journey", name, latency_ms, ok, end)

    def request_done(self, name: str, latency_ms: float, ok: bool, end: float) -> None:
        self._sample("request", name, latency_ms, ok, end)

    def checkout(self, record: dict[str, Any]) -> None:
        self._checkouts.append(record)

    # --------------------------------------------------------------------- drain
    def drain(self, *, final: bool = False) -> dict[str, Any]:
        """Everything recorded since the last drain; histograms of seconds still running stay
        (unless ``final``), so each (second, name) usually travels once."""
        now_second = int(self.clock() - self.t0)
        # the engine sets decided to inf once its schedule has run: every second is complete
        arrivals_below = math.inf if final or not math.isfinite(self.decided) \
            else float(math.floor(self.decided))
        hist = []
        for key in [k for k in self._latency if final or k[0] < now_second]:
            second = self._latency.pop(key)
            hist.append([key[0], key[1], key[2], second.hist.get_total_count(), second.errors,
                         second.hist.encode().decode("ascii")])
        self._latency_shipped_below = max(self._latency_shipped_below, now_second)
        arrivals = [[t, journey, *row] for (t, journey), row in self._arrivals.items()]
        self._arrivals = {}
        checkouts, self._checkouts = self._checkouts, []
        return {
            "worker": self.worker,
            "arrivals": arrivals,
            "hist": hist,
            "checkouts": checkouts,
            "in_flight": self.in_flight,
            "offered": self.offered_total,
            "dropped": self.dropped_total,
            # Seconds below these are complete from this worker (the master writes them).
            "arrivals_below": arrivals_below,
            "latency_below": math.inf if final else float(now_second),
            "done": final,
        }
