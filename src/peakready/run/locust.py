"""Locust as child processes, and its control channel (``control.jsonl``, docs/run-folder.md).

::

    LocustProcesses(stack, launch, workers)
        await start()             master, then N workers (each a child in its own group)
        await started(timeout)    the test_start line → its wall time (the timeline's t = 0)
        await finished(deadline)  test_stop seen and the master exited, or the deadline
        await stop()              workers and master: SIGTERM (Locust quits cleanly), SIGKILL

The orchestrator never imports locust; what it knows of the load comes from this file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peakready.errors import HarnessError
from peakready.stack import Stack

if TYPE_CHECKING:
    from peakready.scenario.launch import LocustLaunch

__all__ = ["ControlChannel", "LocustProcesses"]

log = logging.getLogger("peakready.run.locust")
_MASTER = "locust-master"


class ControlChannel:
    """Tails control.jsonl: the lifecycle lines of the Locust master."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self.test_start: dict[str, Any] | None = None
        self.test_stop: dict[str, Any] | None = None
        self.snapshot: dict[str, Any] | None = None
        self.worker_losses: list[dict[str, Any]] = []

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        self._offset += len(chunk)
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                log.warning("control.jsonl: unreadable line %r", line[:200])
                continue
            kind = event.get("event")
            if kind == "test_start":
                self.test_start = event
            elif kind == "test_stop":
                self.test_stop = event
            elif kind == "snapshot":
                self.snapshot = event
            elif kind == "worker_lost":
                self.worker_losses.append(event)


class LocustProcesses:
    def __init__(self, stack: Stack, launch: LocustLaunch, workers: int) -> None:
        self.stack = stack
        self.launch = launch
        self.workers = workers
        self.control = ControlChannel(Path(launch.control_path))
        self.names: list[str] = []

    async def start(self) -> None:
        env = {**os.environ, **self.launch.env}
        await self.stack.spawn(_MASTER, self.launch.master_argv, env=env)
        self.names.append(_MASTER)
        for n in range(self.workers if self.launch.worker_argv else 0):
            name = f"locust-worker-{n + 1}"
            await self.stack.spawn(name, self.launch.worker_argv, env=env)
            self.names.append(name)

    def master_exit(self) -> int | None:
        component = self.stack.components.get(_MASTER)
        process = component.process if component else None
        return None if process is None else process.returncode

    def _master_died(self, when: str) -> HarnessError:
        return HarnessError(f"the Locust master exited with code {self.master_exit()} {when}; "
                            f"last lines of logs/{_MASTER}.log:\n"
                            f"{self.stack.log_tail(_MASTER, 20)}")

    async def started(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.control.poll()
            if self.control.test_start is not None:
                return float(self.control.test_start["wall"])
            if self.master_exit() is not None:
                raise self._master_died("before the test started")
            await asyncio.sleep(0.05)
        raise HarnessError(f"Locust did not start the test within {timeout:.0f} s; last lines "
                           f"of logs/{_MASTER}.log:\n{self.stack.log_tail(_MASTER, 20)}")

    async def finished(self, deadline_wall: float) -> bool:
        """True when Locust stopped by itself (test_stop and the master exited; with the web UI,
        whose master stays up to show its stats, test_stop alone)."""
        while time.time() < deadline_wall:
            self.control.poll()
            if self.launch.web_url is not None and self.control.test_stop is not None:
                return True
            code = self.master_exit()
            if code is not None:
                self.control.poll()
                if self.control.test_stop is None:
                    raise self._master_died("without a test_stop")
                return True
            await asyncio.sleep(0.1)
        return False

    async def stop(self, grace: float = 15.0) -> None:
        # The master first: on SIGTERM it stops its workers itself and writes its stats
        # and test_stop; workers left over are stopped after it.
        for name in self.names:
            await self.stack.stop(name, grace=grace if name == _MASTER else 5.0)
        self.control.poll()
