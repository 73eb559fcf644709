"""HTTP clients to the ERP, CRM, payment and shipping services, through the fault proxy.

One ``httpx.AsyncClient`` per service (keep-alive pool), created lazily on the event loop that
uses it. Every call has a timeout unless a strategy deliberately passes ``timeout=None`` (the
``sync_*`` mistakes). httpx's errors are translated here, once, into ``ServiceCallError``;
callers only see ``Reply`` or that error. Per-service counters feed the admin metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .settings import IntegrationSettings

__all__ = ["DEFAULT", "Reply", "ServiceCallError", "ServiceClients"]

log = logging.getLogger("peakready.mocks.magento.integration")


class _Default:
    """Sentinel: use the settings' timeout for this service."""


DEFAULT = _Default()


class ServiceCallError(Exception):
    """A call got no HTTP answer: ``kind`` is timeout | connect | protocol."""

    def __init__(self, service: str, kind: str, detail: str) -> None:
        super().__init__(f"{service}: {kind}: {detail}")
        self.service = service
        self.kind = kind


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ServiceClients:
    def __init__(self, settings: IntegrationSettings) -> None:
        self.settings = settings
        self._clients: dict[str, httpx.AsyncClient] = {}
        self.counts: Counter[str] = Counter()

    def configure(self, settings: IntegrationSettings) -> None:
        """New settings; clients whose base URL changed are rebuilt on next use."""
        changed = [n for n, url in settings.services.items()
                   if self.settings.services.get(n) != url]
        self.settings = settings
        for name in changed:
            client = self._clients.pop(name, None)
            if client is not None:
                self._retire(client)

    def _retire(self, client: httpx.AsyncClient) -> None:
        # Without a running loop the pool is simply dropped with the object.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(client.aclose())

    def client(self, service: str) -> httpx.AsyncClient:
        client = self._clients.get(service)
        if client is None:
            # TCP_NODELAY: httpcore writes headers and body separately, and Nagle with the
            # peer's delayed ACK would add ~40 ms to every POST.
            transport = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
            client = httpx.AsyncClient(base_url=self.settings.services[service],
                                       trust_env=False, transport=transport)
            self._clients[service] = client
        return client

    def _timeout(self, service: str, timeout: float | _Default | None) -> httpx.Timeout:
        if isinstance(timeout, _Default):
            s = self.settings
            total = {"erp": s.export_timeout, "crm": s.pull_timeout,
                     "payment": s.payment_timeout, "shipping": s.shipping_timeout}[service]
            return httpx.Timeout(total, connect=min(total, s.connect_timeout))
        return httpx.Timeout(timeout)

    async def call(self, service: str, method: str, path: str, *, json: Any = None,
                   params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None,
                   timeout: float | _Default | None = DEFAULT) -> Reply:
        self.counts[f"{service}.requests"] += 1
        try:
            response = await self.client(service).request(
                method, path, json=json, params=params, headers=headers,
                timeout=self._timeout(service, timeout))
        except httpx.TimeoutException as exc:
            self.counts[f"{service}.timeouts"] += 1
            raise ServiceCallError(service, "timeout", type(exc).__name__) from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError,
                httpx.WriteError) as exc:
            self.counts[f"{service}.connect_errors"] += 1
            raise ServiceCallError(service, "connect", f"{type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            self.counts[f"{service}.connect_errors"] += 1
            raise ServiceCallError(service, "protocol", f"{type(exc).__name__}: {exc}") from exc
        self.counts[f"{service}.status_{response.status_code // 100}xx"] += 1
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Reply(response.status_code, dict(response.headers), body)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()
