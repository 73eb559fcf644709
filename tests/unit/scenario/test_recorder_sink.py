"""Worker recorders' batches merged by the master's sink into the run folder's files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from peakready.scenario.recorder import Recorder
from peakready.scenario.sink import Control, Sink

T0 = 1_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_two_workers_seconds_are_merged_into_one_line_each(tmp_path: Path) -> None:
    clock = Clock()
    a, b = Recorder(T0, "a", clock), Recorder(T0, "b", clock)
    sink = Sink(tmp_path, T0, ["a", "b"])
    for rec, ms in ((a, 10.0), (b, 30.0)):
        rec.offered("guest_checkout", 0.5)
        rec.started("guest_checkout", 0.5)
        rec.journey_done("guest_checkout", ms, True, T0 + 0.6)
        rec.request_done("POST /V1/guest-carts", ms / 2, rec is a, T0 + 0.55)
        rec.decided = 1.2
    clock.now = T0 + 1.5
    sink.add(a.drain())
    sink.flush()
    assert not (tmp_path / "latency.jsonl").read_text()     # b still holds second 0 open
    sink.add(b.drain())
    sink.flush()
    journey = [x for x in lines(tmp_path / "latency.jsonl") if x["kind"] == "journey"]
    [line] = journey
    assert (line["t"], line["name"], line["count"], line["errors"]) == \
        (0, "guest_checkout", 2, 0)
    hist = HdrHistogram.decode(line["hdr"])
    assert hist.get_total_count() == 2
    assert 29_000 <= hist.get_max_value() <= 30_100    # microseconds
    [request] = [x for x in lines(tmp_path / "latency.jsonl") if x["kind"] == "request"]
    assert (request["count"], request["errors"]) == (2, 1)
    [arrivals] = lines(tmp_path / "arrivals.jsonl")
    assert arrivals == {"t": 0, "wall": T0, "journey": "guest_checkout", "offered": 2,
                        "started": 2, "dropped": 0}
    latest = sink.latest()
    assert (latest.t, latest.offered, latest.started, latest.requests) == (0, 2, 2, 2)
    assert latest.percentile_ms(99) is not None and latest.percentile_ms(99) >= 29.0


def test_checkouts_are_written_at_once_and_a_lost_worker_stops_holding_seconds(
        tmp_path: Path) -> None:
    clock = Clock()
    a = Recorder(T0, "a", clock)
    sink = Sink(tmp_path, T0, ["a", "b"])
    a.checkout({"journey": "guest_checkout", "order_id": 1})
    a.offered("browse", 2.0)
    a.decided = 5.0
    clock.now = T0 + 5
    sink.add(a.drain())
    assert lines(tmp_path / "checkouts.jsonl") == [{"journey": "guest_checkout", "order_id": 1}]
    sink.flush()
    assert (tmp_path / "arrivals.jsonl").read_text() == ""
    sink.lose("b")
    sink.flush()
    assert [x["journey"] for x in lines(tmp_path / "arrivals.jsonl")] == ["browse"]


def test_a_final_drain_releases_everything_and_marks_done(tmp_path: Path) -> None:
    clock = Clock()
    a = Recorder(T0, "a", clock)
    a.journey_done("browse", 5.0, False, T0 + 3.2)     # its second has not ended yet
    assert a.drain()["hist"] == []
    batch = a.drain(final=True)
    assert batch["done"] and len(batch["hist"]) == 1
    sink = Sink(tmp_path, T0, ["a"])
    sink.add(batch)
    sink.close()
    [line] = lines(tmp_path / "latency.jsonl")
    assert (line["t"], line["errors"]) == (3, 1)
    assert sink.done == {"a"}


def test_memory_stays_bounded_per_second_not_per_run(tmp_path: Path) -> None:
    clock = Clock()
    a = Recorder(T0, "a", clock)
    sink = Sink(tmp_path, T0, ["a"])
    for second in range(50):
        for _ in range(20):
            a.journey_done("browse", 3.0, True, T0 + second + 0.5)
            a.checkout({"journey": "guest_checkout"})
        a.decided = second + 1.0
        clock.now = T0 + second + 1.0
        sink.add(a.drain())
        sink.flush()
        assert len(a._latency) <= 1 and not a._checkouts
        assert len(sink._pending_hist) <= 1
    assert len(lines(tmp_path / "checkouts.jsonl")) == 1000


def test_control_lines(tmp_path: Path) -> None:
    control = Control(tmp_path / "control.jsonl")
    control.event("test_start", wall=T0, workers=2)
    control.event("test_stop", wall=T0 + 60)
    control.close()
    assert lines(tmp_path / "control.jsonl") == [
        {"event": "test_start", "wall": T0, "workers": 2},
        {"event": "test_stop", "wall": T0 + 60}]


def test_a_drain_after_the_schedule_ran_keeps_every_arrival(tmp_path: Path) -> None:
    clock = Clock()
    a = Recorder(T0, "a", clock)
    a.offered("browse", 4.5)
    a.decided = float("inf")       # the engine's schedule is over; journeys still in flight
    clock.now = T0 + 5.2
    batch = a.drain()
    assert batch["arrivals"] == [[4, "browse", 1, 0, 0]]
    assert batch["arrivals_below"] == float("inf") and not batch["done"]


def test_a_late_sample_for_a_shipped_second_joins_the_oldest_open_second() -> None:
    clock = Clock()
    a = Recorder(T0, "a", clock)
    clock.now = T0 + 3.0
    assert a.drain()["latency_below"] == 3
    a.journey_done("guest_checkout", 100.0, True, T0 + 2.99)   # ended before the lookup
    [line] = a.drain(final=True)["hist"]
    assert line[0] == 3
