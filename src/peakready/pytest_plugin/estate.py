"""The embedded estate for synchronous test code: ``open_estate`` on its own event-loop thread.

::

    test thread                         estate thread (asyncio loop)
    EstateHandle.start() ─────────────► async with open_estate(plan, run_dir) as estate:
       waits for ready (or the error)        ready ◄─┘   await stop event
    handle.call(coro) ───run_coroutine_threadsafe──► runs on the loop, result back
    handle.reset()                      mocks' and the simulator's POST /__admin/reset,
                                        the fault proxy's POST /reset (toxics off, proxies on)
    handle.stop() ────────────────────► stop event: open_estate stops every child

The children are created on the estate thread, which lives until stop(): their
parent-death signal (peakready.stack) then fires only when the estate really ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from peakready.errors import HarnessError

if TYPE_CHECKING:
    from peakready.config import Plan
    from peakready.run.estate import Estate

__all__ = ["EstateHandle"]

T = TypeVar("T")
_START_TIMEOUT = 120.0


class EstateHandle:
    """One running estate; :attr:`estate` is RUN's :class:`~peakready.run.estate.Estate`."""

    def __init__(self, plan: Plan, run_dir: Path) -> None:
        self.plan = plan
        self.run_dir = run_dir
        self._estate: Estate | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="peakready-estate",
                                        daemon=True)

    # -- life -------------------------------------------------------------------------------
    def start(self) -> EstateHandle:
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise HarnessError(f"the embedded estate did not start in {_START_TIMEOUT:g} s "
                               f"(logs: {self.run_dir / 'logs'})")
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # handed to the test thread by start()
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        from peakready.run.estate import open_estate

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with open_estate(self.plan, self.run_dir) as estate:
            self._estate = estate
            self._ready.set()
            await self._stop.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run ``coro`` on the estate's loop (where its clients live) and return its result."""
        if self._loop is None:
            coro.close()
            raise HarnessError("the estate is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- what tests use ---------------------------------------------------------------------
    @property
    def estate(self) -> Estate:
        if self._estate is None:
            raise HarnessError("the estate is not running")
        return self._estate

    @property
    def magento_url(self) -> str:
        """The store's base URL (REST under ``/rest/V1``)."""
        return self.estate.magento_direct

    @property
    def token(self) -> str:
        """The simulator's admin bearer token (this session's own, never written anywhere)."""
        return self.estate.token

    @property
    def mocks(self) -> dict[str, str]:
        """Back-end name → the mock's own URL (its business and ``/__admin`` API)."""
        return dict(self.estate.mocks)

    @property
    def proxies(self) -> dict[str, str]:
        """Link name → the fault proxy's listener (``host:port``) in front of that mock."""
        return dict(self.estate.proxies)

    @property
    def fault_proxy_url(self) -> str:
        return self.estate.components()["faultproxy"]

    def reset(self) -> None:
        """Every mock, the simulator and the fault proxy back to their state at start."""
        urls = [*self.estate.mocks.values(), self.estate.magento_direct]
        with httpx.Client(timeout=30.0) as client:
            for url in urls:
                client.post(url + "/__admin/reset").raise_for_status()
            client.post(self.fault_proxy_url + "/reset").raise_for_status()
