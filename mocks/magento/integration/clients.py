"""HTTP clients to the ERP, CRM, payment and shipping services, through the fault proxy.

One keep-alive pool per service (``peakready.mockkit.http1``: httptools-parsed HTTP/1.1, a
fraction of httpx's CPU per call, which at peak rates was most of the simulator's), created
lazily on the event loop that uses it. Every call has a timeout (no byte of the answer for that
long) unless a strategy deliberately passes ``timeout=None`` (the ``sync_*`` mistakes). The
client's errors are translated here, once, into ``ServiceCallError``; callers only see
``Reply`` or that error. Per-service counters feed the admin metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from peakready.mockkit.http1 import Http1Pool, JsonReply, NoAnswer, json_request

from .settings import IntegrationSettings

__all__ = ["DEFAULT", "Reply", "ServiceCallError", "ServiceClients"]

log = logging.getLogger("peakready.mocks.magento.integration")


class _Default:
    """Sentinel: use the settings' timeout for this service."""


DEFAULT = _Default()
# a failure's kind → the per-service counter it counts in
_FAILURE_COUNTS = {"timeout": "timeouts", "connect": "connect_errors",
                   "protocol": "connect_errors"}


class ServiceCallError(NoAnswer):
    """A call to ``service`` got no HTTP answer: ``kind`` is timeout | connect | protocol."""

    def __init__(self, service: str, kind: str, detail: str) -> None:
        super().__init__(kind, detail)
        self.service = service

    def __str__(self) -> str:
        return f"{self.service}: {super().__str__()}"


Reply = JsonReply


class ServiceClients:
    def __init__(self, settings: IntegrationSettings) -> None:
        self.settings = settings
        self._clients: dict[str, Http1Pool] = {}
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

    def _retire(self, client: Http1Pool) -> None:
        # Without a running loop the pool is simply dropped with the object.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(client.aclose())

    def client(self, service: str) -> Http1Pool:
        client = self._clients.get(service)
        if client is None:
            client = Http1Pool(self.settings.services[service])
            self._clients[service] = client
        return client

    def _timeouts(self, service: str,
                  timeout: float | _Default | None) -> tuple[float | None, float | None]:
        """(read timeout, connect timeout)."""
        if isinstance(timeout, _Default):
            s = self.settings
            total = {"erp": s.export_timeout, "crm": s.pull_timeout,
                     "payment": s.payment_timeout, "shipping": s.shipping_timeout}[service]
            return total, min(total, s.connect_timeout)
        return timeout, timeout

    async def call(self, service: str, method: str, path: str, *, json: Any = None,
                   params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None,
                   timeout: float | _Default | None = DEFAULT) -> Reply:
        self.counts[f"{service}.requests"] += 1
        read, connect = self._timeouts(service, timeout)
        try:
            reply = await json_request(self.client(service), method, path, json=json,
                                       params=params, headers=headers, timeout=read,
                                       connect_timeout=connect)
        except NoAnswer as exc:
            self.counts[f"{service}.{_FAILURE_COUNTS[exc.kind]}"] += 1
            raise ServiceCallError(service, exc.kind, str(exc.__cause__)) from exc.__cause__
        self.counts[f"{service}.status_{reply.status // 100}xx"] += 1
        return reply

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()
