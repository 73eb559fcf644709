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

This module only wires Locust's events: the messages are ``protocol.py``, a worker's share
``worker.py``, the master's side ``coordinator.py`` (none of them imports this module).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from peakready.scenario.coordinator import Coordinator
from peakready.scenario.protocol import BATCH, START, STOP, failed_start, hook, read_launch
from peakready.scenario.web_ui import START_HELP, install_web_ui
from peakready.scenario.worker import WorkerDriver

__all__: list[str] = []

log = logging.getLogger("peakready.scenario.plugin")


def _arguments(parser: Any, **_: Any) -> None:
    parser.add_argument("--peakready-plan", default="", include_in_web_ui=False,
                        help="peakready: the launch file prepare_locust wrote (open model)")
    # Shown in the web UI's form (custom parameters), so Start is not a mystery under a plan.
    parser.add_argument("--peakready", default=START_HELP, include_in_web_ui=True,
                        help="peakready: what Start does under a plan (nothing to set)")


class _WorkerSide:
    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.driver: WorkerDriver | None = None
        runner = environment.runner
        assert isinstance(runner, WorkerRunner)
        self.runner = runner
        runner.register_message(START, self._on_start)
        runner.register_message(STOP, self._on_stop)
        hook(events.test_stop).add_listener(self._on_stop)

    def _emit(self, batch: dict[str, Any]) -> None:
        self.runner.send_message(BATCH, batch)

    def _on_start(self, environment: Environment, msg: Any, **_: Any) -> None:
        try:
            self.driver = WorkerDriver(environment, msg.data, self._emit, self.runner.client_id)
        except Exception as exc:  # the master reports this worker's share as lost
            log.exception("peakready: cannot start this worker's arrivals")
            self._emit(failed_start(self.runner.client_id, f"{exc}"))
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
        launch = read_launch(Path(path))
        Coordinator(environment, launch)
        install_web_ui(environment, launch["plan_model"], Path(launch["run_dir"]))


hook(events.init_command_line_parser).add_listener(_arguments)
hook(events.init).add_listener(_on_init)
