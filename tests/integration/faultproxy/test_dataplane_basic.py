"""Connection-level behaviour with no toxics (toxiproxy-api.md §7) and proxy lifecycle."""

from __future__ import annotations

import asyncio
import os
import random
import socket
from pathlib import Path
from typing import Any

import pytest

import peakready.faultproxy
from peakready.faultproxy.proxy import ListenError, Proxy, ProxyStats


def test_bytes_pass_both_ways_intact(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        reader, writer = await kit.connect(proxy)
        payload = os.urandom(3_000_000)  # many 32 KiB reads, back-pressure on both sockets
        writer.write(payload)
        echoed = await asyncio.wait_for(reader.readexactly(len(payload)), 10)
        assert echoed == payload

    run_kit(main)


def test_default_asyncio_loop_works_too(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=20))
        reader, writer = await kit.connect(proxy)
        elapsed = await kit.roundtrip(reader, writer, b"x" * 100_000)
        assert elapsed >= 0.019

    run_kit(main, loop_factory=asyncio.new_event_loop)


def test_dial_failure_closes_client_with_eof(run_kit: Any, closed_port: int) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.proxy(f"127.0.0.1:{closed_port}")
        reader, _writer = await kit.connect(proxy)  # the accept itself succeeds
        data, how = await kit.read_until_close(reader, timeout=2)
        assert (data, how) == (b"", "eof")
        assert proxy.stats().connections == 0

    run_kit(main)


