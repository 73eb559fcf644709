"""``latency`` on real sockets (toxiproxy-api.md §6) and live toxic changes (§7)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

TOL = 0.015  # ± 15 ms on a loaded 2-core machine
LATE = 0.025  # single round trips: never early, and late only by scheduling noise


def test_latency_adds_delay_downstream(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=100))
        reader, writer = await kit.connect(proxy)
        for _ in range(3):
            elapsed = await kit.roundtrip(reader, writer)
            assert 0.100 - 0.002 <= elapsed <= 0.100 + TOL

    run_kit(main)


def test_latency_upstream_delays_requests(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", "upstream", latency=80))
        reader, writer = await kit.connect(proxy)
        elapsed = await kit.roundtrip(reader, writer)
        assert 0.078 <= elapsed <= 0.080 + TOL

    run_kit(main)


def test_delay_counts_from_arrival_not_cumulatively(run_kit: Any) -> None:
    """5 writes 20 ms apart under 100 ms arrive about 100/120/140/160/180 ms after the first."""

    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=100))
        reader, writer = await kit.connect(proxy)
        start = time.monotonic()
        arrivals: list[float] = []

        async def collect() -> None:
            got = 0
            while got < 5:
                data = await reader.read(100)
                got += len(data)
                arrivals.extend([time.monotonic() - start] * len(data))

        collector = asyncio.create_task(collect())
        for i in range(5):
            await asyncio.sleep(max(0.0, start + 0.020 * i - time.monotonic()))
            writer.write(b"x")
        await asyncio.wait_for(collector, 3)
        for i, arrived in enumerate(arrivals):
            assert abs(arrived - (0.100 + 0.020 * i)) <= TOL, arrivals

    run_kit(main)


def test_jitter_spreads_delays_within_bounds_and_keeps_order(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=60, jitter=40), seed=3)
        reader, writer = await kit.connect(proxy)
        samples = [await kit.roundtrip(reader, writer) for _ in range(25)]
        assert all(0.020 - 0.002 <= s <= 0.100 + TOL for s in samples), samples
        assert max(samples) - min(samples) > 0.030  # uniform in [20, 100): not constant
        # FIFO: messages 2 ms apart under a wide jitter come back in order.
        messages = b"".join(b"%03d;" % i for i in range(40))
        for i in range(40):
            writer.write(messages[i * 4:(i + 1) * 4])
            await asyncio.sleep(0.002)
        assert await asyncio.wait_for(reader.readexactly(len(messages)), 3) == messages

    run_kit(main)


def test_close_is_delayed_behind_queued_data(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        async def say_and_close(reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
            writer.write(b"bye")
            await writer.drain()

        server = await kit.server(say_and_close)
        proxy = await kit.proxy(server.address, kit.toxic("latency", latency=100))
        start = time.monotonic()
        reader, _writer = await kit.connect(proxy)
        data, how = await kit.read_until_close(reader, timeout=2)
        elapsed = time.monotonic() - start
        assert (data, how) == (b"bye", "eof")
        assert 0.098 <= elapsed <= 0.100 + TOL

    run_kit(main)


def test_removal_releases_held_chunk_at_once(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=2000))
        reader, writer = await kit.connect(proxy)
        writer.write(b"first")
        await asyncio.sleep(0.05)
        writer.write(b"second")  # queued behind the held chunk
        await asyncio.sleep(0.15)
        removed_at = time.monotonic()
        proxy.remove_toxic("latency_downstream")
        data = await asyncio.wait_for(reader.readexactly(11), 2)
        assert data == b"firstsecond"  # nothing dropped, order kept
        assert time.monotonic() - removed_at <= 0.05  # not the 2 s the toxic wanted
        assert await kit.roundtrip(reader, writer) < 0.05

    run_kit(main)


def test_live_add_update_remove_on_open_connection(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        reader, writer = await kit.connect(proxy)
        assert await kit.roundtrip(reader, writer) < 0.03
        proxy.add_toxic(kit.toxic("latency", latency=150))
        await proxy.settle()
        assert -0.002 <= await kit.roundtrip(reader, writer) - 0.150 <= LATE
        proxy.update_toxic("latency_downstream", {"latency": 50}, None)
        await proxy.settle()
        assert -0.002 <= await kit.roundtrip(reader, writer) - 0.050 <= LATE
        proxy.remove_toxic("latency_downstream")
        await proxy.settle()
        assert await kit.roundtrip(reader, writer) < 0.03
        (conn,) = proxy._connections
        await asyncio.sleep(0.01)
        assert conn.down.fast  # back on the fast path once the chain drained

    run_kit(main)


def test_update_merges_attributes_and_keeps_others(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=40, jitter=0))
        reader, writer = await kit.connect(proxy)
        updated = proxy.update_toxic("latency_downstream", {"jitter": 0}, 1.0)
        assert updated.attributes == {"latency": 40, "jitter": 0}
        await proxy.settle()
        assert -0.002 <= await kit.roundtrip(reader, writer) - 0.040 <= LATE

    run_kit(main)


def test_two_latency_toxics_add_up(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=60, name="a"),
                                     kit.toxic("latency", latency=40, name="b"))
        reader, writer = await kit.connect(proxy)
        assert -0.002 <= await kit.roundtrip(reader, writer) - 0.100 <= LATE
        proxy.remove_toxic("a")
        await proxy.settle()
        assert -0.002 <= await kit.roundtrip(reader, writer) - 0.040 <= LATE

    run_kit(main)


def test_connection_setup_is_not_delayed(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=300),
                                     kit.toxic("latency", "upstream", latency=300))
        start = time.monotonic()
        await kit.connect(proxy)
        assert time.monotonic() - start < 0.1

    run_kit(main)


def test_update_forwards_held_chunk_and_reapplies_to_queued_ones(run_kit: Any) -> None:
    """Update 1000 → 300 ms at 100 ms: the held chunk leaves at once; the queued one (arrived
    at 50 ms) is re-delayed from its arrival, so it leaves at about 350 ms."""

    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=1000))
        reader, writer = await kit.connect(proxy)
        writer.write(b"a")
        await asyncio.sleep(0.05)
        b_sent = time.monotonic()
        writer.write(b"b")
        await asyncio.sleep(0.05)
        updated = time.monotonic()
        proxy.update_toxic("latency_downstream", {"latency": 300}, None)
        assert await asyncio.wait_for(reader.readexactly(1), 2) == b"a"
        assert time.monotonic() - updated <= TOL
        assert await asyncio.wait_for(reader.readexactly(1), 2) == b"b"
        assert -0.002 <= time.monotonic() - b_sent - 0.300 <= TOL

    run_kit(main)
