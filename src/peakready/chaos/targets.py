"""Where a fault lands: a TCP fault on the fault proxy, or an HTTP fault rule on a mock.

::

    FaultTarget (protocol)          apply(index, fault, expires_in) → spec    clear(index, fault)
    ├── ProxyFaults                 toxic → POST /proxies/<p>/toxics (expires_in_ms)
    │                               down  → proxy disabled (counted: overlapping downs clear
    │                                       on their own, the proxy comes back with the last)
    └── MockFaults                  http  → POST /__admin/faults {id, ..., expires_in}
                                            DELETE /__admin/faults/<id>

Everything sent carries an expiry where the server has one (the embedded proxy's toxics and
every mock rule), so a controller that dies mid-window cannot leave a fault behind; a real
Toxiproxy ignores ``expires_in_ms`` and relies on the clearing (and our cleanup) instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

from peakready.chaos.toxiproxy_client import FaultProxyClient, FaultProxyRequestError
from peakready.config import FaultPlan
from peakready.errors import FaultControlError

__all__ = ["FaultTarget", "MockFaults", "ProxyFaults", "fault_id"]

log = logging.getLogger("peakready.chaos.targets")


def fault_id(index: int) -> str:
    """The name of fault ``index`` on the server: a toxic name or a mock rule id."""
    return f"peakready-fault-{index}"


class FaultTarget(Protocol):
    async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
        """Put the fault on; return the spec as sent (for faults.jsonl)."""

    async def clear(self, index: int, fault: FaultPlan) -> None:
        """Take it off again (idempotent: an already expired fault is not an error)."""


class ProxyFaults:
    """TCP faults through a Toxiproxy API (embedded proxy or a real Toxiproxy)."""

    def __init__(self, control: FaultProxyClient, names: Mapping[str, str]) -> None:
        self.control = control
        self.names = dict(names)          # plan proxy name → server proxy name
        self._downs: dict[str, int] = {}  # server proxy → faults holding it down

    def _name(self, fault: FaultPlan) -> str:
        assert fault.proxy is not None
        try:
            return self.names[fault.proxy]
        except KeyError:
            raise FaultControlError(f"no proxy {fault.proxy!r} in this estate") from None

    async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
        name = self._name(fault)
        if fault.down:
            self._downs[name] = self._downs.get(name, 0) + 1
            if self._downs[name] == 1:
                await asyncio.to_thread(self.control.disable, name)
            return {"proxy": name, "down": True}
        assert fault.toxic is not None
        attributes = {k: int(v) for k, v in fault.attributes.items()}
        await asyncio.to_thread(
            self.control.add_toxic, name, fault.toxic, name=fault_id(index),
            stream=fault.stream, toxicity=fault.toxicity, attributes=attributes,
            expires_in_ms=max(1, int(expires_in * 1000)))
        return {"proxy": name, "toxic": fault.toxic, "name": fault_id(index),
                "stream": fault.stream, "toxicity": fault.toxicity, "attributes": attributes,
                "expires_in_ms": int(expires_in * 1000)}

    async def clear(self, index: int, fault: FaultPlan) -> None:
        name = self._name(fault)
        if fault.down:
            held = self._downs.get(name, 0)
            self._downs[name] = max(0, held - 1)
            if held <= 1:
                await asyncio.to_thread(self.control.enable, name)
            return
        try:
            await asyncio.to_thread(self.control.remove_toxic, name, fault_id(index))
        except FaultProxyRequestError as exc:
            if exc.status != 404:  # 404: it expired by itself first
                raise


class MockFaults:
    """HTTP faults through the mocks' ``/__admin/faults`` switches (docs/mocks.md)."""

    def __init__(self, mocks: Mapping[str, str], *, timeout: float = 3.0) -> None:
        self.mocks = dict(mocks)  # mock name → base URL
        self._http = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _url(self, fault: FaultPlan) -> str:
        assert fault.mock is not None
        try:
            return self.mocks[fault.mock]
        except KeyError:
            raise FaultControlError(f"no mock {fault.mock!r} in this estate") from None

    async def _send(self, method: str, url: str, body: Any = None) -> httpx.Response:
        try:
            return await self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise FaultControlError(f"{method} {url}: {exc!r}") from exc

    async def apply(self, index: int, fault: FaultPlan, expires_in: float) -> dict[str, Any]:
        assert fault.http is not None
        rule = fault.http.rule(fault_id(index), round(expires_in, 3))
        response = await self._send("POST", self._url(fault) + "/__admin/faults", rule)
        if response.status_code >= 300:
            raise FaultControlError(f"mock {fault.mock} refused fault rule {rule}: "
                                    f"HTTP {response.status_code} {response.text[:300]}")
        return rule

    async def clear(self, index: int, fault: FaultPlan) -> None:
        url = f"{self._url(fault)}/__admin/faults/{fault_id(index)}"
        response = await self._send("DELETE", url)
        if response.status_code >= 300 and response.status_code != 404:
            raise FaultControlError(f"DELETE {url}: HTTP {response.status_code}")

    async def rules(self, mock: str) -> list[dict[str, Any]]:
        response = await self._send("GET", self.mocks[mock] + "/__admin/faults")
        rules: list[dict[str, Any]] = response.json().get("rules", [])
        return rules
