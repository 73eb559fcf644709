"""The peakready Locust plugin: the open-model engine on Locust's own master/worker machinery.

::

    master (or the one local process)              worker (N of them, or the same process)
    --peakready-plan run_dir/locust_launch.json
    test_start ── t0, control test_start ────────► "peakready_start" {plan, targets, token,
                                                      t0, index, count, shape}
                                                   ArrivalDriver over worker_share(schedule)
    Sink ◄── "peakready_batch" every second ───── Recorder.drain() (checkouts, HDR, arrivals)
    tick: flush, control snapshot, worker_lost       final batch (done) once its share ran
    all done (or lost) after the duration ──► control test_stop, runner.quit()

Scenario files import this module (``import peakready.scenario.plugin``); without
``--peakready-plan`` it does nothing and the files' own users run closed-model, as under plain
``locust -f``. With it, ``-u 0``: no closed-model user runs; every journey is an arrival.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from peakready.config import Plan, parse_plan
from peakready.safety import check_target
from peakready.scenario.arrivals import concurrency_share, schedule, worker_share
from peakready.scenario.catalogue import load_catalogue
from peakready.scenario.engine import ArrivalDriver, JourneyRunner
from peakready.scenario.journeys import JourneyContext
from peakready.scenario.launch import TOKEN_ENV
from peakready.scenario.locust_transport import Connection, ConnectionPool
from peakready.scenario.recorder import Recorder
from peakready.scenario.shapes import build_shape

__all__ = ["BATCH", "START", "STOP", "JourneyTimeout", "WorkerDriver", "_hook", "read_launch"]

log = logging.getLogger("peakready.scenario.plugin")
START, BATCH, STOP = "peakready_start", "peakready_batch", "peakready_stop"
_FLUSH = 1.0


class JourneyTimeout(Exception):
    """A journey ran past load.journey_timeout (not a gevent.Timeout: the transports count that
    as one failed request and the journey would carry on)."""


def _hook(event: Any) -> Any:
    """Locust's EventHook is untyped: one place says so."""
    return event


def read_launch(path: Path) -> dict[str, Any]:
    launch: dict[str, Any] = json.loads(path.read_text("utf-8"))
    launch["plan_model"] = parse_plan(launch["plan"], source=str(path))
    return launch


def _arguments(parser: Any, **_: Any) -> None:
    parser.add_argument("--peakready-plan", default="", include_in_web_ui=False,
                        help="peakready: the launch file prepare_locust wrote (open model)")


# ------------------------------------------------------------------------------ worker
def _fixtures(start: dict[str, Any]) -> str | None:
    """The master's fixtures folder when it exists here too (local workers), else discovery."""
    folder = start.get("fixtures_dir")
    return folder if folder and Path(folder).is_dir() else None


