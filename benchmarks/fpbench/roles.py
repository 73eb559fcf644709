"""A benchmark child process: ``roles.py http-raw | http-uvicorn | proxy UPSTREAM [TOXIC_JSON…]``.

Prints ``READY <port>`` once listening on 127.0.0.1, then serves until stdin closes (the parent
ended) or it is terminated.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import sys
import threading
from typing import Any

import uvloop

_BODY = b'{"sku":"24-MB01","qty":100,"is_in_stock":true}'
_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY)


def _exit_with_parent() -> None:
    def watch() -> None:
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _ready(port: int) -> None:
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()


class _RawHttp(asyncio.Protocol):
    """Answers each request head (GET, no body) with a fixed keep-alive response."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        count = buffer.count(b"\r\n\r\n")
        if count:
            buffer = buffer[buffer.rindex(b"\r\n\r\n") + 4:]
            assert self.transport is not None
            self.transport.write(_RESPONSE * count)
        self.buffer = buffer


async def _serve_raw() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_RawHttp, "127.0.0.1", 0, backlog=1024)
    _ready(server.sockets[0].getsockname()[1])
    await asyncio.Event().wait()


async def _serve_uvicorn() -> None:
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(_BODY)).encode())]})
        await send({"type": "http.response.body", "body": _BODY})

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            loop="none", http="h11")
    server = uvicorn.Server(config)
    _ready(sock.getsockname()[1])
    await server.serve(sockets=[sock])


async def _run_proxy(upstream: str, toxics: list[dict[str, Any]]) -> None:
    from peakready.faultproxy.proxy import Proxy
    from peakready.faultproxy.toxics.base import ToxicConfig

    proxy = Proxy("bench", "127.0.0.1:0", upstream, rng=random.Random(1))
    for toxic in toxics:
        proxy.add_toxic(ToxicConfig(**toxic))
    await proxy.start()
    _ready(int(proxy.listen.rpartition(":")[2]))
    await asyncio.Event().wait()


def main(argv: list[str]) -> None:
    _exit_with_parent()
    role = argv[0]
    if role == "http-raw":
        uvloop.run(_serve_raw())
    elif role == "http-uvicorn":
        uvloop.run(_serve_uvicorn())
    elif role == "proxy":
        uvloop.run(_run_proxy(argv[1], [json.loads(t) for t in argv[2:]]))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
