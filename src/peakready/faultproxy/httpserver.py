"""A small HTTP/1.1 server on asyncio streams, written for byte-exact control of responses.

The control API must reproduce Toxiproxy's statuses, headers and bodies exactly (empty 405s,
``404 page not found\\n``, error bodies with a trailing newline), which is simpler to own than to
coax out of a framework. It speaks what API clients use: keep-alive, ``Content-Length`` and
chunked request bodies, ``Expect: 100-continue``, HEAD. Malformed requests get Go's
``400 Bad Request`` and the connection is closed. A handler that raises is logged and answered
with a 500 (it should never happen: handlers translate their own errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

__all__ = ["HttpServer", "Request", "Response", "new_request_id"]

log = logging.getLogger("peakready.faultproxy.http")

_MAX_LINE = 64 * 1024
_MAX_HEADERS = 100
_MAX_BODY = 16 * 1024 * 1024
_IDLE_TIMEOUT = 60.0   # Toxiproxy: idle 60 s, read 15 s, handler 25 s
_READ_TIMEOUT = 15.0
_HANDLER_TIMEOUT = 25.0
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass
class Request:
    method: str
    target: str
    path: str                    # percent-decoded, as routers match it
    query: str
    headers: dict[str, str]      # lower-case names; repeated headers joined with ", "
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]


# -- request ids: 20-character xid-like (4 s timestamp, 3 machine, 2 pid, 3 counter bytes) ----
_B32HEX = "0123456789abcdefghijklmnopqrstuv"
_MACHINE = os.urandom(3)
_counter_lock = threading.Lock()
_counter = int.from_bytes(os.urandom(3), "big")


def new_request_id() -> str:
    global _counter
    with _counter_lock:
        _counter = (_counter + 1) & 0xFFFFFF
        count = _counter
    raw = (int(time.time()).to_bytes(4, "big") + _MACHINE
           + (os.getpid() & 0xFFFF).to_bytes(2, "big") + count.to_bytes(3, "big"))
    number = int.from_bytes(raw, "big") << 4  # 96 bits → 100 bits = 20 base32 digits
    return "".join(_B32HEX[(number >> (5 * i)) & 31] for i in range(19, -1, -1))


class _BadRequest(Exception):
    pass


async def _read_line(reader: asyncio.StreamReader, timeout: float) -> bytes:
    try:
        line = await asyncio.wait_for(reader.readuntil(b"\n"), timeout)
    except asyncio.LimitOverrunError:
        raise _BadRequest("line too long") from None
    return line.rstrip(b"\r\n")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await _read_line(reader, _READ_TIMEOUT)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequest("bad chunk size") from None
        if size < 0 or len(body) + size > _MAX_BODY:
            raise _BadRequest("body too large")
        if size == 0:
            while await _read_line(reader, _READ_TIMEOUT):  # trailers
                pass
            return bytes(body)
        body += await asyncio.wait_for(reader.readexactly(size), _READ_TIMEOUT)
        if await _read_line(reader, _READ_TIMEOUT):
            raise _BadRequest("bad chunk end")


def _parse_target(target: str) -> tuple[str, str]:
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    if not target.startswith("/"):
        raise _BadRequest("bad request target")
    raw_path, _, query = target.partition("?")
    if any(c in raw_path for c in " \x7f") or any(ord(c) < 0x20 for c in raw_path):
        raise _BadRequest("bad request target")
    pieces = raw_path.split("%")
    for piece in pieces[1:]:
        if len(piece) < 2 or any(c not in "0123456789abcdefABCDEF" for c in piece[:2]):
            raise _BadRequest("invalid URL escape")
    return unquote_to_bytes(raw_path).decode("utf-8", "replace"), query


class HttpServer:
    """Serves ``handler`` on one listening socket until :meth:`stop`."""

    def __init__(self, handler: Handler, *, extra_headers: Callable[[], list[tuple[str, str]]]
                 | None = None) -> None:
        self._handler = handler
        self._extra_headers = extra_headers or (lambda: [])
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] = ("", 0)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=_MAX_LINE, reuse_address=True, family=socket.AF_UNSPEC)
        name = self._server.sockets[0].getsockname()
        self.address = (name[0], name[1])
        return self.address

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        graceful = False  # True: flush what is buffered, then FIN; False: drop at once
        try:
            while await self._one(reader, writer):
                pass
            graceful = True
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except _BadRequest as exc:
            log.debug("bad request: %s", exc)
            extra = "".join(f"{k}: {v}\r\n" for k, v in self._extra_headers())
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                         b"charset=utf-8\r\n" + extra.encode("latin-1", "replace")
                         + b"Connection: close\r\n\r\n400 Bad Request")
            graceful = True
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            await self._close(writer, graceful)

    @staticmethod
    async def _close(writer: asyncio.StreamWriter, graceful: bool) -> None:
        if graceful and not writer.transport.is_closing():
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 5.0)
                return
            except (Exception, asyncio.CancelledError):
                pass
        writer.transport.abort()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection should close."""
        try:
            line = await _read_line(reader, _IDLE_TIMEOUT)
        except asyncio.IncompleteReadError:
            return False
        for _ in range(16):  # Go tolerates a few blank lines before a request line
            if line:
                break
            line = await _read_line(reader, _IDLE_TIMEOUT)
        else:
            raise _BadRequest("no request line")
        parts = line.decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[0] or not set(parts[0].encode()) <= _TOKEN:
            raise _BadRequest("malformed request line")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _BadRequest("unsupported HTTP version")
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS + 1):
            raw = await _read_line(reader, _READ_TIMEOUT)
            if not raw:
                break
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep or not name or not set(name.encode("latin-1")) <= _TOKEN:
                raise _BadRequest("malformed header")
            key, value = name.lower(), value.strip(" \t")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        else:
            raise _BadRequest("too many headers")
        keep_alive = headers.get("connection", "").lower() != "close" if version == "HTTP/1.1" \
            else headers.get("connection", "").lower() == "keep-alive"

        if method == "OPTIONS" and target == "*":
            path, query = "*", ""
        else:
            path, query = _parse_target(target)
        body = await self._read_body(reader, writer, headers, version)
        request = Request(method, target, path, query, headers, body)
        try:
            response = await asyncio.wait_for(self._handler(request), _HANDLER_TIMEOUT)
        except TimeoutError:
            response = Response(503)
        except Exception:
            log.exception("control API handler failed on %s %s", method, path)
            response = Response(500, b'{"error":"internal error","status":500}\n',
                                "text/plain; charset=utf-8")
        if keep_alive and version == "HTTP/1.0":
            response.headers.append(("Connection", "keep-alive"))
        writer.write(self._render(response, keep_alive, head=method == "HEAD"))
        await writer.drain()
        return keep_alive

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         headers: dict[str, str], version: str) -> bytes:
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length_text = headers.get("content-length", "")
        if not chunked and length_text:
            if not length_text.isdigit() or "," in length_text:
                raise _BadRequest("bad content-length")
            length = int(length_text)
            if length > _MAX_BODY:
                raise _BadRequest("body too large")
        else:
            length = 0
        if (chunked or length) and headers.get("expect", "").lower() == "100-continue" \
                and version == "HTTP/1.1":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if chunked:
            return await _read_chunked(reader)
        if length:
            return await asyncio.wait_for(reader.readexactly(length), _READ_TIMEOUT)
        return b""

    def _render(self, response: Response, keep_alive: bool, *, head: bool) -> bytes:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "status code " + str(response.status)
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        if response.content_type:
            lines.append(f"Content-Type: {response.content_type}")
        lines.extend(f"{k}: {v}" for k, v in (*response.headers, *self._extra_headers()))
        lines.append("Date: " + formatdate(usegmt=True))
        if response.status != 204 and response.status >= 200:
            lines.append(f"Content-Length: {len(response.body)}")
        if not keep_alive:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return head_bytes if head or response.status == 204 else head_bytes + response.body
