"""One direction of one proxied connection: source socket → toxic chain → destination socket.

::

    fast path (no toxics):   source.data_received ──────────────────────────► dest.write
    chain (≥ 1 toxic):       source.data_received → input Chan → Stub(noop) → Stub(t1) → …
                                                  → output Chan → _deliver → dest.write

A link with no toxics writes straight through (back-pressure: the destination's
``pause_writing`` pauses the source). The first toxic added builds the chain (a hidden noop
first, as in Toxiproxy); when the last one is removed and the chain has drained, the link goes
back to the fast path. Two shortcuts keep the chain cheap without changing its behaviour: a
chunk skips the hidden noop's task when that noop is idle with nothing queued, and the output
channel is consumed synchronously (``_deliver``) unless the destination is paused.

Toxic changes are queued per link and applied in order by one task, because interrupting a
stub waits for it (``Proxy.settle()`` waits for every queue). Whenever a toxic (re)starts on a
stub, the link draws its toxicity and builds the run (the toxic, or a noop when the draw says
off) and hands it to the stub: the stub only runs what it is given.

The end of stream travels through the chain like data, so a latency toxic delays the close too.
When it reaches the output the destination is closed *fully* (no half-close) and the connection
tells the other link that its source has ended.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from typing import TYPE_CHECKING, Literal

from peakready.faultproxy.stub import Chan, Chunk, Stub
from peakready.faultproxy.toxics.base import REGISTRY, ToxicConfig, ToxicType
from peakready.faultproxy.toxics.noop import NoopToxic

if TYPE_CHECKING:
    import random

    from peakready.faultproxy.connection import Connection

__all__ = ["CHUNK_SIZE", "Direction", "Link"]

Direction = Literal["upstream", "downstream"]  # upstream: client → server

CHUNK_SIZE = 32 * 1024
# Chunks the socket may queue before the source is paused (Toxiproxy's input is unbuffered; a
# few slots spare a pause/resume per chunk without changing any toxic's timing).
_INPUT_CAPACITY = 4
_HIDDEN_NOOP = ToxicConfig(name="__noop__", type="noop", stream="", toxicity=1.0, attributes={})


def _wake_on_done(waiter: asyncio.Future[None], _task: asyncio.Task[bool]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Link:
    def __init__(self, conn: Connection, direction: Direction, source: asyncio.Transport,
                 dest: asyncio.Transport, rng: random.Random, configs: list[ToxicConfig]) -> None:
        self.direction = direction
        self.source = source
        self.dest = dest
        self.rng = rng
        self.received = 0
        self.sent = 0
        self.fast = True
        self.eof = False  # the source has ended
        self.finished = False  # the destination has been closed
        self.dest_paused = False
        self.dest_lost = False
        self._conn = conn
        self._reading_paused = True  # the connection keeps the source paused until started
        self._blocked = False  # the output waits for the paused destination to drain
        self.input: Chan | None = None
        self.output: Chan | None = None
        self.stubs: list[Stub] = []
        self.configs: list[ToxicConfig] = []
        self._ops: deque[tuple[str, ToxicConfig]] = deque()
        self._op_task: asyncio.Task[None] | None = None
        self._want_fast = False
        if configs:
            self._build_chain(configs)

    # -- data in -----------------------------------------------------------------------------
    def start(self) -> None:
        self._update_reading()

    def feed(self, data: bytes) -> None:
        if self.eof:
            return
        self.received += len(data)
        if self.fast:
            if not self.dest_lost:
                self.dest.write(data)
                self.sent += len(data)
            return
        inp = self.input
        assert inp is not None
        ts = time.monotonic()
        if len(data) <= CHUNK_SIZE:
            self._enter(inp, Chunk(data, ts))
        else:
            view = memoryview(data)
            for i in range(0, len(data), CHUNK_SIZE):
                self._enter(inp, Chunk(bytes(view[i:i + CHUNK_SIZE]), ts))
        if len(inp) >= inp.capacity:
            self._update_reading()

    def _enter(self, inp: Chan, chunk: Chunk) -> None:
        noop = self.stubs[0]
        # The hidden noop would only move the chunk along: skip its task when it is waiting
        # with nothing queued (FIFO holds) and its output has room.
        if noop.idle and not noop.interrupting and not len(inp):
            out = noop.output
            if len(out) < out.capacity:
                out.put_nowait(chunk)
                return
        inp.put_nowait(chunk)

    def feed_eof(self) -> None:
        if self.eof:
            return
        self.eof = True
        if self.fast:
            self._finish()
        else:
            assert self.input is not None
            self.input.put_nowait(None)

    def _update_reading(self) -> None:
        if self.eof or self.source.is_closing():
            return
        if self.fast:
            pause = self.dest_paused
        else:
            assert self.input is not None
            pause = len(self.input) >= self.input.capacity
        if pause != self._reading_paused:
            self._reading_paused = pause
            if pause:
                self.source.pause_reading()
            else:
                self.source.resume_reading()

    # -- destination flow control (called by the destination's protocol) -------------------
    def dest_pause(self) -> None:
        self.dest_paused = True
        if self.fast:
            self._update_reading()

    def dest_resume(self) -> None:
        self.dest_paused = False
        if self.fast:
            self._update_reading()
        elif self._blocked:
            self._blocked = False
            out = self.output
            assert out is not None
            while len(out) and not self._blocked:
                self._deliver(out.take())

    def dest_gone(self) -> None:
        self.dest_lost = True
        self.dest_resume()

    # -- data out ----------------------------------------------------------------------------
    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._want_fast = False
        if not self.dest.is_closing():
            self.dest.close()
        self._conn.link_finished(self)

    def _deliver(self, item: Chunk | None) -> bool:
        """The output channel's consumer: write ``item``; False while the destination is
        paused (the item then waits in the channel and the chain backs up behind it)."""
        if self._blocked:
            return False
        if item is None:
            self._finish()
            return True
        if item.data and not (self.dest_lost or self.finished):
            self.dest.write(item.data)
            self.sent += len(item.data)
            if self.dest_paused:
                self._blocked = True
        if self._want_fast:
            asyncio.get_running_loop().call_soon(self._try_fast)
        return True

    # -- chain management --------------------------------------------------------------------
    def _build_chain(self, configs: list[ToxicConfig]) -> None:
        """Switch to the chain path with ``configs`` (Toxiproxy's NewToxicLink + Start)."""
        self.fast = False
        self.input = Chan(_INPUT_CAPACITY)
        self.input.on_take = self._update_reading
        chain = [_HIDDEN_NOOP, *configs]
        chans = [self.input]
        chans += [Chan(REGISTRY[c.type].buffer_size) for c in configs]
        chans.append(Chan(0))
        self.output = chans[-1]
        self.output.consumer = self._deliver
        self._blocked = False
        self.stubs = []
        for i, config in enumerate(chain):
            stub = Stub(chans[i], chans[i + 1])
            stub.state = REGISTRY[config.type].new_state()
            self.stubs.append(stub)
        self.configs = chain
        for stub, config in zip(self.stubs, chain, strict=True):
            self._run(stub, config)
        self._update_reading()

    def _run(self, stub: Stub, config: ToxicConfig) -> None:
        """(Re)start ``config`` on ``stub``; its toxicity is drawn here, once per (re)start."""
        toxic: ToxicType
        if self.rng.random() < config.toxicity:
            toxic = REGISTRY[config.type](config.attributes, self.rng)
        else:
            toxic = NoopToxic()
        stub.run(toxic)

    def _try_fast(self) -> bool:
        """Back to the fast path once only the hidden noop is left and nothing is in flight."""
        if not self._want_fast or len(self.stubs) != 1 or self.eof or self.finished:
            return False
        noop = self.stubs[0]
        assert self.input is not None and self.output is not None
        if len(self.input) or len(self.output) or not noop.idle or noop.interrupting:
            return False
        noop.cancel()
        self.output.consumer = None
        self.stubs, self.configs = [], []
        self.input = self.output = None
        self._want_fast = False
        self.fast = True
        self._update_reading()
        return True

    def post(self, op: str, config: ToxicConfig) -> None:
        """Queue ``add`` / ``update`` / ``remove`` of ``config``; applied in order."""
        if self.finished:
            return
        self._ops.append((op, config))
        if self._op_task is None:
            self._op_task = asyncio.get_running_loop().create_task(self._run_ops())

    async def settle(self) -> None:
        """Wait until every queued toxic change has been applied."""
        while self._op_task is not None:
            await asyncio.wait([self._op_task])

    async def _run_ops(self) -> None:
        try:
            while self._ops:
                op, config = self._ops.popleft()
                if self.finished:
                    continue
                if op == "add":
                    await self._add(config)
                elif op == "update":
                    await self._update(config)
                else:
                    await self._remove(config)
        finally:
            self._op_task = None

    def _index(self, config: ToxicConfig) -> int | None:
        for i, known in enumerate(self.configs):
            if known is config:
                return i
        return None

    async def _add(self, config: ToxicConfig) -> None:
        self._want_fast = False
        if self.fast:
            self._build_chain([config])
            return
        cls = REGISTRY[config.type]
        last = self.stubs[-1]
        stub = Stub(Chan(cls.buffer_size), last.output)
        if await last.interrupt():
            last.output = stub.input
            stub.state = cls.new_state()
            self.stubs.append(stub)
            self.configs.append(config)
            self._run(stub, config)
            # Appending restarts the previous last toxic: its toxicity is drawn again.
            self._run(last, self.configs[-2])

    async def _update(self, config: ToxicConfig) -> None:
        index = self._index(config)
        if index is None:
            return
        stub = self.stubs[index]
        if await stub.interrupt():
            self._run(stub, config)

    async def _remove(self, config: ToxicConfig) -> None:
        index = self._index(config)
        if index is None or index == 0:
            return
        stub, prev = self.stubs[index], self.stubs[index - 1]
        if not await stub.interrupt():
            return
        REGISTRY[config.type](config.attributes, self.rng).cleanup(stub)
        if stub.closed:  # e.g. timeout: removal ends the link
            return
        # Stop the previous stage while passing on whatever it still pushes into the removed
        # stage's input, so it is never blocked on a stage that no longer runs.
        loop = asyncio.get_running_loop()
        prev_stop = loop.create_task(prev.interrupt())
        while not (prev_stop.done() and prev_stop.result()):
            if stub.input.ready():
                item = stub.input.take()
                if item is None:
                    stub.close()
                    await prev_stop
                    return
                await stub.output.put(item)
                continue
            if prev_stop.done():  # previous stage closed and its end is already passed on
                return
            waiter: asyncio.Future[None] = loop.create_future()
            stub.input.add_getter(waiter)
            prev_stop.add_done_callback(functools.partial(_wake_on_done, waiter))
            try:
                await waiter
            finally:
                stub.input.remove_getter(waiter)
        while len(stub.input):
            item = stub.input.take()
            if item is None:
                stub.close()
                return
            await stub.output.put(item)
        prev.output = stub.output
        del self.stubs[index]
        del self.configs[index]
        # Removing the toxic after it restarts the previous one: a new toxicity draw.
        self._run(prev, self.configs[index - 1])
        if len(self.stubs) == 1:
            self._want_fast = True
            # The restarted noop needs a loop turn to be waiting again; the writer also retries
            # before each wait, so a busy link switches over after its next chunk at the latest.
            for _ in range(3):
                if self._try_fast():
                    break
                await asyncio.sleep(0)

    # -- teardown ----------------------------------------------------------------------------
    def tasks(self) -> list[asyncio.Task[None]]:
        found = [s.task for s in self.stubs if s.task is not None]
        if self._op_task is not None:
            found.append(self._op_task)
        return found

    def cancel(self) -> None:
        self.finished = True
        self._ops.clear()
        for task in self.tasks():
            if not task.done():
                task.cancel()
