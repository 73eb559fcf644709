"""The estate's lean HTTP/1.1 client against raw loopback servers that answer exactly what each
case needs (keep-alive, chunked, close-delimited, stalls, trickles, resets, garbage)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest

from peakready.mockkit.http1 import Http1Pool, HttpConnectError, HttpProtocolError, HttpTimeout

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, await reader.readexactly(length) if length else b""


async def _serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(params=["asyncio", "uvloop"], autouse=True)
def loop_kind(request: pytest.FixtureRequest) -> str:
    """Every case on both event loops: the simulator runs on uvloop where it is installed."""
    if request.param == "uvloop":
        pytest.importorskip("uvloop")
    global _LOOP
    _LOOP = request.param
    return str(request.param)


_LOOP = "asyncio"


def _loop_run(coro: Awaitable[object]) -> object:
    factory = None
    if _LOOP == "uvloop":
        import uvloop
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


def _run(handler: Handler, body: Callable[[Http1Pool], Awaitable[object]]) -> object:
    async def main() -> object:
        server, url = await _serve(handler)
        pool = Http1Pool(url)
        try:
            return await asyncio.wait_for(body(pool), 10)
        finally:
            await pool.aclose()
            server.close()
    return _loop_run(main())


def test_keep_alive_json_and_params_on_one_connection() -> None:
    seen: list[bytes] = []
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head, body = await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            seen.append(head.split(b"\r\n", 1)[0] + b" " + body)
            answer = b'{"ok": true}'
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                         b"Retry-After: 3\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await writer.drain()
        writer.close()

    async def body(pool: Http1Pool) -> list[tuple[int, dict[str, str], bytes]]:
        return [await pool.request("POST", "/api/orders", body=b'{"a":1}',
                                   params={"since": 5, "limit": None}, timeout=2),
                await pool.request("GET", "/api/stock/SKU%201", timeout=2)]
    first, second = _run(handler, body)  # type: ignore[misc]
    assert first == (201, {"content-type": "application/json", "retry-after": "3",
                           "content-length": "12"}, b'{"ok": true}')
    assert second[0] == 201
    assert seen == [b'POST /api/orders?since=5 HTTP/1.1 {"a":1}',
                    b"GET /api/stock/SKU%201 HTTP/1.1 "]
    assert connections == 1


def test_chunked_and_close_delimited_bodies() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    async def get(pool: Http1Pool) -> tuple[int, dict[str, str], bytes]:
        return await pool.request("GET", "/", timeout=2)
    assert _run(chunked, get)[2] == b"hello world"  # type: ignore[index]
    assert _run(until_close, get)[2] == b"all of it"  # type: ignore[index]


def test_a_stalled_answer_times_out_but_a_trickle_does_not() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)
        writer.close()

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
        for byte in b"abcdef":
            await asyncio.sleep(0.1)
            writer.write(bytes([byte]))
            await writer.drain()
        writer.close()

    async def get(pool: Http1Pool) -> object:
        return await pool.request("GET", "/", timeout=0.3)
    with pytest.raises(HttpTimeout):
        _run(stall, get)
    assert _run(trickle, get)[2] == b"abcdef"  # type: ignore[index]


def test_refused_reset_and_garbage_are_told_apart() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]      # bound, never listening: refused

    async def refused() -> None:
        await Http1Pool(f"http://127.0.0.1:{port}").request("GET", "/", timeout=1)
    with pytest.raises(HttpConnectError):
        _loop_run(refused())

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        await writer.drain()
        writer.close()

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)
        writer.close()

    async def get(pool: Http1Pool) -> object:
        return await pool.request("GET", "/", timeout=2)
    with pytest.raises(HttpConnectError, match="before a complete response"):
        _run(cut, get)
    with pytest.raises(HttpProtocolError):
        _run(garbage, get)


def test_a_connection_the_server_closed_is_not_reused() -> None:
    connections = 0

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        writer.close()        # keep-alive was not refused, but the server goes anyway

    async def twice(pool: Http1Pool) -> list[int]:
        first = (await pool.request("GET", "/", timeout=2))[0]
        await asyncio.sleep(0.1)
        return [first, (await pool.request("GET", "/", timeout=2))[0]]
    assert _run(once, twice) == [204, 204]
    assert connections == 2
