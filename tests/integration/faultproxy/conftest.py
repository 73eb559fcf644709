"""Helpers for the fault proxy's data-plane tests: loopback servers, a running Proxy, clients.

Tests are sync functions that hand a coroutine to the ``arun`` fixture, which runs it on a fresh
uvloop loop (the loop the proxy process uses) with a hard timeout. The ``kit`` fixture gives the
async helpers; every server and proxy it starts is closed when the coroutine ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
import uvloop

from peakready.faultproxy.proxy import Proxy
from peakready.faultproxy.toxics.base import ToxicConfig
from support.sockets import free_port

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T], timeout: float = 30.0,
         loop_factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(bounded())


@pytest.fixture
def arun() -> Callable[..., Any]:
    return _run


class Server:
    """A loopback TCP server running ``handler(reader, writer)`` per connection."""

    def __init__(self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                         Awaitable[None]]) -> None:
        self.handler = handler
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.events: list[tuple[str, Any]] = []  # what handlers observed, for assertions
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> Server:
        async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.add(writer)
            try:
                await self.handler(reader, writer)
            except (ConnectionError, OSError) as exc:
                self.events.append(("error", type(exc).__name__))
            finally:
                self._writers.discard(writer)
                writer.close()

        self.server = await asyncio.start_server(wrapped, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 1.0)


async def echo_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


class Kit:
    """Async helpers bound to one test coroutine (everything started is closed at the end)."""

    def __init__(self) -> None:
        self._servers: list[Server] = []
        self._proxies: list[Proxy] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def server(self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                             Awaitable[None]] = echo_handler) -> Server:
        server = await Server(handler).start()
        self._servers.append(server)
        return server

    async def proxy(self, upstream: str, *toxics: ToxicConfig, seed: int = 7) -> Proxy:
        proxy = Proxy("test", "127.0.0.1:0", upstream, rng=random.Random(seed))
        for toxic in toxics:
            proxy.add_toxic(toxic)
        await proxy.start()
        self._proxies.append(proxy)
        return proxy

    async def echo_proxy(self, *toxics: ToxicConfig, seed: int = 7) -> Proxy:
        server = await self.server()
        return await self.proxy(server.address, *toxics, seed=seed)

    async def connect(self, proxy: Proxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        host, _, port = proxy.listen.rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        self._writers.append(writer)
        return reader, writer

    @staticmethod
    def toxic(type_: str, stream: str = "downstream", toxicity: float = 1.0,
              name: str | None = None, **attributes: int) -> ToxicConfig:
        return ToxicConfig(name=name or f"{type_}_{stream}", type=type_, stream=stream,
                           toxicity=toxicity, attributes=dict(attributes))

    @staticmethod
    async def roundtrip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        payload: bytes = b"ping", timeout: float = 5.0) -> float:
        """Send ``payload``, read it back in full; seconds taken."""
        start = time.monotonic()
        writer.write(payload)
        await asyncio.wait_for(reader.readexactly(len(payload)), timeout)
        return time.monotonic() - start

    @staticmethod
    async def read_until_close(reader: asyncio.StreamReader, timeout: float = 5.0
                               ) -> tuple[bytes, str]:
        """Everything until the peer closes; ``("...", "eof" | "reset" | "timeout")``."""
        received = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(received), "timeout"
            try:
                data = await asyncio.wait_for(reader.read(65536), left)
            except TimeoutError:
                return bytes(received), "timeout"
            except ConnectionResetError:
                return bytes(received), "reset"
            if not data:
                return bytes(received), "eof"
            received += data

    async def aclose(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        for proxy in self._proxies:
            await proxy.stop()
        for server in self._servers:
            await server.close()


@pytest.fixture
def kit() -> Kit:
    return Kit()


@contextlib.asynccontextmanager
async def _closing(kit: Kit) -> AsyncIterator[Kit]:
    try:
        yield kit
    finally:
        await kit.aclose()


@pytest.fixture
def run_kit(kit: Kit) -> Callable[..., Any]:
    """``run_kit(fn)`` runs ``await fn(kit)`` on uvloop and closes everything afterwards."""

    def runner(fn: Callable[[Kit], Awaitable[T]], timeout: float = 30.0,
               loop_factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
               ) -> T:
        async def main() -> T:
            async with _closing(kit):
                return await fn(kit)

        return _run(main(), timeout, loop_factory)

    return runner


@pytest.fixture
def closed_port() -> int:
    return free_port()
