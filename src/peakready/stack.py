"""Starting and stopping the estate's child processes (mocks, proxy, Locust, a connector).

::

    Stack
    ├── start("erp", argv)        a server: waits for its ready line, health-checks the URL
    │                             (``... listening on http://HOST:PORT``), stderr → logs/erp.log
    ├── spawn("locust-master", argv, env=...)   a process with no ready line (stdout+stderr
    │                             → logs/<name>.log)
    ├── dead()                    components that exited while they should be running
    └── stop(name) / stop_all()   SIGTERM to the child's process group, SIGKILL after a grace

Every child runs in its own process group, so a Ctrl-C in the terminal reaches only the
orchestrator, which then stops the children in the right order (load first, witnesses
last), and a child's own children (a connector started through a shell) stop with it.
Stopping always happens, also when start-up of a later component fails or is cancelled:
a process is registered before anything can interrupt its start, so a failed or interrupted
run never leaves one behind. :meth:`Stack.hurry` drops the grace period to nothing (a second
Ctrl-C). On Linux each child also gets SIGTERM from the kernel if the orchestrator itself dies
(``PR_SET_PDEATHSIG``), so even a SIGKILL of the orchestrator leaves no estate running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from peakready.errors import ComponentStartError

__all__ = ["Component", "Stack", "peakready_argv"]

log = logging.getLogger("peakready.stack")
_READY = re.compile(r"listening on (https?://\S+)")


def _death_signal() -> Callable[[], None] | None:
    """A pre-exec hook asking the kernel to SIGTERM the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    # Loaded here, in the parent: the hook itself only makes one C call after fork.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


_PRE_EXEC = _death_signal()


def peakready_argv(*args: str) -> list[str]:
    """The command line that runs this installation's CLI (same interpreter, no PATH lookup)."""
    return [sys.executable, "-m", "peakready.cli", *args]


@dataclass
class Component:
    name: str
    argv: list[str]
    health_path: str = "/__admin/health"
    url: str = ""
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    log_path: Path | None = None
    stopping: bool = False


