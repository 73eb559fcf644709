"""``bandwidth`` on real sockets (toxiproxy-api.md §6): KB = 1000 B, len/rate, rate <= 0 stalls."""

from __future__ import annotations

import asyncio
import time
from typing import Any


def _sender(payload: bytes, *, pieces: int = 1, gap: float = 0.0) -> Any:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = len(payload) // pieces
        for i in range(pieces):
            writer.write(payload[i * size:(i + 1) * size if i < pieces - 1 else None])
            await writer.drain()
            if gap:
                await asyncio.sleep(gap)
        await reader.read(1)  # hold the connection open

    return handler


async def _timed_read(reader: asyncio.StreamReader, size: int, timeout: float = 10.0) -> float:
    start = time.monotonic()
    await asyncio.wait_for(reader.readexactly(size), timeout)
    return time.monotonic() - start


def test_rate_limits_a_large_write(run_kit: Any) -> None:
    """60 000 B at 100 KB/s (1 KB = 1000 B): about 0.6 s, in 10 000 B pieces 100 ms apart."""

    async def main(kit: Any) -> None:
        server = await kit.server(_sender(b"b" * 60_000))
        proxy = await kit.proxy(server.address, kit.toxic("bandwidth", rate=100))
        reader, _writer = await kit.connect(proxy)
        elapsed = await _timed_read(reader, 60_000)
        assert 0.6 * 0.8 <= elapsed <= 0.6 * 1.2, elapsed

    run_kit(main)


def test_many_small_chunks_carry_the_timer_error(run_kit: Any) -> None:
    """200 chunks of 100 B at 40 KB/s: each waits 2.5 ms; the total stays close to 0.5 s."""

    async def main(kit: Any) -> None:
        server = await kit.server(_sender(b"c" * 20_000, pieces=200, gap=0.001))
        proxy = await kit.proxy(server.address, kit.toxic("bandwidth", rate=40))
        reader, _writer = await kit.connect(proxy)
        elapsed = await _timed_read(reader, 20_000)
        assert 0.5 * 0.8 <= elapsed <= 0.5 * 1.2, elapsed

    run_kit(main)


def test_upstream_rate_applies_to_requests(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("bandwidth", "upstream", rate=50))
        reader, writer = await kit.connect(proxy)
        elapsed = await kit.roundtrip(reader, writer, b"u" * 20_000, timeout=5)
        assert 0.4 * 0.8 <= elapsed <= 0.4 * 1.2, elapsed

    run_kit(main)


def test_rate_zero_stalls_until_removed(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("bandwidth", rate=0))
        reader, writer = await kit.connect(proxy)
        writer.write(b"stuck")
        data, how = await kit.read_until_close(reader, timeout=0.4)
        assert (data, how) == (b"", "timeout")  # open, and nothing passes
        proxy.remove_toxic("bandwidth_downstream")
        assert await asyncio.wait_for(reader.readexactly(5), 1) == b"stuck"
        assert await kit.roundtrip(reader, writer) < 0.05

    run_kit(main)


def test_raising_the_rate_live_speeds_up_the_transfer(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        server = await kit.server(_sender(b"d" * 100_000))
        proxy = await kit.proxy(server.address, kit.toxic("bandwidth", rate=20))
        reader, _writer = await kit.connect(proxy)
        await asyncio.sleep(0.3)  # ~6 000 B through at 20 KB/s; 5 s left at that rate
        proxy.update_toxic("bandwidth_downstream", {"rate": 1000}, None)
        elapsed = await _timed_read(reader, 100_000, timeout=5)
        assert elapsed < 1.0, elapsed

    run_kit(main)


def test_large_chunk_goes_out_in_rate_x_100_byte_pieces_every_100_ms(run_kit: Any) -> None:
    """3 500 B at 10 KB/s: 1 000 B at 100, 200 and 300 ms, the last 500 B at 350 ms."""

    async def main(kit: Any) -> None:
        server = await kit.server(_sender(b"p" * 3500))
        proxy = await kit.proxy(server.address, kit.toxic("bandwidth", rate=10))
        reader, _writer = await kit.connect(proxy)
        start = time.monotonic()
        seen: list[tuple[int, float]] = []
        while sum(n for n, _ in seen) < 3500:
            data = await asyncio.wait_for(reader.read(65536), 2)
            seen.append((len(data), time.monotonic() - start))
        assert [n for n, _ in seen] == [1000, 1000, 1000, 500]
        for (_, at), due in zip(seen, (0.1, 0.2, 0.3, 0.35), strict=True):
            assert -0.003 <= at - due <= 0.03, seen

    run_kit(main)
