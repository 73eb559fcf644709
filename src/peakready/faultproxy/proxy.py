"""One proxy: a listener that forwards every accepted client to ``upstream``.

Control-plane interface (used by the registry and API; keep it stable):

* ``Proxy(name, listen, upstream, rng=...)``; attributes ``name``, ``listen`` (the requested
  address until started, then the actual bound one), ``upstream``, ``enabled``;
* ``await start()`` binds (raises :class:`ListenError` with Go's wording) and accepts;
* ``await stop()`` closes the listener and drops every open connection (clients see EOF);
* ``toxics`` → upstream toxics in insertion order, then downstream ones;
* ``add_toxic`` / ``update_toxic`` / ``remove_toxic`` / ``remove_all_toxics`` take effect on
  open connections immediately. They stay synchronous: the proxy's list changes at once and
  each open link applies the change from its own queue within the next loop iterations;
  ``await settle()`` waits until every open link has applied every queued change (what
  Toxiproxy's API does before answering; the API should await it after a toxic change);
* ``stats()`` → a :class:`ProxyStats` (byte counters, open and accepted connections) for
  ``/metrics``.

The data plane lives in ``connection.py`` (dial, two links, teardown), ``link.py`` (one
direction: fast path or toxic chain), ``stub.py`` (chunks, channels, toxic runner) and
``toxics/<type>.py`` (each toxic's ``pipe``). Random draws (toxicity, jitter, slicer) all come
from ``rng``, so a seeded proxy is reproducible.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import random
import socket
from dataclasses import dataclass
from typing import Any

from peakready.faultproxy.connection import Connection
from peakready.faultproxy.link import Direction
from peakready.faultproxy.toxics.base import ToxicConfig
from peakready.safety import split_host_port

__all__ = ["Direction", "ListenError", "Proxy", "ProxyStats", "resolve_listen"]

log = logging.getLogger("peakready.faultproxy.proxy")
_DIRECTIONS: tuple[Direction, ...] = ("upstream", "downstream")


@dataclass(frozen=True)
class ProxyStats:
    """One proxy's counters, per direction (``upstream`` = client → server).

    ``received`` / ``sent``: bytes read from the source / written to the destination by
    connections that have *finished* (Toxiproxy adds them once, when a link ends);
    ``live_received`` / ``live_sent``: the same for the connections open now. ``connections``
    is the number open now, ``accepted`` the number accepted since the proxy was created.
    """

    received: dict[Direction, int]
    sent: dict[Direction, int]
    live_received: dict[Direction, int]
    live_sent: dict[Direction, int]
    connections: int
    accepted: int

    def received_total(self, direction: Direction) -> int:
        """Finished plus open connections' bytes: what a live counter shows."""
        return self.received[direction] + self.live_received[direction]

    def sent_total(self, direction: Direction) -> int:
        return self.sent[direction] + self.live_sent[direction]


class ListenError(OSError):
    """Binding the listen address failed; ``str()`` is Go's error text (the API's 500 body)."""


def resolve_listen(listen: str) -> tuple[str, int]:
    """``localhost:0`` → ``("127.0.0.1", 0)``. Empty listen means loopback (we never bind all
    interfaces by default: toxiproxy-api.md §10 'should not copy')."""
    if not listen:
        return "127.0.0.1", 0
    try:
        host, port = split_host_port(listen)
    except ValueError as exc:
        raise ListenError(f"listen tcp: {exc}") from None
    if host in ("", "localhost"):
        host = "127.0.0.1"
    return host, port


