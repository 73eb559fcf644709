"""One process's share of the open-model schedule: runs it, records it, ships batches.

::

    WorkerDriver(environment, START message, emit, worker_id)
      ArrivalDriver over worker_share(schedule) ──► JourneyRunner ──► Recorder
      every second: emit(Recorder.drain())        at the end: emit(drain(final=True))

The same driver runs in a Locust worker (emit = send BATCH to the master) and in the one local
process (emit = the Sink's add). Nothing here registers Locust events but the request listener.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment

from peakready.config import JOURNEYS, Plan, parse_plan
from peakready.safety import check_target
from peakready.scenario.arrivals import concurrency_share, schedule, worker_share
from peakready.scenario.catalogue import load_catalogue
from peakready.scenario.engine import ArrivalDriver, JourneyRunner
from peakready.scenario.journeys import JourneyContext
from peakready.scenario.launch import TOKEN_ENV
from peakready.scenario.locust_transport import Connection, ConnectionPool
from peakready.scenario.protocol import hook
from peakready.scenario.recorder import Recorder
from peakready.scenario.shapes import build_shape

__all__ = ["JourneyTimeout", "WorkerDriver"]

log = logging.getLogger("peakready.scenario.worker")
_FLUSH = 1.0


class JourneyTimeout(Exception):
    """A journey ran past load.journey_timeout (not a gevent.Timeout: the transports count that
    as one failed request and the journey would carry on)."""


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
            seed=plan.arrivals_seed,
            erp=pools.get("erp"), crm=pools.get("crm"),
            admin_token=start.get("token") or os.environ.get(TOKEN_ENV) or None,
            edge_case_share=load.edge_case_orders,
            backoffice_actions=load.lifecycle.actions(),
            flash_skus=tuple(targets.get("flash_skus") or ()),
            flash_qty=load.flash_sale.qty if load.flash_sale else 1, clock=time.time,
            storefront={j: load.storefront_for(j) for j in JOURNEYS})
        timeout = load.journey_timeout

        @contextlib.contextmanager
        def guard() -> Iterator[None]:
            # bounded in time; one keep-alive session per target for the journey's life
            with contextlib.ExitStack() as stack:
                for pool in pools.values():
                    stack.enter_context(pool.lease())
                stack.enter_context(gevent.Timeout(timeout, JourneyTimeout))
                yield

        runner = JourneyRunner(ctx, self.recorder, seed=plan.arrivals_seed, worker=worker_id,
                               clock=time.time, guard=guard,
                               timeout_errors=(JourneyTimeout,))
        shape = build_shape(load, start.get("shape"))
        arrivals = worker_share(schedule(load, plan.arrivals_seed, shape), index, count)
        self.driver = ArrivalDriver(arrivals, t0=self.t0, recorder=self.recorder, run=runner,
                                    spawn=gevent.spawn, sleep=gevent.sleep, clock=time.time,
                                    max_in_flight=share)
        self.done = False
        hook(events.request).add_listener(self._on_request)

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
            hook(events.request).remove_listener(self._on_request)
            self.emit(self.recorder.drain(final=True))
