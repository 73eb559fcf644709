"""What the simulator's capacity model predicts: the same worker pool and service times,
simulated as an M/G/c queue that whole journeys pass through a request at a time.

::

    routes (median, sigma: lognormal)   from the simulator's GET /__admin/capacity
    journeys: request sequences + their share of the arrivals (e.g. a guest checkout:
              cart, 1-3 x add to cart, estimate, shipping, place order; then untimed reads)
    ──► discrete-event M/G/c: Poisson journey arrivals, FIFO pool of c workers, each request
        of a journey queued when the previous one finished
    ──► checkout p95 over the journeys that finish within the hold (as the load measures it)
    ──► predict_capacity: the highest orders/min whose mean p95 over seeds is within the SLO

``ceiling`` is the plain M/G/c bound (workers / mean service time of the mix): the rate at which
the queue grows without limit. The search finds less than that; how much less depends on the
SLO and on how long each step is held, so the prediction simulates the same hold.
"""

from __future__ import annotations

import collections
import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["JourneyModel", "Route", "ceiling_orders_per_minute", "predict_capacity",
           "simulate_p95"]


@dataclass(frozen=True)
class Route:
    name: str
    median_ms: float
    sigma: float

    @property
    def mean_ms(self) -> float:
        return self.median_ms * math.exp(self.sigma ** 2 / 2)


@dataclass(frozen=True)
class JourneyModel:
    """One journey kind: ``per_order`` arrivals per order placed, request sequences with
    weights; ``timed`` sequences count toward its latency, ``untimed`` ones follow it."""

    name: str
    per_order: float
    sequences: tuple[tuple[tuple[str, ...], float], ...]
    untimed: tuple[str, ...] = ()
    checkout: bool = True

    def mean_requests(self) -> dict[str, float]:
        total = sum(w for _, w in self.sequences)
        out: dict[str, float] = collections.defaultdict(float)
        for sequence, weight in self.sequences:
            for name in (*sequence, *self.untimed):
                out[name] += weight / total
        return out


def ceiling_orders_per_minute(workers: int, routes: Mapping[str, Route],
                              journeys: Sequence[JourneyModel]) -> float:
    """workers / (worker-seconds one order brings with it): where the queue grows unbounded."""
    work_s = sum(j.per_order * n * routes[name].mean_ms / 1000.0
                 for j in journeys for name, n in j.mean_requests().items())
    return 60.0 * workers / work_s


def simulate_p95(workers: int, routes: Mapping[str, Route], journeys: Sequence[JourneyModel],
                 orders_per_minute: float, hold_s: float, seed: int) -> float:
    """Checkout-journey p95 (ms) over one hold of the given length, starting empty."""
    rng = random.Random(seed)
    rate = orders_per_minute / 60.0
    events: list[tuple[float, int, int, int]] = []   # (time, seq, kind, journey id)
    seq = 0
    starts: list[float] = []
    plans: list[tuple[list[str], int]] = []         # (requests, how many are timed)
    kinds: list[JourneyModel] = []
    for journey in journeys:
        t = 0.0
        weights = [w for _, w in journey.sequences]
        while True:
            t += rng.expovariate(rate * journey.per_order)
            if t >= hold_s:
                break
            [sequence] = rng.choices([s for s, _ in journey.sequences], weights)
            starts.append(t)
            plans.append(([*sequence, *journey.untimed], len(sequence)))
            kinds.append(journey)
            heapq.heappush(events, (t, seq, 0, len(starts) - 1))
            seq += 1
    step = [0] * len(starts)
    free = workers
    queue: collections.deque[int] = collections.deque()
    latencies: list[float] = []

    def service(jid: int) -> float:
        route = routes[plans[jid][0][step[jid]]]
        return route.median_ms / 1000.0 * math.exp(route.sigma * rng.gauss(0.0, 1.0))

    while events:
        now, _, kind, jid = heapq.heappop(events)
        if kind == 0:                                   # a request reaches the pool
            if free:
                free -= 1
                heapq.heappush(events, (now + service(jid), seq, 1, jid))
                seq += 1
            else:
                queue.append(jid)
            continue
        if queue:                                       # a worker finishes, hands over
            nxt = queue.popleft()
            heapq.heappush(events, (now + service(nxt), seq, 1, nxt))
            seq += 1
        else:
            free += 1
        step[jid] += 1
        requests, timed = plans[jid]
        if step[jid] == timed and kinds[jid].checkout and now <= hold_s:
            latencies.append(now - starts[jid])
        if step[jid] < len(requests):
            heapq.heappush(events, (now, seq, 0, jid))
            seq += 1
    if not latencies:
        return math.nan          # nothing finished inside the hold: nothing measured
    latencies.sort()
    rank = max(1, math.ceil(0.95 * len(latencies)))
    return 1000.0 * latencies[rank - 1]


def predict_capacity(workers: int, routes: Mapping[str, Route],
                     journeys: Sequence[JourneyModel], slo_p95_ms: float, hold_s: float, *,
                     seeds: int = 16, iterations: int = 18) -> float:
    """Highest orders/min whose p95, averaged over ``seeds`` holds, stays within the SLO.

    The same seeds at every rate (common random numbers) keep the curve monotone enough for
    bisection between 1 % and 100 % of the ceiling.
    """
    top = ceiling_orders_per_minute(workers, routes, journeys)

    def p95(rate: float) -> float:
        values = [simulate_p95(workers, routes, journeys, rate, hold_s, seed)
                  for seed in range(seeds)]
        measured = [v for v in values if not math.isnan(v)]
        return sum(measured) / len(measured) if measured else 0.0

    lo, hi = 0.01 * top, 1.2 * top
    if p95(lo) > slo_p95_ms:
        return 0.0
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if p95(mid) <= slo_p95_ms:
            lo = mid
        else:
            hi = mid
    return lo
