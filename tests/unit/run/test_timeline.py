"""The fault timeline applies each window at ``at`` and clears it at ``at + for``, relative to
t0, writes both to faults.jsonl, and clears whatever is still on when stopped."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from peakready.chaos import FaultLog, FaultTimeline
from peakready.config import FaultPlan
from peakready.errors import FaultControlError


def _fault(at: float, for_: float, **kind: Any) -> FaultPlan:
    kind = kind or {"proxy": "erp", "toxic": "latency", "attributes": {"latency": 100}}
    return FaultPlan.model_validate({"at": at, "for": for_, **kind})


class Recorder:
    """A fault target that records when it was asked to apply and clear what."""

    def __init__(self, fail_apply: set[int] | None = None) -> None:
        self.events: list[tuple[str, int, float]] = []
        self.expiries: dict[int, float] = {}
        self.fail_apply = fail_apply or set()
        self.on: set[int] = set()

    async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
        self.events.append(("apply", index, time.time()))
        self.expiries[index] = expires_in
        if index in self.fail_apply:
            raise FaultControlError("proxy said no")
        self.on.add(index)
        return {"index": index}

    async def clear(self, index: int, fault: FaultPlan) -> None:
        self.events.append(("clear", index, time.time()))
        self.on.discard(index)


def test_windows_apply_and_clear_on_time_and_are_logged(tmp_path: Path) -> None:
    target = Recorder()
    faults = [_fault(0.1, 0.3), _fault(0.2, 0.3, mock="erp", http={"status": 503})]
    log = FaultLog(tmp_path / "faults.jsonl")
    timeline = FaultTimeline(faults, {"proxy": target, "mock": target}, log)
    t0 = time.time()
    asyncio.run(timeline.run(t0))
    when = {(kind, index): wall - t0 for kind, index, wall in target.events}
    # Overlapping windows on one proxy and one mock: each on its own schedule.
    for (kind, index), planned in {("apply", 0): 0.1, ("clear", 0): 0.4,
                                   ("apply", 1): 0.2, ("clear", 1): 0.5}.items():
        assert abs(when[(kind, index)] - planned) < 0.1, (kind, index, when)
    records = log.read()
    assert [(r["event"], r["fault"]) for r in records] == [
        ("applied", 0), ("applied", 1), ("cleared", 0), ("cleared", 1)]
    assert records[0]["target"] == "proxy:erp" and records[1]["target"] == "mock:erp"
    assert records[1]["label"] == "erp http 503"
    assert all(r["outcome"] == "ok" for r in records)
    assert all(abs(r["t"] - (r["wall"] - t0)) < 1e-3 for r in records)
    # Sent with an expiry just past the window's end: a dead controller leaves nothing.
    assert 0.3 < target.expiries[0] <= 0.3 + 1.05


def test_stopping_early_clears_what_is_on_and_skips_what_never_started(tmp_path: Path) -> None:
    target = Recorder()
    faults = [_fault(0.0, 10.0), _fault(5.0, 1.0)]
    log = FaultLog(tmp_path / "faults.jsonl")
    timeline = FaultTimeline(faults, {"proxy": target}, log)

    async def scenario() -> None:
        task = asyncio.create_task(timeline.run(time.time()))
        await asyncio.sleep(0.2)
        assert timeline.active() and timeline.active()[0][0] == "erp latency"
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await timeline.close("ok (interrupted)")

    asyncio.run(scenario())
    assert target.on == set()
    assert [(r["event"], r["fault"], r["outcome"]) for r in log.read()] == [
        ("applied", 0, "ok"), ("cleared", 0, "ok (interrupted)")]


def test_a_fault_that_fails_to_apply_is_logged_and_the_rest_go_on(tmp_path: Path) -> None:
    target = Recorder(fail_apply={0})
    log = FaultLog(tmp_path / "faults.jsonl")
    timeline = FaultTimeline([_fault(0.0, 0.1), _fault(0.05, 0.1)], {"proxy": target}, log)
    asyncio.run(timeline.run(time.time()))
    records = log.read()
    assert records[0]["event"] == "applied" and "proxy said no" in records[0]["outcome"]
    assert ("cleared", 1, "ok") in [(r["event"], r["fault"], r["outcome"]) for r in records]


def test_close_waits_for_an_apply_in_flight_then_clears_it(tmp_path: Path) -> None:
    class Slow(Recorder):
        async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
            await asyncio.sleep(0.2)
            return await super().apply(index, fault, expires_in)

    target = Slow()
    log = FaultLog(tmp_path / "faults.jsonl")
    timeline = FaultTimeline([_fault(0.0, 5.0)], {"proxy": target}, log)

    async def scenario() -> None:
        task = asyncio.create_task(timeline.run(time.time()))
        await asyncio.sleep(0.05)   # the apply is in flight
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await timeline.close()

    asyncio.run(scenario())
    assert target.on == set()
    assert [r["event"] for r in log.read()] == ["applied", "cleared"]


def test_a_timeline_without_faults_leaves_an_empty_faults_file(tmp_path: Path) -> None:
    # "No fault applied" (empty file) must differ from "never reached the timeline" (no file).
    FaultLog(tmp_path / "faults.jsonl", t0=0.0)
    assert (tmp_path / "faults.jsonl").read_text() == ""