class WorkerDriver:
    """One process's share of the schedule: runs it and ships what it recorded."""

    def __init__(self, environment: Environment, start: dict[str, Any], emit: Any,
                 worker_id: str) -> None:
        self.environment = environment
        self.emit = emit
        plan: Plan = parse_plan(start["plan"], source="peakready_start")
        load = plan.load
        self.plan = plan
        self.t0 = float(start["t0"])
        self.recorder = Recorder(self.t0, worker_id)
        index, count = int(start["index"]), int(start["count"])
        targets = start["targets"]
        share = concurrency_share(load.max_concurrency, index, count)
        for url in (targets["magento_url"], targets.get("erp_url"), targets.get("crm_url")):
            if url:  # a remote worker checks too: load goes to the plan's targets only
                check_target(url, plan.target.allow_hosts)
        pools = {name: ConnectionPool(functools.partial(Connection, url,
                                                        environment.events.request,
                                                        timeout=load.request_timeout))
                 for name, url in (("magento", targets["magento_url"]),
                                   ("erp", targets.get("erp_url")),
                                   ("crm", targets.get("crm_url"))) if url}
        sim = plan.target.simulator
        ctx = JourneyContext(
            magento=pools["magento"],
            catalogue=load_catalogue(sim.profile, plan.seed, _fixtures(start)),
            seed=plan.seed,
            erp=pools.get("erp"), crm=pools.get("crm"),
            admin_token=start.get("token") or os.environ.get(TOKEN_ENV) or None,
            edge_case_share=load.edge_case_orders,
            backoffice_actions=load.lifecycle.actions(),
            flash_skus=tuple(targets.get("flash_skus") or ()),
            flash_qty=load.flash_sale.qty if load.flash_sale else 1, clock=time.time)
        timeout = load.journey_timeout

        @contextlib.contextmanager
        def guard() -> Iterator[None]:
            # bounded in time; one keep-alive session per target for the journey's life
            with contextlib.ExitStack() as stack:
                for pool in pools.values():
                    stack.enter_context(pool.lease())
                stack.enter_context(gevent.Timeout(timeout, JourneyTimeout))
                yield

        runner = JourneyRunner(ctx, self.recorder, seed=plan.seed, worker=worker_id,
                               clock=time.time, guard=guard,
                               timeout_errors=(JourneyTimeout,))
        shape = build_shape(load, start.get("shape"))
        arrivals = worker_share(schedule(load, plan.seed, shape), index, count)
        self.driver = ArrivalDriver(arrivals, t0=self.t0, recorder=self.recorder, run=runner,
                                    spawn=gevent.spawn, sleep=gevent.sleep, clock=time.time,
                                    max_in_flight=share)
        self.done = False
        _hook(events.request).add_listener(self._on_request)

    def _on_request(self, request_type: str, name: str, response_time: float,
                    exception: Any = None, start_time: float | None = None, **_: Any) -> None:
        if self.done:
            return
        end = (start_time or time.time()) + (response_time or 0) / 1000.0
        self.recorder.request_done(f"{request_type} {name}", response_time or 0.0,
                                   exception is None, end)

    def start(self) -> None:
        gevent.spawn(self._run)
        gevent.spawn(self._flusher)

    def stop(self) -> None:
        self.driver.stop()

    def _flusher(self) -> None:
        while not self.done:
            gevent.sleep(_FLUSH)
            if not self.done:
                try:
                    self.emit(self.recorder.drain())
                except Exception:  # keep shipping: the final drain carries what is left
                    log.exception("peakready: a batch could not be sent")

    def _run(self) -> None:
        try:
            self.driver.run()
            # Journeys in flight finish (each is bounded by journey_timeout).
            deadline = time.time() + self.plan.load.journey_timeout + 5.0
            while self.recorder.in_flight > 0 and time.time() < deadline:
                gevent.sleep(0.05)
        finally:
            self.done = True
            _hook(events.request).remove_listener(self._on_request)
            self.emit(self.recorder.drain(final=True))


class _WorkerSide:
    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.driver: WorkerDriver | None = None
        runner = environment.runner
        assert isinstance(runner, WorkerRunner)
        self.runner = runner
        runner.register_message(START, self._on_start)
        runner.register_message(STOP, self._on_stop)
        _hook(events.test_stop).add_listener(self._on_stop)

    def _emit(self, batch: dict[str, Any]) -> None:
        self.runner.send_message(BATCH, batch)

    def _on_start(self, environment: Environment, msg: Any, **_: Any) -> None:
        try:
            self.driver = WorkerDriver(environment, msg.data, self._emit, self.runner.client_id)
        except Exception as exc:  # the master reports this worker's share as lost
            log.exception("peakready: cannot start this worker's arrivals")
            self._emit({"worker": self.runner.client_id, "error": f"{exc}", "done": True,
                        "arrivals": [], "hist": [], "checkouts": [], "in_flight": 0,
                        "offered": 0, "dropped": 0, "arrivals_below": float("inf"),
                        "latency_below": float("inf")})
            return
        self.driver.start()

    def _on_stop(self, environment: Environment, *_: Any, **__: Any) -> None:
        if self.driver is not None:
            self.driver.stop()


def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        _WorkerSide(environment)
        return
    options = environment.parsed_options
    path = getattr(options, "peakready_plan", "") if options is not None else ""
    if path and isinstance(runner, MasterRunner | LocalRunner):
        from peakready.scenario.coordinator import Coordinator
        Coordinator(environment, read_launch(Path(path)))


_hook(events.init_command_line_parser).add_listener(_arguments)
_hook(events.init).add_listener(_on_init)
