"""Chunks, channels and stubs: the pieces a link's toxic chain is built from.

::

    Chan ──► Stub(toxic instance) ──► Chan ──► Stub ──► … ──► Chan ──► link writer

A :class:`Chunk` is one socket read (≤ 32 KiB) stamped with its arrival time. A :class:`Chan`
is a FIFO between two stages; ``None`` in it marks the end of the stream and, like a closed Go
channel, keeps reading as ``None`` once it has been taken. A :class:`Stub` runs one toxic
instance as a task. It can be *interrupted* (so the link can rewire or restart it) only at the
points where Toxiproxy's toxics select on their interrupt channel: while receiving and while
sleeping. Sending is never interrupted, exactly as a blocking Go channel send.

The stub knows toxics only as :class:`Toxic` (something with ``pipe(stub)``): the link decides
which toxic runs (its toxicity draw) and builds it, so this module imports nothing from
``toxics/`` and the toxics import :class:`Chunk` and :class:`Stub` from here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any, Protocol

__all__ = ["Chan", "Chunk", "Interrupted", "Stub", "Toxic"]

log = logging.getLogger("peakready.faultproxy.link")


class Chunk:
    """One read from a socket; ``ts`` is its arrival time on ``time.monotonic()``'s clock."""

    __slots__ = ("data", "ts")

    def __init__(self, data: bytes, ts: float) -> None:
        self.data = data
        self.ts = ts


class Interrupted(Exception):
    """Raised inside a toxic's ``pipe`` when the link interrupts the stub while it receives."""


class Chan:
    """A FIFO of chunks between two stages of a chain.

    ``put_nowait`` never blocks (socket reads use it and apply back-pressure by pausing the
    transport); ``put`` waits while the channel holds ``capacity`` items.
    """

    __slots__ = ("_ended", "_getters", "_items", "_putters", "capacity", "consumer", "on_take")

    def __init__(self, capacity: int) -> None:
        # A Go channel of size 0 is a rendezvous; one slot is the closest asyncio equivalent.
        self.capacity = max(1, capacity)
        self._items: deque[Chunk | None] = deque()
        self._getters: list[asyncio.Future[None]] = []
        self._putters: list[asyncio.Future[None]] = []
        self._ended = False
        self.on_take: Any = None  # called after an item is taken (the link resumes reading)
        # A synchronous reader (the link's writer): takes an item on put and returns True, or
        # returns False while it cannot (destination paused) so items queue here instead.
        self.consumer: Any = None

    def __len__(self) -> int:
        return len(self._items)

    def ready(self) -> bool:
        """True when ``take`` would return at once (an item, or the end of stream)."""
        return bool(self._items) or self._ended

    def put_nowait(self, item: Chunk | None) -> None:
        if self.consumer is not None and not self._items and self.consumer(item):
            if item is None:
                self._ended = True
            return
        self._items.append(item)
        _wake(self._getters)

    async def put(self, item: Chunk | None) -> None:
        while len(self._items) >= self.capacity:
            fut = asyncio.get_running_loop().create_future()
            self._putters.append(fut)
            try:
                await fut
            finally:
                if fut in self._putters:
                    self._putters.remove(fut)
        self.put_nowait(item)

    def take(self) -> Chunk | None:
        """Pop the next item; call only when :meth:`ready`."""
        if not self._items:
            return None
        item = self._items.popleft()
        if item is None:
            self._ended = True
        _wake(self._putters)
        if self.on_take is not None:
            self.on_take()
        return item

    def add_getter(self, fut: asyncio.Future[None]) -> None:
        self._getters.append(fut)

    def remove_getter(self, fut: asyncio.Future[None]) -> None:
        if fut in self._getters:
            self._getters.remove(fut)

    async def get(self) -> Chunk | None:
        while not self.ready():
            fut = asyncio.get_running_loop().create_future()
            self._getters.append(fut)
            try:
                await fut
            finally:
                self.remove_getter(fut)
        return self.take()


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    for fut in waiters:
        if not fut.done():
            fut.set_result(None)
    waiters.clear()


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class Toxic(Protocol):
    """One run of a toxic on one stub (``toxics.base.ToxicType`` instances are these)."""

    async def pipe(self, stub: Stub) -> None:
        """Move chunks from ``stub.input`` to ``stub.output`` until closed or interrupted."""


class Stub:
    """Runs one toxic instance between ``input`` and ``output`` (Toxiproxy's ToxicStub)."""

    def __init__(self, input_chan: Chan, output: Chan) -> None:
        self.input = input_chan
        self.output = output
        self.state: Any = None  # per-connection state of stateful toxics (limit_data)
        self.closed = False
        self.idle = False  # waiting for input while holding nothing (safe to drop)
        self.task: asyncio.Task[None] | None = None
        self._interrupting = False
        self._waiter: asyncio.Future[None] | None = None

    @property
    def interrupting(self) -> bool:
        return self._interrupting

    # -- used by the link ----------------------------------------------------------------------
    def run(self, toxic: Toxic) -> None:
        """Start ``toxic`` (built by the link for this run) on this stub."""
        self._interrupting = False
        self.task = asyncio.get_running_loop().create_task(self._pipe(toxic))

    async def _pipe(self, toxic: Toxic) -> None:
        try:
            await toxic.pipe(self)
        except Interrupted:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:  # a toxic bug must end this connection, not hang it
            log.exception("toxic %s failed; closing the link", type(toxic).__name__)
            self.close()
        finally:
            self.idle = False

    async def interrupt(self) -> bool:
        """Stop the running toxic at its next receive or sleep. False if the stub closed."""
        if self.closed:
            return False
        task = self.task
        if task is None or task.done():
            return not self.closed
        self._interrupting = True
        if self._waiter is not None:
            _resolve(self._waiter)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                raise
        return not self.closed

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    # -- used by toxics ------------------------------------------------------------------------
    async def recv(self, timeout: float | None = None) -> Chunk | None:
        """Next chunk, or None at end of stream. Raises Interrupted, or TimeoutError when
        ``timeout`` seconds pass with nothing arriving."""
        chan = self.input
        if self._interrupting:
            raise Interrupted
        if chan.ready():
            return chan.take()
        loop = asyncio.get_running_loop()
        handle = None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            fut = loop.create_future()
            chan.add_getter(fut)
            self._waiter = fut
            if deadline is not None:
                handle = loop.call_later(max(0.0, deadline - time.monotonic()), _resolve, fut)
            self.idle = True
            try:
                await fut
            finally:
                self.idle = False
                self._waiter = None
                chan.remove_getter(fut)
                if handle is not None:
                    handle.cancel()
            if self._interrupting:
                raise Interrupted
            if chan.ready():
                return chan.take()
            if deadline is not None and time.monotonic() >= deadline - 0.0005:
                raise TimeoutError

    async def sleep(self, seconds: float) -> bool:
        """Sleep unless interrupted; True when the full time passed, False on interrupt."""
        if self._interrupting:
            return False
        if seconds <= 0:
            return True
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._waiter = fut
        handle = loop.call_later(seconds, _resolve, fut)
        try:
            await fut
        finally:
            handle.cancel()
            self._waiter = None
        return not self._interrupting

    async def wait_interrupt(self) -> None:
        """Block until the link interrupts this stub (a stalled toxic)."""
        while not self._interrupting:
            await self.sleep(3600.0)

    async def send(self, chunk: Chunk) -> None:
        await self.output.put(chunk)

    def close(self) -> None:
        """End this stage's output (Toxiproxy's ToxicStub.Close); the toxic must return."""
        if not self.closed:
            self.closed = True
            self.output.put_nowait(None)
