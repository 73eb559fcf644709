"""One accepted client: the upstream dial, the two links and their teardown.

::

    client socket ──(_Side)── upstream link (client → server) ──► upstream socket
                  ◄────────── downstream link (server → client) ──(_Side)──┘

The client socket is not read until the upstream dial succeeds (Toxiproxy dials first); if the
dial fails the client is closed at once, so it sees EOF rather than a refusal. When one link
closes its destination, the other link's source has ended too, so both sockets close (no
half-close). The connection is over when both sockets are gone; then it calls the
``on_closed`` callback its proxy gave it (once). :meth:`abort` drops it at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from peakready.faultproxy.link import Direction, Link
from peakready.safety import split_host_port

if TYPE_CHECKING:
    from peakready.faultproxy.proxy import Proxy
    from peakready.faultproxy.toxics.base import ToxicConfig

__all__ = ["Connection"]

log = logging.getLogger("peakready.faultproxy.proxy")
_LINGER_ZERO = struct.pack("ii", 1, 0)


class _Side(asyncio.Protocol):
    """Protocol of one socket: feeds the link it is the source of, throttles the one it ends."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.transport: asyncio.Transport | None = None
        self.reader: Link | None = None  # the link reading from this socket
        self.writer: Link | None = None  # the link writing to this socket
        self.early: list[bytes] = []
        self.early_eof = False
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, hence a cast, not a check.
        self.transport = tr = cast(asyncio.Transport, transport)
        tr.pause_reading()  # the links resume it once they exist
        self.conn.side_made(self)

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        if reader is not None:
            reader.feed(data)
        else:
            self.early.append(data)

    def eof_received(self) -> bool:
        if self.reader is not None:
            self.reader.feed_eof()
        else:
            self.early_eof = True
        return True  # keep the socket writable: the other link closes it when it is done

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.conn.side_lost(self)

    def pause_writing(self) -> None:
        if self.writer is not None:
            self.writer.dest_pause()

    def resume_writing(self) -> None:
        if self.writer is not None:
            self.writer.dest_resume()


class Connection:
    """``proxy`` is read for its name, upstream, toxics and seed; ``on_closed(conn)`` is called
    once, when both sockets are gone (the proxy then counts the connection's bytes)."""

    def __init__(self, proxy: Proxy, on_closed: Callable[[Connection], None]) -> None:
        self.proxy = proxy
        self._on_closed = on_closed
        # Each connection draws its own seed from the proxy's generator at accept time, and
        # each link its own generator from that: with --seed, a connection's toxicity and
        # jitter draws depend only on its accept order, not on how other connections' toxic
        # restarts interleave with it.
        self._seed = proxy.rng.getrandbits(64)
        self.client = _Side(self)
        self.upstream = _Side(self)
        self.up: Link | None = None
        self.down: Link | None = None
        self.closed = False
        self._dial: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def side_made(self, side: _Side) -> None:
        if side is self.client:
            self._dial = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            host, port = split_host_port(self.proxy.upstream)
            await loop.create_connection(lambda: self.upstream, host, port)
        except (OSError, ValueError) as exc:
            log.info("proxy %s: upstream %s unreachable: %s",
                     self.proxy.name, self.proxy.upstream, exc)
            assert self.client.transport is not None
            self.client.transport.close()
            if self.client.lost:
                self._teardown()
            return
        if self.closed or self.client.lost:
            if self.upstream.transport is not None:
                self.upstream.transport.close()
            return
        self._start_links()

    def _start_links(self) -> None:
        client, upstream = self.client.transport, self.upstream.transport
        assert client is not None and upstream is not None
        toxics = self.proxy.toxics
        up_chain = [t for t in toxics if t.direction == "upstream"]
        down_chain = [t for t in toxics if t.direction != "upstream"]
        if any(t.type == "reset_peer" for t in toxics):
            # Toxiproxy sets linger 0 on both sockets of a link whose chain holds reset_peer
            # at accept time, so its close is an RST. Added later, it closes with a FIN.
            for transport in (client, upstream):
                _set_linger_zero(transport)
        self.up = up = Link(self, "upstream", client, upstream,
                            random.Random(f"{self._seed}/upstream"), up_chain)
        self.down = down = Link(self, "downstream", upstream, client,
                                random.Random(f"{self._seed}/downstream"), down_chain)
        self.client.reader, self.client.writer = up, down
        self.upstream.reader, self.upstream.writer = down, up
        for side in (self.client, self.upstream):
            reader = side.reader
            assert reader is not None
            for data in side.early:
                reader.feed(data)
            side.early.clear()
            if side.early_eof:
                reader.feed_eof()
            if side.lost:
                reader.feed_eof()
                if side.writer is not None:
                    side.writer.dest_gone()
        up.start()
        down.start()

    def link_finished(self, link: Link) -> None:
        """``link`` closed its destination: the other link's source is that socket."""
        other = self.down if link is self.up else self.up
        if other is not None:
            other.feed_eof()

    def side_lost(self, side: _Side) -> None:
        if side.reader is not None:
            side.reader.feed_eof()
        if side.writer is not None:
            side.writer.dest_gone()
        if self.client.lost and (self.upstream.lost or self.upstream.transport is None):
            if self._dial is not None and not self._dial.done():
                return  # the dial task closes what it opens
            self._teardown()
        elif side is self.upstream and self.up is None and self.client.transport is not None:
            self.client.transport.close()

    def _teardown(self) -> None:
        if self.closed:
            return
        self.closed = True
        for link in (self.up, self.down):
            if link is not None:
                link.cancel()
        self._on_closed(self)

    def abort(self) -> None:
        """Drop the connection now (proxy stopped): both sockets close, every task ends."""
        if self._dial is not None and not self._dial.done():
            self._dial.cancel()
        for side in (self.client, self.upstream):
            if side.transport is not None:
                side.transport.abort()
        self._teardown()

    def tasks(self) -> list[asyncio.Task[None]]:
        found = [t for t in (self._dial,) if t is not None]
        for link in (self.up, self.down):
            if link is not None:
                found += link.tasks()
        return found

    # -- toxic changes -----------------------------------------------------------------------
    def post(self, op: str, config: ToxicConfig) -> None:
        link = self.up if config.direction == "upstream" else self.down
        if link is not None and not self.closed:
            link.post(op, config)

    async def settle(self) -> None:
        for link in (self.up, self.down):
            if link is not None:
                await link.settle()

    def byte_counts(self) -> dict[Direction, tuple[int, int]]:
        """Direction → (bytes read from its source, bytes written to its destination)."""
        return {link.direction: (link.received, link.sent)
                for link in (self.up, self.down) if link is not None}


def _set_linger_zero(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
    except OSError as exc:  # pragma: no cover - a closed socket; nothing to reset then
        log.debug("SO_LINGER failed: %s", exc)