def _go_reason(exc: OSError) -> str:
    """Go's wording for a failed bind: ``bind: address already in use`` (lower-case errno text)."""
    if exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
        # asyncio rewrites strerror ("error while attempting to bind on …"): use the errno's.
        text = os.strerror(exc.errno)
        return f"bind: {text[0].lower()}{text[1:]}"
    return exc.strerror or str(exc)


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Proxy:
    def __init__(self, name: str, listen: str, upstream: str, *, rng: random.Random) -> None:
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.rng = rng
        self._toxics: list[ToxicConfig] = []
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[Connection] = set()
        # Bytes of finished connections, per direction (Toxiproxy adds them when a link ends).
        self._received: dict[Direction, int] = dict.fromkeys(_DIRECTIONS, 0)
        self._sent: dict[Direction, int] = dict.fromkeys(_DIRECTIONS, 0)
        self._accepted = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self._server is not None:
            return
        host, port = resolve_listen(self.listen)
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                self._accept, host, port, reuse_address=True, family=socket.AF_UNSPEC)
        except OSError as exc:
            raise ListenError(f"listen tcp {format_address(host, port)}: {_go_reason(exc)}"
                              ) from None
        bound = self._server.sockets[0].getsockname()
        self.listen = format_address(bound[0], bound[1])
        self.enabled = True

    async def stop(self) -> None:
        self.enabled = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        connections = list(self._connections)
        tasks: list[asyncio.Task[None]] = []
        for conn in connections:
            tasks += conn.tasks()
            conn.abort()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    # -- toxics ------------------------------------------------------------------------------
    @property
    def toxics(self) -> list[ToxicConfig]:
        up = [t for t in self._toxics if t.direction == "upstream"]
        return up + [t for t in self._toxics if t.direction != "upstream"]

    def get_toxic(self, name: str) -> ToxicConfig | None:
        return next((t for t in self._toxics if t.name == name), None)

    def add_toxic(self, toxic: ToxicConfig) -> None:
        self._toxics.append(toxic)
        self._post("add", toxic)

    def update_toxic(self, name: str, attributes: dict[str, int] | None,
                     toxicity: float | None) -> ToxicConfig:
        toxic = self.get_toxic(name)
        if toxic is None:
            raise KeyError(name)
        if attributes:
            toxic.attributes.update(attributes)
        if toxicity is not None:
            toxic.toxicity = toxicity
        self._post("update", toxic)
        return toxic

    def remove_toxic(self, name: str) -> None:
        toxic = self.get_toxic(name)
        if toxic is None:
            raise KeyError(name)
        self._toxics.remove(toxic)
        self._post("remove", toxic)

    def remove_all_toxics(self) -> None:
        for toxic in list(self._toxics):
            self.remove_toxic(toxic.name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "listen": self.listen, "upstream": self.upstream,
                "enabled": self.enabled, "Logger": {},
                "toxics": [t.to_json() for t in self.toxics]}

    # -- data plane -------------------------------------------------------------------------
    def _post(self, op: str, toxic: ToxicConfig) -> None:
        for conn in self._connections:
            conn.post(op, toxic)

    async def settle(self) -> None:
        """Wait until every open connection has applied every toxic change made so far."""
        for conn in list(self._connections):
            await conn.settle()

    def stats(self) -> ProxyStats:
        """Counters for ``/metrics`` (see :class:`ProxyStats`)."""
        live_received: dict[Direction, int] = dict.fromkeys(_DIRECTIONS, 0)
        live_sent: dict[Direction, int] = dict.fromkeys(_DIRECTIONS, 0)
        for conn in self._connections:
            for direction, (received, sent) in conn.byte_counts().items():
                live_received[direction] += received
                live_sent[direction] += sent
        return ProxyStats(received=dict(self._received), sent=dict(self._sent),
                          live_received=live_received, live_sent=live_sent,
                          connections=len(self._connections), accepted=self._accepted)

    def _accept(self) -> asyncio.Protocol:
        conn = Connection(self, self._connection_closed)
        self._connections.add(conn)
        self._accepted += 1
        return conn.client

    def _connection_closed(self, conn: Connection) -> None:
        self._connections.discard(conn)
        for direction, (received, sent) in conn.byte_counts().items():
            self._received[direction] += received
            self._sent[direction] += sent
