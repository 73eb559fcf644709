"""The harness watches its own CPU: ``cpu.jsonl`` in the run folder, one line a second.

::

    CpuSampler(path, pids)           pids() → {component name: pid} (the stack's children)
        await loop()                 every second until cancelled:
        {"wall": 1765000000.0, "dt": 1.0, "cores": 2, "machine": 0.97,
         "procs": {"magento": 1.0, "locust-worker-1": 0.42, "orchestrator": 0.03, ...}}

``procs`` values are CPU-seconds per second of each component's whole process tree (1.0 = one
core busy all the second; a single-threaded event loop is saturated there); ``machine`` is the
share of all cores busy (anyone's work, not only ours). The orchestrator is this process itself.
A process seen for the first time has no value until its second sample. The judging side reads
the file through :mod:`peakready.measure.saturation`; docs/run-folder.md has the format.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from peakready.measure.saturation import CPU_FILE

__all__ = ["CPU_FILE", "ORCHESTRATOR", "CpuSampler"]

log = logging.getLogger("peakready.run.cpu")
ORCHESTRATOR = "orchestrator"
SAMPLE_EVERY_S = 1.0
RESCAN_EVERY = 5     # samples between two scans of the process table for children


def _busy(times: Any) -> float:
    """Seconds the CPUs did work: everything but idle and waiting for I/O."""
    return float(sum(times)) - float(times.idle) - float(getattr(times, "iowait", 0.0))


class CpuSampler:
    """Samples the CPU of every component's process tree, of the orchestrator and of the
    machine into ``path`` (appending, so several phases of one folder keep one file)."""

    def __init__(self, path: Path, pids: Callable[[], dict[str, int]], *,
                 every: float = SAMPLE_EVERY_S) -> None:
        self.path, self.pids, self.every = path, pids, every
        self.cores = psutil.cpu_count() or 1
        self._procs: dict[int, psutil.Process] = {}
        self._seconds: dict[int, float] = {}      # pid → CPU seconds at the last sample
        self._machine: tuple[float, float] | None = None   # (busy, total) seconds
        self._wall: float | None = None
        self._children: dict[int, list[int]] = {}   # the last scan's parent → children
        self.samples = 0

    def _process(self, pid: int) -> psutil.Process | None:
        proc = self._procs.get(pid)
        if proc is None:
            try:
                proc = psutil.Process(pid)
            except psutil.Error:
                return None
            self._procs[pid] = proc
        return proc

    def _tree_delta(self, pid: int, *, children: bool) -> float | None:
        """CPU seconds the tree of ``pid`` used since the last sample (None: first seen)."""
        root = self._process(pid)
        if root is None:
            return None
        members = [root]
        if children:
            stack = list(self._children.get(pid, ()))
            while stack:
                child = stack.pop()
                proc = self._process(child)
                if proc is not None:
                    members.append(proc)
                stack.extend(self._children.get(child, ()))
        total, known = 0.0, False
        for member in members:
            try:
                times = member.cpu_times()
            except psutil.Error:
                continue
            seconds = float(times.user) + float(times.system)
            before = self._seconds.get(member.pid)
            self._seconds[member.pid] = seconds
            if before is not None:
                total += max(0.0, seconds - before)
                known = True
        return total if known else None

    def _scan(self) -> None:
        """Who is whose child: one pass over the process table (a component's grandchildren,
        a connector started through a shell), repeated every few samples, not every one."""
        children: dict[int, list[int]] = {}
        alive: set[int] = set()
        for proc in psutil.process_iter(["ppid"]):
            alive.add(proc.pid)
            parent = proc.info.get("ppid")
            if parent:
                children.setdefault(int(parent), []).append(proc.pid)
        self._children = children
        for pid in set(self._procs) - alive:     # gone: a new process may reuse the pid
            self._procs.pop(pid, None)
            self._seconds.pop(pid, None)

    def sample(self) -> dict[str, Any] | None:
        """One line (None for the very first call, which only sets the baseline)."""
        wall = time.time()
        machine = psutil.cpu_times()
        busy, total = _busy(machine), float(sum(machine))
        procs: dict[str, float] = {}
        dt = None if self._wall is None else wall - self._wall
        if self.samples % RESCAN_EVERY == 0:
            self._scan()
        for name, pid in sorted(self.pids().items()):
            delta = self._tree_delta(pid, children=True)
            if delta is not None and dt:
                procs[name] = round(delta / dt, 3)
        own = self._tree_delta(os.getpid(), children=False)
        if own is not None and dt:
            procs[ORCHESTRATOR] = round(own / dt, 3)
        line: dict[str, Any] | None = None
        if self._machine is not None and dt:
            spent = total - self._machine[1]
            share = (busy - self._machine[0]) / spent if spent > 0 else 0.0
            line = {"wall": round(wall, 3), "dt": round(dt, 3), "cores": self.cores,
                    "machine": round(min(max(share, 0.0), 1.0), 3), "procs": procs}
        self._machine, self._wall = (busy, total), wall
        return line

    def write(self, line: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
        self.samples += 1

    async def loop(self) -> None:
        """Sample every ``every`` seconds until cancelled; a failed sample is skipped."""
        while True:
            started = time.monotonic()
            try:
                line = self.sample()
                if line is not None:
                    self.write(line)
            except (OSError, psutil.Error) as exc:
                log.info("CPU sample failed: %s", exc)
            await asyncio.sleep(max(0.05, self.every - (time.monotonic() - started)))
