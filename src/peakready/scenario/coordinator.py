"""The master's half of the plugin: starts the workers' shares, merges, reports, ends the run.

::

    test_start ─► t0 = now + lead; control test_start {wall: t0, workers}
                  "peakready_start" to each worker (index i of n), or a local WorkerDriver
    every second: Sink.flush(); control snapshot; a worker missing its heartbeats ─► control
                  worker_lost {worker, arrivals_lost}; the run goes on with the rest
    after t0 + duration, once every worker is done or lost ─► Sink.close(), control
                  test_stop, runner.quit() (headless) / runner.stop() (web UI)
    Locust stopping first (-t, the web UI's stop) ─► "peakready_stop" to the workers, wait for
                  their final batches (bounded), then the same end

One run per Locust process: a second start from the web UI is refused (the run folder is
written once).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner

from peakready.config import Plan
from peakready.scenario.arrivals import schedule, worker_share
from peakready.scenario.launch import TOKEN_ENV
from peakready.scenario.protocol import BATCH, START, STOP, hook
from peakready.scenario.shapes import build_shape
from peakready.scenario.sink import Control, Sink
from peakready.scenario.worker import WorkerDriver

__all__ = ["Coordinator"]

log = logging.getLogger("peakready.scenario.coordinator")
_LEAD = 0.5


class Coordinator:
    def __init__(self, environment: Environment, launch: dict[str, Any]) -> None:
        self.environment = environment
        self.launch = launch
        self.plan: Plan = launch["plan_model"]
        self.run_dir = Path(launch["run_dir"])
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.control = Control(self.run_dir / "control.jsonl")
        self.shape_spec = launch.get("shape")
        if launch.get("shape_file"):
            from peakready.scenario.shape_file import sample_shape_file
            self.shape_spec = sample_shape_file(Path(launch["shape_file"]),
                                                self.plan.load.duration)
        self.token = os.environ.get(TOKEN_ENV) or None
        self.sink: Sink | None = None
        self.workers: list[str] = []
        self.lost: set[str] = set()
        self.finished = False
        self.local: WorkerDriver | None = None
        self.t0 = 0.0
        self.master = isinstance(environment.runner, MasterRunner)
        if self.master:
            assert environment.runner is not None
            environment.runner.register_message(BATCH, self._on_batch)
        hook(events.test_start).add_listener(self._on_test_start)
        hook(events.test_stop).add_listener(self._on_test_stop)

    # ---------------------------------------------------------------------- start
    def _on_test_start(self, environment: Environment, **_: Any) -> None:
        if self.sink is not None:
            log.warning("peakready: one run per Locust process; restart Locust for another")
            return
        runner = environment.runner
        self.t0 = time.time() + _LEAD
        if isinstance(runner, MasterRunner):
            self.workers = sorted(c.id for c in runner.clients.all if c.state != STATE_MISSING)
        else:
            self.workers = ["local"]
        self.sink = Sink(self.run_dir, self.t0, self.workers)
        self.control.event("test_start", wall=self.t0,
                           workers=len(self.workers) if self.master else 0)
        start = {"plan": self.launch["plan"], "targets": self.launch["targets"],
                 "token": self.token, "t0": self.t0, "count": len(self.workers),
                 "shape": self.shape_spec, "fixtures_dir": self.launch.get("fixtures_dir")}
        gevent.spawn(self._tick)
        if isinstance(runner, MasterRunner):
            for index, worker in enumerate(self.workers):
                runner.send_message(START, {**start, "index": index}, client_id=worker)
            return
        try:
            self.local = WorkerDriver(environment, {**start, "index": 0}, self.sink.add, "local")
        except Exception as exc:
            log.exception("peakready: cannot start the arrivals")
            self._lose("local", reason=f"{type(exc).__name__}: {exc}")
            return
        self.local.start()

    def _on_batch(self, environment: Environment, msg: Any, **_: Any) -> None:
        batch = msg.data
        if self.sink is None or self.finished:
            return
        if batch.get("error"):
            log.error("peakready: worker %s could not start: %s", batch["worker"],
                      batch["error"])
            self._lose(str(batch["worker"]), reason=str(batch["error"]))
            return
        self.sink.add(batch)

    # ------------------------------------------------------------------- running
    def _assigned(self, worker: str) -> int:
        load = self.plan.load
        index = self.workers.index(worker)
        shape = build_shape(load, self.shape_spec)
        return sum(1 for _ in worker_share(schedule(load, self.plan.arrivals_seed, shape), index,
                                           len(self.workers)))

    def _lose(self, worker: str, reason: str = "missed its heartbeats") -> None:
        assert self.sink is not None
        if worker in self.lost:
            return
        self.lost.add(worker)
        in_flight = self.sink.in_flight.get(worker, 0)
        try:
            assigned = self._assigned(worker)
        except Exception:  # the schedule itself is what failed to build
            assigned = 0
        not_started = max(assigned - self.sink.offered.get(worker, 0), 0)
        self.sink.lose(worker)
        self.control.event("worker_lost", worker=worker, arrivals_lost=not_started + in_flight,
                           not_started=not_started, in_flight=in_flight, reason=reason)

    def _check_workers(self) -> None:
        runner = self.environment.runner
        if not isinstance(runner, MasterRunner) or self.sink is None:
            return
        for worker in self.workers:
            if worker in self.sink.done or worker in self.lost:
                continue
            node = runner.clients.get(worker)
            if node is None or node.state == STATE_MISSING:
                self._lose(worker)

    def _all_done(self) -> bool:
        assert self.sink is not None
        return all(w in self.sink.done or w in self.lost for w in self.workers)

    def _snapshot(self) -> None:
        assert self.sink is not None
        now = time.time()
        if now < self.t0:
            return
        last = self.sink.latest()
        journeys = last.percentiles_ms(50, 95, 99)
        self.control.event(
            "snapshot", wall=now, t=round(now - self.t0, 3), second=last.t,
            offered_per_s=last.offered, achieved_per_s=last.started,
            in_flight=sum(self.sink.in_flight.values()), dropped=last.dropped,
            dropped_total=sum(self.sink.dropped.values()), p50_ms=journeys[50],
            p95_ms=journeys[95], p99_ms=journeys[99],
            checkout_p95_ms=last.percentile_ms(95, checkouts=True), errors=last.errors,
            requests=last.requests, checkouts=self.sink.checkout_count,
            workers=len(self.workers) - len(self.lost))

    def _tick(self) -> None:
        load = self.plan.load
        end = self.t0 + load.duration
        deadline = end + load.journey_timeout + 10.0
        while not self.finished:
            gevent.sleep(1.0)
            if self.finished or self.sink is None:
                return
            self.sink.flush()
            self._check_workers()
            self._snapshot()
            now = time.time()
            every_worker_lost = len(self.lost) == len(self.workers)
            if (now >= end and self._all_done()) or now >= deadline or every_worker_lost:
                self._finish()
                runner = self.environment.runner
                assert runner is not None
                options = self.environment.parsed_options
                if options is not None and getattr(options, "headless", False):
                    runner.quit()
                else:
                    runner.stop()
                return

    # ----------------------------------------------------------------------- end
    def _on_test_stop(self, environment: Environment, **_: Any) -> None:
        if self.sink is None or self.finished:
            return
        runner = environment.runner
        if isinstance(runner, MasterRunner):
            runner.send_message(STOP, {})
        elif self.local is not None:
            self.local.stop()
        deadline = time.time() + self.plan.load.journey_timeout + 5.0
        while not self._all_done() and time.time() < deadline:
            gevent.sleep(0.2)
        self._finish()

    def _finish(self) -> None:
        if self.finished or self.sink is None:
            return
        self.finished = True
        self.sink.close()
        self.control.event("test_stop", t=round(time.time() - self.t0, 3),
                           offered=sum(self.sink.offered.values()),
                           dropped=sum(self.sink.dropped.values()),
                           checkouts=self.sink.checkout_count,
                           workers_lost=sorted(self.lost))
        self.control.close()