def test_upstream_is_dialled_before_any_client_data(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        accepted = asyncio.Event()

        async def greeter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.set()
            writer.write(b"220 hello\r\n")  # a server-first protocol (SMTP, MySQL)
            await writer.drain()
            await reader.read(10)

        server = await kit.server(greeter)
        proxy = await kit.proxy(server.address)
        reader, _writer = await kit.connect(proxy)
        await asyncio.wait_for(accepted.wait(), 2)
        assert await asyncio.wait_for(reader.readexactly(11), 2) == b"220 hello\r\n"

    run_kit(main)


def test_no_half_close(run_kit: Any) -> None:
    """A client that sends, shuts down its write side and waits gets nothing back."""

    async def main(kit: Any) -> None:
        async def reply_after_eof(reader: asyncio.StreamReader,
                                  writer: asyncio.StreamWriter) -> None:
            request = await reader.read()  # until the client's FIN
            await asyncio.sleep(0.05)
            writer.write(b"reply to " + request)
            await writer.drain()

        server = await kit.server(reply_after_eof)
        # Direct: half-close works.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"req")
        writer.write_eof()
        assert await kit.read_until_close(reader) == (b"reply to req", "eof")
        writer.close()
        # Through the proxy: both sockets close as soon as the client's side ends.
        proxy = await kit.proxy(server.address)
        reader, writer = await kit.connect(proxy)
        writer.write(b"req")
        writer.write_eof()
        data, how = await kit.read_until_close(reader, timeout=2)
        assert (data, how) == (b"", "eof")

    run_kit(main)


def test_server_close_closes_client(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        async def say_and_close(reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
            writer.write(b"bye")
            await writer.drain()

        server = await kit.server(say_and_close)
        proxy = await kit.proxy(server.address)
        reader, _writer = await kit.connect(proxy)
        assert await kit.read_until_close(reader, timeout=2) == (b"bye", "eof")
        await asyncio.sleep(0.05)
        assert proxy.stats().connections == 0

    run_kit(main)


def test_stop_drops_connections_and_refuses_new_ones(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=10_000))
        port = int(proxy.listen.rpartition(":")[2])
        clients = [await kit.connect(proxy) for _ in range(3)]
        clients[0][1].write(b"held by the latency toxic")
        await asyncio.sleep(0.1)
        assert proxy.stats().connections == 3
        await asyncio.wait_for(proxy.stop(), 2)
        for reader, _writer in clients:
            data, how = await kit.read_until_close(reader, timeout=2)
            assert data == b""
            assert how in ("eof", "reset")
        assert proxy.stats().connections == 0
        assert not proxy.enabled
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        # Re-enabling binds the same address again; toxics stay.
        await proxy.start()
        assert proxy.listen == f"127.0.0.1:{port}"
        assert [t.name for t in proxy.toxics] == ["latency_downstream"]

    run_kit(main)


def test_listen_conflict_has_go_wording(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        twin = Proxy("twin", proxy.listen, proxy.upstream, rng=proxy.rng)
        with pytest.raises(ListenError) as caught:
            await twin.start()
        assert str(caught.value) == f"listen tcp {proxy.listen}: bind: address already in use"

    run_kit(main)


def test_stats_count_bytes_per_direction(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        reader, writer = await kit.connect(proxy)
        await kit.roundtrip(reader, writer, b"a" * 1000)
        live = proxy.stats()
        assert isinstance(live, ProxyStats)
        assert live.connections == 1
        assert live.live_received == {"upstream": 1000, "downstream": 1000}
        assert live.received == {"upstream": 0, "downstream": 0}
        assert live.received_total("upstream") == live.sent_total("downstream") == 1000
        writer.close()
        for _ in range(50):
            if proxy.stats().connections == 0:
                break
            await asyncio.sleep(0.02)
        done = proxy.stats()
        assert done.connections == 0
        assert done.received == {"upstream": 1000, "downstream": 1000}
        assert done.sent == {"upstream": 1000, "downstream": 1000}
        assert done.live_sent == {"upstream": 0, "downstream": 0}
        assert done.received_total("downstream") == 1000  # counted once, not twice
        assert done.accepted == 1

    run_kit(main)


def test_many_connections_are_independent(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        clients = [await kit.connect(proxy) for _ in range(50)]
        await asyncio.gather(*(kit.roundtrip(r, w, f"client {i}".encode() * 100)
                               for i, (r, w) in enumerate(clients)))
        assert proxy.stats().connections == 50

    run_kit(main)


def test_ipv6_loopback_listen(run_kit: Any) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")

    async def main(kit: Any) -> None:
        server = await kit.server()
        proxy = Proxy("v6", "[::1]:0", server.address, rng=random.Random(1))
        try:
            await proxy.start()
        except ListenError:
            pytest.skip("::1 not bindable here")
        try:
            assert proxy.listen.startswith("[::1]:")
            port = int(proxy.listen.rpartition(":")[2])
            reader, writer = await asyncio.open_connection("::1", port)
            assert await kit.roundtrip(reader, writer) < 2
            writer.close()
        finally:
            await proxy.stop()

    run_kit(main)


def test_chain_path_keeps_bytes_intact_under_back_pressure(run_kit: Any) -> None:
    """A client that stops reading for a while: the chain backs up, nothing is lost."""

    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=5),
                                     kit.toxic("noop", "upstream"),
                                     kit.toxic("slicer", "upstream", average_size=20_000,
                                               size_variation=5_000))
        reader, writer = await kit.connect(proxy)
        payload = os.urandom(4_000_000)
        writer.write(payload)
        await asyncio.sleep(0.3)  # not reading: every buffer on the way fills up
        (conn,) = proxy._connections
        assert conn.down.input is not None
        assert len(conn.down.input) <= conn.down.input.capacity + 8  # bounded, not buffering all
        echoed = await asyncio.wait_for(reader.readexactly(len(payload)), 20)
        assert echoed == payload

    run_kit(main)



def _faultproxy_tasks() -> list[asyncio.Task[Any]]:
    """Live tasks running the fault proxy's own code, told apart by the package's folder.

    A substring of the path (``"peakready"``) would also match this test's helpers when the
    checkout itself lives in a folder of that name.
    """
    package = Path(peakready.faultproxy.__file__).resolve().parent
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and Path(code.co_filename).resolve().is_relative_to(package):
            found.append(task)
    return found


def test_task_filter_ignores_tasks_of_code_outside_the_package(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=5_000))
        _reader, writer = await kit.connect(proxy)
        writer.write(b"held by the latency toxic")
        await asyncio.sleep(0.05)
        assert _faultproxy_tasks() != []  # the filter sees the data plane's tasks ...
        async def helper_of_this_test() -> None:
            await asyncio.sleep(5)

        helper = asyncio.get_running_loop().create_task(helper_of_this_test())
        await proxy.stop()
        await asyncio.sleep(0)
        assert _faultproxy_tasks() == []  # ... and not this test's own, wherever it lives
        helper.cancel()

    run_kit(main)


def test_stop_leaves_no_task_behind(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=5_000),
                                     kit.toxic("bandwidth", "upstream", rate=0),
                                     kit.toxic("timeout", "upstream", timeout=0, name="t"))
        clients = [await kit.connect(proxy) for _ in range(5)]
        for _reader, writer in clients:
            writer.write(b"stuck somewhere in a chain")
        await asyncio.sleep(0.05)
        proxy.update_toxic("t", {"timeout": 0}, None)  # an op queued on every link
        await proxy.stop()
        await asyncio.sleep(0)
        assert _faultproxy_tasks() == []

    run_kit(main)


def test_unassignable_listen_address_has_go_wording(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = Proxy("far", "192.0.2.1:0", "127.0.0.1:1", rng=random.Random(1))  # TEST-NET-1
        with pytest.raises(ListenError) as caught:
            await proxy.start()
        assert str(caught.value) == "listen tcp 192.0.2.1:0: bind: cannot assign requested address"

    run_kit(main)
