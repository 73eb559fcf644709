"""Starting and stopping the embedded estate as child processes.

::

    Stack
    ├── Component "faultproxy"   peakready proxy --port 0        ready line → API URL
    ├── Component "erp"          peakready mock erp --port 0     ready line → base URL
    └── ...                      each: own process, stderr to <log_dir>/<name>.log

Every component prints one ready line on stdout (``... listening on http://HOST:PORT``) once it
accepts connections; the stack waits for it (bounded), then health-checks the URL. Stopping is
SIGTERM, then SIGKILL after a grace period, always, also when start-up of a later component
fails, so a failed run never leaves processes behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from peakready.errors import ComponentStartError

__all__ = ["Component", "Stack", "peakready_argv"]

log = logging.getLogger("peakready.stack")
_READY = re.compile(r"listening on (https?://\S+)")


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


class Stack:
    """An async context manager owning the estate's processes."""

    def __init__(self, log_dir: Path, *, start_timeout: float = 20.0,
                 stop_grace: float = 5.0) -> None:
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.stop_grace = stop_grace
        self.components: dict[str, Component] = {}

    async def __aenter__(self) -> Stack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop_all()

    def url(self, name: str) -> str:
        return self.components[name].url

    async def start(self, name: str, argv: Sequence[str], *,
                    health_path: str = "/__admin/health") -> Component:
        component = Component(name, list(argv), health_path,
                              log_path=self.log_dir / f"{name}.log")
        self.components[name] = component
        assert component.log_path is not None
        with component.log_path.open("ab") as stderr_file:
            component.process = await asyncio.create_subprocess_exec(
                *component.argv, stdout=asyncio.subprocess.PIPE, stderr=stderr_file,
                stdin=asyncio.subprocess.DEVNULL)
        try:
            component.url = await asyncio.wait_for(self._ready_url(component),
                                                   self.start_timeout)
            await self._health_check(component)
        except (TimeoutError, ComponentStartError) as exc:
            detail = self._log_tail(component)
            reason = "did not become ready in time" if isinstance(exc, TimeoutError) else str(exc)
            raise ComponentStartError(
                f"{name} ({' '.join(component.argv[2:])}) {reason}; log {component.log_path}:"
                f"\n{detail}") from exc
        log.info("%s ready at %s", name, component.url)
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
                asyncio.get_running_loop().create_task(self._drain(process.stdout))
                return match.group(1).rstrip("/")

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        while await stream.read(65536):
            pass

    async def _health_check(self, component: Component) -> None:
        if not component.health_path:
            return
        async with httpx.AsyncClient(timeout=2.0) as client:
            for _ in range(20):
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(component.url + component.health_path)
                    if response.status_code < 500:
                        return
                await asyncio.sleep(0.1)
        raise ComponentStartError(f"health check {component.health_path} failed")

    def _log_tail(self, component: Component, lines: int = 15) -> str:
        if component.log_path is None or not component.log_path.exists():
            return "(no log)"
        text = component.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(empty log)"

    async def stop(self, name: str) -> None:
        component = self.components.pop(name, None)
        process = component.process if component else None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self.stop_grace)
        except TimeoutError:
            log.warning("%s ignored SIGTERM for %.0f s; killing it", name, self.stop_grace)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def stop_all(self) -> None:
        # Reverse start order: clients of a component stop before it does.
        for name in reversed(list(self.components)):
            await self.stop(name)
