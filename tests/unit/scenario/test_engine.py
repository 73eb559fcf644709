"""The arrival engine on a fake clock: intended starts, latency from them, drops at the limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from peakready.scenario.arrivals import Arrival
from peakready.scenario.catalogue import Catalogue
from peakready.scenario.client import Reply
from peakready.scenario.engine import ArrivalDriver, JourneyRunner
from peakready.scenario.journeys import JOURNEYS, JourneyContext, Outcome
from peakready.scenario.recorder import Recorder


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.naps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


class Deferred:
    """spawn() that keeps the journeys for the test to run (they are 'in flight' until then)."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, fn: Callable[[], None]) -> None:
        self.pending.append(fn)

    def finish_all(self) -> None:
        while self.pending:
            self.pending.pop(0)()


def driver(arrivals: list[Arrival], clock: FakeClock, run: Callable[[Arrival, float], None],
           spawn: Callable[[Callable[[], None]], Any], limit: int = 100) -> ArrivalDriver:
    recorder = Recorder(t0=clock.now, worker="w", clock=clock)
    return ArrivalDriver(arrivals, t0=clock.now, recorder=recorder, run=run, spawn=spawn,
                         sleep=clock.sleep, clock=clock, max_in_flight=limit)


def test_each_arrival_starts_at_its_intended_time() -> None:
    clock = FakeClock()
    starts: list[tuple[float, float]] = []
    arrivals = [Arrival(t, "browse", i) for i, t in enumerate((0.0, 0.25, 1.0, 3.7))]
    d = driver(arrivals, clock, lambda a, intended: starts.append((intended, clock.now)),
               lambda fn: fn())
    d.run()
    assert starts == [(1000.0 + a.t, pytest.approx(1000.0 + a.t)) for a in arrivals]
    assert max(clock.naps) <= 0.5          # waits in short naps, so stop() is noticed


def test_an_arrival_beyond_max_concurrency_is_dropped_not_delayed() -> None:
    clock = FakeClock()
    spawn = Deferred()
    arrivals = [Arrival(0.1 * i, "guest_checkout", i) for i in range(5)]
    d = driver(arrivals, clock, lambda a, w: None, spawn, limit=2)
    d.run()
    rec = d.recorder
    assert len(spawn.pending) == 2 and rec.in_flight == 2
    assert rec.offered_total == 5 and rec.dropped_total == 3
    batch = rec.drain(final=True)
    assert sorted(batch["arrivals"]) == [[0, "guest_checkout", 5, 2, 3]]
    spawn.finish_all()
    assert rec.in_flight == 0


def test_stop_ends_the_schedule_and_offers_nothing_more() -> None:
    clock = FakeClock()
    arrivals = [Arrival(float(i), "browse", i) for i in range(10)]
    d: ArrivalDriver

    def run(a: Arrival, w: float) -> None:
        if a.index == 2:
            d.stop()

    d = driver(arrivals, clock, run, lambda fn: fn())
    d.run()
    assert d.recorder.offered_total == 3 and d.finished


def ctx_for(journey: Callable[..., Outcome]) -> JourneyContext:
    class Nowhere:
        def request(self, *a: Any, **k: Any) -> Reply:
            raise AssertionError("no request expected")

    JOURNEYS._items["_test"] = journey  # a test-only entry, forgotten after each test
    return JourneyContext(magento=Nowhere(), catalogue=Catalogue(("A",), (), ()))


@pytest.fixture(autouse=True)
def _forget_test_journey() -> Any:
    yield
    JOURNEYS._items.pop("_test", None)


def test_latency_counts_from_the_intended_start_not_the_actual_one() -> None:
    clock = FakeClock()

    def slow_checkout(ctx: JourneyContext, a: Arrival, rng: Any, out: Outcome) -> Outcome:
        clock.now += 0.25
        out.checkout = {"order_id": 7, "items": [{"sku": "A", "qty": 1}]}
        return out

    rec = Recorder(t0=clock.now, worker="w1", clock=clock)
    runner = JourneyRunner(ctx_for(slow_checkout), rec, seed=0, worker="w1", clock=clock)
    clock.now += 2.0   # the engine got to this arrival 2 s late (a frozen store, a busy hub)
    runner(Arrival(0.0, "_test", 0), intended=1000.0)
    [line] = rec.drain(final=True)["checkouts"]
    assert line["latency_ms"] == pytest.approx(2250.0)
    assert line["start_ts"] - line["intended_ts"] == pytest.approx(2.0)
    assert line["order_id"] == 7 and line["ok"] is True and line["worker"] == "w1"


def test_a_journey_that_raises_is_a_recorded_failure() -> None:
    clock = FakeClock()

    def broken(ctx: JourneyContext, a: Arrival, rng: Any, out: Outcome) -> Outcome:
        out.checkout = {"cart_id": "c1", "items": [{"sku": "A", "qty": 1}]}
        out.step = "/V1/guest-carts/[id]/items"
        raise KeyError("surprise")

    rec = Recorder(t0=clock.now, worker="w", clock=clock)
    JourneyRunner(ctx_for(broken), rec, seed=0, worker="w", clock=clock)(
        Arrival(0.0, "_test", 0), intended=clock.now)
    batch = rec.drain(final=True)
    [line] = batch["hist"]
    assert line[1:5] == ["journey", "_test", 1, 1]
    # what the journey had filled in before it broke is kept
    [checkout] = batch["checkouts"]
    assert checkout["cart_id"] == "c1" and checkout["ok"] is False
    assert checkout["error"] == "KeyError: 'surprise'"
    assert checkout["step"] == "/V1/guest-carts/[id]/items"


def test_a_journey_over_its_time_bound_is_a_timeout_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Late(Exception):
        pass

    class Guard:
        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: Any) -> bool:
            raise Late()

    clock = FakeClock()
    rec = Recorder(t0=clock.now, worker="w", clock=clock)
    ctx = ctx_for(lambda c, a, r, out: out)
    monkeypatch.setitem(JOURNEYS._items, "guest_checkout", lambda c, a, r, out: out)
    runner = JourneyRunner(ctx, rec, seed=0, worker="w", clock=clock, guard=Guard,
                           timeout_errors=(Late,))
    runner(Arrival(0.0, "guest_checkout", 0), intended=clock.now)
    [line] = rec.drain(final=True)["checkouts"]
    assert line["ok"] is False and line["error"] == "journey timed out"
    assert line["journey"] == "guest_checkout" and line["items"] == []
