"""``FaultProxyServer``: the control API and every proxy in one asyncio process.

Use it from a running event loop (the CLI, tests, the orchestrator's own loop)::

    server = FaultProxyServer(port=0, seed=7)
    await server.start()            # binds the API; server.url is http://127.0.0.1:NNNNN
    await server.load_config(path)  # optional: a populate-format JSON array
    ...
    await server.stop()             # drops every connection, closes every listener
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from peakready import __version__
from peakready.errors import ComponentStartError
from peakready.faultproxy import bodies
from peakready.faultproxy.api import ControlApi
from peakready.faultproxy.apierror import ToxiproxyError
from peakready.faultproxy.httpserver import HttpServer, new_request_id
from peakready.faultproxy.lease import Lease, LeaseKeeper
from peakready.faultproxy.proxy import format_address
from peakready.faultproxy.registry import ProxyRegistry
from peakready.safety import check_target

__all__ = ["FaultProxyServer"]

log = logging.getLogger("peakready.faultproxy.server")


class FaultProxyServer:
    """The embedded Toxiproxy-compatible server. ``seed=None`` seeds from ``os.urandom``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8474, *, seed: int | None = None,
                 metrics: bool = True, allow_hosts: Iterable[str] = ()) -> None:
        self.allow_hosts = tuple(allow_hosts)
        check_target(host, self.allow_hosts, what="fault proxy API host")
        self.host = host
        self.port = port
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(8), "big")
        self.registry = ProxyRegistry(seed=self.seed, allow_hosts=self.allow_hosts)
        self.lease = LeaseKeeper(self._on_lease_lapse)
        self.api = ControlApi(self.registry, self.lease, metrics_enabled=metrics)
        self._http = HttpServer(self.api.handle, extra_headers=self._headers)
        self.address: tuple[str, int] | None = None

    @staticmethod
    def _headers() -> list[tuple[str, str]]:
        return [("X-Toxiproxy-Request-Id", new_request_id()),
                ("X-Peakready-Version", __version__)]

    @property
    def url(self) -> str:
        if self.address is None:
            raise RuntimeError("FaultProxyServer is not started")
        return f"http://{format_address(*self.address)}"

    async def start(self) -> tuple[str, int]:
        """Bind the API; raises ComponentStartError when the address is taken."""
        try:
            self.address = await self._http.start(self.host, self.port)
        except OSError as exc:
            raise ComponentStartError(
                f"fault proxy API cannot listen on {format_address(self.host, self.port)}: "
                f"{exc.strerror or exc}") from exc
        log.info("fault proxy API on %s (seed %d)", self.url, self.seed)
        return self.address

    async def load_config(self, path: str | os.PathLike[str]) -> int:
        """Populate from a JSON array file like ``toxiproxy-server -config``: errors are
        logged, never raised. Returns how many proxies were set up."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            log.error("cannot read proxy config %s: %s", path, exc)
            return 0
        try:
            specs = bodies.parse_populate(raw)
        except ToxiproxyError as exc:
            log.error("proxy config %s rejected: %s", path, exc.message)
            return 0
        proxies, failure = await self.registry.populate(specs)
        if failure is not None:
            log.error("proxy config %s: stopped after %d proxies: %s", path, len(proxies),
                      failure.message)
        for proxy in proxies:
            log.info("proxy %s: %s -> %s", proxy.name, proxy.listen, proxy.upstream)
        return len(proxies)

    async def _on_lease_lapse(self, lease: Lease) -> None:
        await self.registry.reset()

    async def stop(self) -> None:
        self.lease.close()
        await self._http.stop()
        await self.registry.close()
        log.info("fault proxy stopped")
