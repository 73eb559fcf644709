"""SIGINT / SIGTERM for a command that owns children: stop politely once, at once twice.

::

    with Interrupts(task) as interrupts:     # handlers on the running loop
        first signal   → interrupts.signum set, the task cancelled: every ``finally`` of the
                         run runs (faults cleared, Locust stopped, a quick export, run.json
                         "interrupted"), then the estate's children are stopped
        second signal  → interrupts.stop_now set: slow steps (drain, export) are abandoned,
                         children are killed without a grace period; cleanup still happens
    exit code 128 + signal number: 130 for SIGINT, 143 for SIGTERM

The children run in their own process groups (:mod:`peakready.stack`), so a Ctrl-C in a
terminal reaches only this process, which stops them in order.

Any command that starts children gets the same policy with one call::

    return run_interruptible(lambda interrupts: my_main(args, interrupts))

(after a signal it raises ``SystemExit(130 | 143)`` once the coroutine's cleanup has run).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["Interrupts", "run_interruptible"]

log = logging.getLogger("peakready.run.signals")
T = TypeVar("T")
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    def __init__(self, task: asyncio.Future[Any] | None = None) -> None:
        self.task = task
        self.signum: int | None = None
        self.stop_now = asyncio.Event()
        self.on_hurry: list[Callable[[], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str | None:
        return None if self.signum is None else signal.Signals(self.signum).name

    def __enter__(self) -> Interrupts:
        self._loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            self._loop.add_signal_handler(sig, self._received, sig)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._loop is not None
        for sig in _SIGNALS:
            self._loop.remove_signal_handler(sig)

    def _received(self, sig: int) -> None:
        if self.signum is None:
            self.signum = sig
            log.warning("%s: stopping the run (again to stop at once)",
                        signal.Signals(sig).name)
            if self.task is not None:
                self.task.cancel()
            return
        if not self.stop_now.is_set():
            log.warning("%s again: stopping now", signal.Signals(sig).name)
            self.stop_now.set()
            for hurry in self.on_hurry:
                hurry()

    async def bounded(self, step: Awaitable[T], timeout: float) -> T | None:
        """``step`` unless it takes longer than ``timeout`` or the user insists: then None."""
        if self.stop_now.is_set():
            if asyncio.iscoroutine(step):
                step.close()
            return None
        task = asyncio.ensure_future(step)
        stopper = asyncio.ensure_future(self.stop_now.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task in done:
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None


def run_interruptible(main: Callable[[Interrupts], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main(interrupts))`` under the signal policy above."""

    async def runner() -> T:
        interrupts = Interrupts()
        task = asyncio.ensure_future(main(interrupts))
        interrupts.task = task
        with interrupts:
            try:
                return await task
            except asyncio.CancelledError:
                if interrupts.exit_code is None:
                    raise
                raise SystemExit(interrupts.exit_code) from None

    return asyncio.run(runner())
