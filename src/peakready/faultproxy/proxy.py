"""One proxy: a listener that forwards every accepted client to ``upstream``.

Control-plane interface (used by the registry and API; keep it stable):

* ``Proxy(name, listen, upstream, rng=...)``; attributes ``name``, ``listen`` (the requested
  address until started, then the actual bound one), ``upstream``, ``enabled``;
* ``await start()`` binds (raises :class:`ListenError` with Go's wording) and accepts;
* ``await stop()`` closes the listener and drops every open connection (clients see EOF);
* ``toxics`` → upstream toxics in insertion order, then downstream ones;
* ``add_toxic`` / ``update_toxic`` / ``remove_toxic`` / ``remove_all_toxics`` take effect on
  open connections immediately.

DATA PLANE: this scaffold forwards bytes with no toxics applied; the link/chain machinery that
applies toxics per connection replaces ``_pipe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from typing import Any

from peakready.faultproxy.toxics.base import ToxicConfig
from peakready.safety import split_host_port

__all__ = ["ListenError", "Proxy", "resolve_listen"]

log = logging.getLogger("peakready.faultproxy.proxy")
_CHUNK = 32 * 1024


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
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self._server is not None:
            return
        host, port = resolve_listen(self.listen)
        try:
            self._server = await asyncio.start_server(
                self._accept, host, port, reuse_address=True, family=socket.AF_UNSPEC)
        except OSError as exc:
            reason = "bind: address already in use" if exc.errno == 98 else (exc.strerror or exc)
            raise ListenError(f"listen tcp {format_address(host, port)}: {reason}") from None
        bound = self._server.sockets[0].getsockname()
        self.listen = format_address(bound[0], bound[1])
        self.enabled = True

    async def stop(self) -> None:
        self.enabled = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    # -- toxics ------------------------------------------------------------------------------
    @property
    def toxics(self) -> list[ToxicConfig]:
        up = [t for t in self._toxics if t.direction == "upstream"]
        return up + [t for t in self._toxics if t.direction != "upstream"]

    def get_toxic(self, name: str) -> ToxicConfig | None:
        return next((t for t in self._toxics if t.name == name), None)

    def add_toxic(self, toxic: ToxicConfig) -> None:
        self._toxics.append(toxic)

    def update_toxic(self, name: str, attributes: dict[str, int] | None,
                     toxicity: float | None) -> ToxicConfig:
        toxic = self.get_toxic(name)
        if toxic is None:
            raise KeyError(name)
        if attributes:
            toxic.attributes.update(attributes)
        if toxicity is not None:
            toxic.toxicity = toxicity
        return toxic

    def remove_toxic(self, name: str) -> None:
        toxic = self.get_toxic(name)
        if toxic is None:
            raise KeyError(name)
        self._toxics.remove(toxic)

    def remove_all_toxics(self) -> None:
        for toxic in list(self._toxics):
            self.remove_toxic(toxic.name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "listen": self.listen, "upstream": self.upstream,
                "enabled": self.enabled, "Logger": {},
                "toxics": [t.to_json() for t in self.toxics]}

    # -- data plane (scaffold) ---------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        try:
            try:
                host, port = split_host_port(self.upstream)
                up_reader, up_writer = await asyncio.open_connection(host, port)
            except (OSError, ValueError) as exc:
                log.info("proxy %s: upstream %s unreachable: %s", self.name, self.upstream, exc)
                return
            self._writers.add(up_writer)
            try:
                await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
            finally:
                self._writers.discard(up_writer)
                up_writer.transport.abort()
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
            self._connections.discard(task)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        # No half-close (spec §7): when one side ends, both sockets close.
        try:
            while chunk := await source.read(_CHUNK):
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.transport.abort()
