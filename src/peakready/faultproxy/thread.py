"""``FaultProxyThread``: a FaultProxyServer on its own event loop in a background thread.

For synchronous callers (pytest fixtures, scripts) that want the real server in-process
without a subprocess::

    with FaultProxyThread(seed=7) as fp:
        httpx.get(fp.url + "/proxies")
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from peakready.faultproxy.server import FaultProxyServer

__all__ = ["FaultProxyThread"]

T = TypeVar("T")


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed: the loop ``peakready proxy`` itself runs on."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class FaultProxyThread:
    """Starts on construction; :meth:`close` (or leaving the ``with``) stops everything."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self.loop = _new_loop()
        self.server = FaultProxyServer(host, port, **kwargs)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="peakready-faultproxy")
        self._thread.start()
        try:
            self.host, self.port = self.call(self.server.start())
        except BaseException:
            self._halt()
            raise
        self.url = self.server.url

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def _halt(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self.loop.close()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            self.call(self.server.stop())
        finally:
            self._halt()

    def __enter__(self) -> FaultProxyThread:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
