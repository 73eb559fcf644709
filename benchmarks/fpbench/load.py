"""A lean keep-alive HTTP/1.1 load client on raw asyncio protocols (runs on uvloop)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

_REQUEST = b"GET /V1/stockItems/24-MB01 HTTP/1.1\r\nHost: bench\r\nAccept: */*\r\n\r\n"


@dataclass
class Load:
    """Shared state of one load run; stops at ``requests`` responses or at ``deadline``."""

    requests: int | None = None
    deadline: float | None = None
    per_connection: int | None = None
    record: bool = False
    think: float = 0.0  # pause between a response and the next request on a connection
    record_from: float = 0.0  # perf_counter() before which latencies are not recorded (warm-up)
    done: int = 0
    stopped: bool = False
    latencies: list[float] = field(default_factory=list)

    def count(self, latency: float) -> None:
        self.done += 1
        if self.record and (not self.record_from or time.perf_counter() >= self.record_from):
            self.latencies.append(latency)
        if (self.requests is not None and self.done >= self.requests) or (
                self.deadline is not None and time.perf_counter() >= self.deadline):
            self.stopped = True


class _Client(asyncio.Protocol):
    def __init__(self, load: Load) -> None:
        self.load = load
        self.buffer = b""
        self.sent_at = 0.0
        self.served = 0
        self.transport: Any = None
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        self.sent_at = time.perf_counter()
        self.transport.write(_REQUEST)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            self.buffer = buffer
            return
        head = buffer[:head_end].lower()
        start = head.index(b"content-length:") + 15
        stop = head.find(b"\r\n", start)
        length = int(head[start:stop if stop >= 0 else len(head)])
        end = head_end + 4 + length
        if len(buffer) < end:
            self.buffer = buffer
            return
        self.buffer = buffer[end:]
        self.served += 1
        load = self.load
        load.count(time.perf_counter() - self.sent_at)
        per = load.per_connection
        if load.stopped or (per is not None and self.served >= per):
            if not self.finished.done():
                self.finished.set_result(None)
            return
        if load.think > 0:
            asyncio.get_running_loop().call_later(load.think, self._send_if_open)
        else:
            self._send()

    def _send_if_open(self) -> None:
        if not self.transport.is_closing() and not self.finished.done():
            if self.load.stopped:
                self.finished.set_result(None)
            else:
                self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.finished.set_exception(ConnectionError(f"connection lost: {exc}"))


async def _slot(port: int, load: Load) -> None:
    loop = asyncio.get_running_loop()
    while not load.stopped:
        transport, client = await loop.create_connection(lambda: _Client(load), "127.0.0.1", port)
        try:
            await client.finished
        finally:
            transport.close()


async def run_load(port: int, *, connections: int, seconds: float | None = None,
                   requests: int | None = None, per_connection: int | None = None,
                   record: bool = False, think: float = 0.0, warmup: float = 0.0
                   ) -> tuple[Load, float]:
    """Drive ``connections`` keep-alive loops; returns the load state and elapsed seconds.
    Latencies of the first ``warmup`` seconds (connection set-up) are not recorded."""
    start = time.perf_counter()
    load = Load(requests=requests, per_connection=per_connection, record=record, think=think,
                record_from=start + warmup if warmup else 0.0,
                deadline=None if seconds is None else start + seconds)
    await asyncio.gather(*(_slot(port, load) for _ in range(connections)))
    return load, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
