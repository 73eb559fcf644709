"""A lean HTTP/1.1 client for the estate's own calls: keep-alive connections, httptools parsing.

::

    pool = Http1Pool("http://127.0.0.1:18281")
    status, headers, body = await pool.request("POST", "/api/orders", body=b"{...}",
                                               headers={"content-type": "application/json"},
                                               timeout=5.0, connect_timeout=2.0)
    await pool.aclose()

The simulator's built-in integration calls the ERP, CRM, payment and shipping mocks (through
the fault proxy) several times per order; with httpx those calls cost the simulator more CPU
than answering the shoppers did (benchmarks/estate_hotpaths.py). This client does the one thing
needed: a request on a pooled connection, the response parsed in C by httptools (the parser
uvicorn uses), errors in three kinds the caller maps:

* :class:`HttpTimeout`: connecting, or no byte of the answer for ``timeout`` seconds (a read
  timeout, as httpx's: a slow trickle that keeps arriving is not one);
* :class:`HttpConnectError`: refused, reset, closed before a complete answer;
* :class:`HttpProtocolError`: an answer that is not HTTP/1.x.

No retries, no redirects, no proxies from the environment, loopback or what the caller checked.

``json_request(pool, ...)`` is the JSON call the estate's clients make on top of it: a JSON
body sent, the answer decoded (its text when it is not JSON), and the three kinds of failure
as one :class:`NoAnswer` with its ``kind`` (timeout | connect | protocol).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httptools
import orjson

__all__ = ["Http1Pool", "HttpConnectError", "HttpError", "HttpProtocolError", "HttpTimeout",
           "JsonReply", "NoAnswer", "json_request"]


class HttpError(Exception):
    """No complete HTTP answer."""


class HttpTimeout(HttpError):
    pass


class HttpConnectError(HttpError):
    pass


class HttpProtocolError(HttpError):
    pass


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.BaseTransport | None = None
        self.closed = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._complete = False
        self._header_name = b""
        self.activity = 0.0              # loop time of the last byte received
        self.status = 0
        self.keep_alive = False

    # asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: only their methods count.
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # One write per request already; NODELAY keeps a peer's delayed ACK out of it.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.activity = loop.time()
        if self._waiter is None:
            # Bytes nobody asked for (a server talking out of turn): this connection is done.
            self._fail(HttpProtocolError("unexpected bytes between requests"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpProtocolError(f"invalid HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self.status and not self._complete and self._reads_to_close():
                self._complete = True          # a body delimited by the close itself
                self._waiter.set_result(None)
                return
            reason = f"{type(exc).__name__}: {exc}" if exc else "server closed the connection"
            self._waiter.set_exception(HttpConnectError(
                f"connection closed before a complete response ({reason})"))

    # httptools callbacks ----------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        if name:
            self._header_name = name
            key = name.decode("latin-1").lower()
            self._headers[key] = (self._headers[key] + ", " if key in self._headers else "") + \
                value.decode("latin-1")
        else:   # a header value split across reads
            key = self._header_name.decode("latin-1").lower()
            self._headers[key] += value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._complete = True
        self.keep_alive = self._parser.should_keep_alive()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # the client side --------------------------------------------------------------------
    def _reads_to_close(self) -> bool:
        return "content-length" not in self._headers and \
            "chunked" not in self._headers.get("transfer-encoding", "").lower()

    def _fail(self, error: HttpError) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, request: bytes, timeout: float | None) -> tuple[int, dict[str, str],
                                                                           bytes]:
        loop = asyncio.get_running_loop()
        self._parser = httptools.HttpResponseParser(self)
        self._headers, self._body, self._complete, self.status = {}, [], False, 0
        self._waiter = waiter = loop.create_future()
        assert self.transport is not None
        self.transport.write(request)  # type: ignore[attr-defined]
        self.activity = loop.time()
        try:
            while not waiter.done():
                if timeout is None:
                    await asyncio.shield(waiter)
                    break
                left = self.activity + timeout - loop.time()
                if left <= 0:
                    raise HttpTimeout(f"no answer for {timeout:g} s")
                await asyncio.wait((waiter,), timeout=left)
            waiter.result()
        except BaseException:
            self.close()          # a half-read answer poisons the connection
            raise
        finally:
            self._waiter = None
        return self.status, self._headers, b"".join(self._body)


class Http1Pool:
    """Keep-alive connections to one ``http://host:port`` base URL."""

    def __init__(self, base_url: str, *, max_idle: int = 32) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"Http1Pool needs an http://host:port URL, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        self._host_header = f"{netloc}:{self.port}" if parts.port else netloc
        self.max_idle = max_idle
        self._idle: list[_Connection] = []

    async def _connect(self, timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(_Connection, self.host, self.port), timeout)
        except TimeoutError:
            raise HttpTimeout(f"connect to {self.host}:{self.port}: no answer for "
                              f"{timeout:g} s") from None
        except OSError as exc:
            raise HttpConnectError(f"connect to {self.host}:{self.port}: {exc}") from None
        return conn

    def _request_bytes(self, method: str, path: str, body: bytes | None,
                       headers: Mapping[str, str] | None,
                       params: Mapping[str, object] | None) -> bytes:
        target = self.prefix + path
        if params:
            target += ("&" if "?" in target else "?") + urlencode(
                {k: v for k, v in params.items() if v is not None}, doseq=True)
        lines = [f"{method} {target} HTTP/1.1", f"host: {self._host_header}",
                 "accept: */*"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"content-length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body if body else head

    async def request(self, method: str, path: str, *, body: bytes | None = None,
                      headers: Mapping[str, str] | None = None,
                      params: Mapping[str, object] | None = None,
                      timeout: float | None = None,
                      connect_timeout: float | None = None) -> tuple[int, dict[str, str],
                                                                     bytes]:
        """One request; ``(status, headers with lower-case names, body)``."""
        request = self._request_bytes(method, path, body, headers, params)
        conn = None
        while self._idle:
            candidate = self._idle.pop()
            if not candidate.closed:
                conn = candidate
                break
        if conn is None:
            conn = await self._connect(connect_timeout if connect_timeout is not None
                                       else timeout)
        status, answer_headers, data = await conn.exchange(request, timeout)
        if conn.keep_alive and not conn.closed and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()
        return status, answer_headers, data

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


@dataclass(frozen=True)
class JsonReply:
    status: int
    headers: Mapping[str, str]
    body: Any            # the decoded JSON, the text of an answer that is not JSON, or None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class NoAnswer(Exception):
    """A call got no HTTP answer: ``kind`` is timeout | connect | protocol."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


async def json_request(pool: Http1Pool, method: str, path: str, *, json: Any = None,
                       params: Mapping[str, Any] | None = None,
                       headers: Mapping[str, str] | None = None, timeout: float | None = None,
                       connect_timeout: float | None = None) -> JsonReply:
    """One call with a JSON body (if any), its answer decoded."""
    sent = dict(headers or {})
    body = None
    if json is not None:
        body = orjson.dumps(json)
        sent.setdefault("content-type", "application/json")
    try:
        status, answer, data = await pool.request(method, path, body=body, headers=sent,
                                                  params=params, timeout=timeout,
                                                  connect_timeout=connect_timeout)
    except HttpTimeout as exc:
        raise NoAnswer("timeout", str(exc)) from exc
    except HttpConnectError as exc:
        raise NoAnswer("connect", str(exc)) from exc
    except HttpError as exc:
        raise NoAnswer("protocol", str(exc)) from exc
    decoded: Any = None
    if data:
        try:
            decoded = orjson.loads(data)
        except ValueError:
            decoded = data.decode("utf-8", errors="replace")
    return JsonReply(status, answer, decoded)