class Stack:
    """An async context manager owning child processes; every exit path stops them all."""

    def __init__(self, log_dir: Path, *, start_timeout: float = 30.0,
                 stop_grace: float = 5.0) -> None:
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.stop_grace = stop_grace
        self.components: dict[str, Component] = {}
        self._drains: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Stack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop_all()

    def url(self, name: str) -> str:
        return self.components[name].url

    def hurry(self) -> None:
        """From now on stopping kills at once (the user asked twice)."""
        self.stop_grace = 0.0

    async def _exec(self, component: Component, *, stdout: int | None,
                    env: Mapping[str, str] | None, cwd: Path | str | None) -> None:
        assert component.log_path is not None
        # Registered first, created in a task that a cancellation cannot abandon: if this
        # coroutine is cancelled mid-fork, the process still lands in component.process
        # and stop_all() ends it.
        self.components[component.name] = component
        with component.log_path.open("ab") as log_file:
            creating = asyncio.ensure_future(asyncio.create_subprocess_exec(
                *component.argv, stdout=stdout if stdout is not None else log_file,
                stderr=log_file, stdin=asyncio.subprocess.DEVNULL,
                env=None if env is None else dict(env), cwd=cwd, process_group=0,
                preexec_fn=_PRE_EXEC))

            def keep(task: asyncio.Future[asyncio.subprocess.Process]) -> None:
                if not task.cancelled() and task.exception() is None:
                    component.process = task.result()

            creating.add_done_callback(keep)
            try:
                await asyncio.shield(creating)
            except asyncio.CancelledError:
                with contextlib.suppress(BaseException):
                    await creating
                raise
            except OSError as exc:
                raise ComponentStartError(
                    f"{component.name}: cannot run {component.argv[0]}: {exc}") from exc

    async def start(self, name: str, argv: Sequence[str], *,
                    health_path: str = "/__admin/health",
                    env: Mapping[str, str] | None = None) -> Component:
        """Start a server and wait until it is ready and healthy."""
        component = Component(name, list(argv), health_path,
                              log_path=self.log_dir / f"{name}.log")
        await self._exec(component, stdout=asyncio.subprocess.PIPE, env=env, cwd=None)
        try:
            component.url = await asyncio.wait_for(self._ready_url(component),
                                                   self.start_timeout)
            await self._health_check(component)
        except (TimeoutError, ComponentStartError) as exc:
            detail = self.log_tail(name)
            reason = "did not become ready in time" if isinstance(exc, TimeoutError) else str(exc)
            raise ComponentStartError(
                f"{name} ({' '.join(component.argv[2:])}) {reason}; log {component.log_path}:"
                f"\n{detail}") from exc
        log.info("%s ready at %s", name, component.url)
        return component

    async def spawn(self, name: str, argv: Sequence[str], *,
                    env: Mapping[str, str] | None = None,
                    cwd: Path | str | None = None) -> Component:
        """Start a process that announces nothing (Locust, a connector); output → its log."""
        component = Component(name, list(argv), "", log_path=self.log_dir / f"{name}.log")
        await self._exec(component, stdout=None, env=env, cwd=cwd)
        return component

    async def _ready_url(self, component: Component) -> str:
        process = component.process
        assert process is not None and process.stdout is not None
        while True:
            line = await process.stdout.readline()
            if not line:
                await process.wait()
                raise ComponentStartError(f"exited with code {process.returncode} before ready")
            match = _READY.search(line.decode(errors="replace"))
            if match:
                # Keep draining stdout so a chatty child never blocks on a full pipe.
                task = asyncio.get_running_loop().create_task(self._drain(process.stdout))
                self._drains.add(task)
                task.add_done_callback(self._drains.discard)
                return match.group(1).rstrip("/")

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while await stream.read(65536):
                pass

    async def _health_check(self, component: Component) -> None:
        if not component.health_path:
            return
        async with httpx.AsyncClient(timeout=2.0) as client:
            for _ in range(50):
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(component.url + component.health_path)
                    if response.status_code < 500:
                        return
                await asyncio.sleep(0.1)
        raise ComponentStartError(f"health check {component.health_path} failed")

    def log_tail(self, name: str, lines: int = 15) -> str:
        component = self.components.get(name)
        path = component.log_path if component else self.log_dir / f"{name}.log"
        if path is None or not path.exists():
            return "(no log)"
        text = path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(empty log)"

    def dead(self) -> list[tuple[str, int]]:
        """``(name, exit code)`` of every component that exited without being stopped."""
        return [(c.name, c.process.returncode) for c in self.components.values()
                if c.process is not None and c.process.returncode is not None
                and not c.stopping]

    def pids(self) -> dict[str, int]:
        """Name → pid of every child still running."""
        return {c.name: c.process.pid for c in self.components.values()
                if c.process is not None and c.process.returncode is None}

    async def stop(self, name: str, *, grace: float | None = None) -> int | None:
        """SIGTERM the child's process group; SIGKILL after ``grace``. Its exit code."""
        component = self.components.get(name)
        process = component.process if component else None
        if component is None or process is None:
            self.components.pop(name, None)
            return None
        component.stopping = True
        if process.returncode is None:
            grace = self.stop_grace if grace is None else min(grace, self.stop_grace)
            _signal_group(process.pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
            try:
                await asyncio.wait_for(asyncio.shield(process.wait()), max(grace, 0.01))
            except TimeoutError:
                if grace > 0:
                    log.warning("%s ignored SIGTERM for %.0f s; killing it", name, grace)
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        # The group may outlive its leader (a shell's children): make sure it is gone.
        _signal_group(process.pid, signal.SIGKILL)
        self.components.pop(name, None)
        return process.returncode

    async def stop_all(self) -> None:
        """Stop every child at once (they are independent by the time the estate goes)."""
        names = list(reversed(self.components))
        results = await asyncio.gather(*(self.stop(n) for n in names), return_exceptions=True)
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("stopping %s: %r", name, result)
                component = self.components.pop(name, None)
                if component and component.process:
                    _signal_group(component.process.pid, signal.SIGKILL)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
