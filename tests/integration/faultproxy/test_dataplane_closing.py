"""Toxics that end connections (toxiproxy-api.md §6): slow_close, timeout, reset_peer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

TOL = 0.04


async def _say_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"bye")
    await writer.drain()


def test_slow_close_passes_data_then_delays_the_close(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        server = await kit.server(_say_and_close)
        proxy = await kit.proxy(server.address, kit.toxic("slow_close", delay=300))
        start = time.monotonic()
        reader, _writer = await kit.connect(proxy)
        assert await asyncio.wait_for(reader.readexactly(3), 1) == b"bye"
        assert time.monotonic() - start < 0.1
        data, how = await kit.read_until_close(reader, timeout=2)
        assert (data, how) == (b"", "eof")
        assert abs(time.monotonic() - start - 0.300) <= TOL

    run_kit(main)


def test_timeout_discards_data_and_closes_after_idle_time(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("timeout", timeout=300))
        reader, writer = await kit.connect(proxy)
        start = time.monotonic()
        # Echoes arrive downstream every 100 ms: each restarts the idle timer.
        for i in range(4):
            await asyncio.sleep(max(0.0, start + 0.1 * i - time.monotonic()))
            writer.write(b"ping")
        last_write = time.monotonic()
        data, how = await kit.read_until_close(reader, timeout=3)
        assert (data, how) == (b"", "eof")  # everything discarded, then a FIN
        assert abs(time.monotonic() - last_write - 0.3) <= TOL

    run_kit(main)


def test_timeout_fires_on_an_idle_connection(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("timeout", "upstream", timeout=200))
        start = time.monotonic()
        reader, _writer = await kit.connect(proxy)
        assert await kit.read_until_close(reader, timeout=2) == (b"", "eof")
        assert abs(time.monotonic() - start - 0.200) <= TOL

    run_kit(main)


def test_timeout_zero_hangs_and_removal_closes(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("timeout", timeout=0))
        reader, writer = await kit.connect(proxy)
        writer.write(b"lost")
        assert await kit.read_until_close(reader, timeout=0.4) == (b"", "timeout")
        start = time.monotonic()
        proxy.remove_toxic("timeout_downstream")
        # The discarded echo is never recovered: removal closes the connection at once.
        assert await kit.read_until_close(reader, timeout=2) == (b"", "eof")
        assert time.monotonic() - start < 0.1

    run_kit(main)


def test_removing_timeout_closes_only_connections_it_ran_on(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("timeout", "upstream", timeout=0, name="t"))
        other = await kit.echo_proxy()
        reader, _writer = await kit.connect(proxy)
        other_reader, other_writer = await kit.connect(other)
        proxy.remove_toxic("t")
        assert await kit.read_until_close(reader, timeout=2) == (b"", "eof")
        assert await kit.roundtrip(other_reader, other_writer) < 0.1

    run_kit(main)


def test_reset_peer_present_at_accept_sends_rst(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("reset_peer", timeout=100))
        reader, writer = await kit.connect(proxy)
        start = time.monotonic()
        writer.write(b"hello")  # the echo is the first downstream chunk: discarded
        data, how = await kit.read_until_close(reader, timeout=2)
        assert (data, how) == (b"", "reset")
        assert abs(time.monotonic() - start - 0.100) <= TOL

    run_kit(main)


def test_reset_peer_upstream_resets_after_first_client_write(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        server = await kit.server()
        proxy = await kit.proxy(server.address, kit.toxic("reset_peer", "upstream", timeout=0))
        reader, writer = await kit.connect(proxy)
        writer.write(b"never delivered")
        assert await kit.read_until_close(reader, timeout=2) == (b"", "reset")
        await asyncio.sleep(0.05)
        assert ("error", "ConnectionResetError") in server.events  # the server got an RST too

    run_kit(main)


def test_reset_peer_never_resets_an_idle_connection(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("reset_peer", timeout=0))
        reader, _writer = await kit.connect(proxy)
        assert await kit.read_until_close(reader, timeout=0.3) == (b"", "timeout")

    run_kit(main)


def test_reset_peer_added_to_open_connection_closes_with_fin(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        reader, writer = await kit.connect(proxy)
        assert await kit.roundtrip(reader, writer) < 0.1
        proxy.add_toxic(kit.toxic("reset_peer", timeout=50))
        await proxy.settle()
        writer.write(b"hello")
        assert await kit.read_until_close(reader, timeout=2) == (b"", "eof")
        # A connection accepted after the toxic was added gets the RST.
        reader2, writer2 = await kit.connect(proxy)
        writer2.write(b"hello")
        assert await kit.read_until_close(reader2, timeout=2) == (b"", "reset")

    run_kit(main)
