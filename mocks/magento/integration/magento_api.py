"""The integration's way into Magento: the simulator's own REST routes, called in-process.

A Magento module would call the service contracts (ShipOrderInterface, InvoiceOrderInterface,
SourceItemsSaveInterface); the simulator's equivalents are its route handlers, so the
integration goes through them with the integration token, over an in-process ASGI transport
(no socket, no capacity model, no mockkit journal: it is not storefront traffic). That keeps
every rule of those routes (validation, state machine, MSI bookkeeping, events) in one place.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["MagentoApi"]


class MagentoApi:
    def __init__(self, magento: Any) -> None:
        self.magento = magento                 # MagentoApp; its ``store`` changes on reset
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.magento),
                base_url="http://magento.internal/rest/default",
                headers={"Authorization": f"Bearer {self.magento.cfg.admin_token}"})
        return self._client

    async def call(self, method: str, path: str, body: Any = None,
                   params: dict[str, Any] | None = None) -> tuple[int, Any]:
        response = await self._http().request(method, path, json=body, params=params)
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = response.text
        return response.status_code, data

    async def ship(self, entity_id: int, carrier: str | None, tracking: str | None,
                   lines: list[dict[str, Any]] | None = None) -> tuple[int, Any]:
        """Ship ``lines`` ({order_item_id, qty}; none: everything left to ship)."""
        body: dict[str, Any] = {
            "items": list(lines or []), "notify": False,
            "arguments": {"extension_attributes": {"source_code": "default"}}}
        if tracking:
            body["tracks"] = [{"track_number": tracking, "title": carrier or "carrier",
                               "carrier_code": (carrier or "custom").lower()}]
            body["comment"] = {"comment": f"Shipped by the ERP: {carrier} {tracking}",
                               "is_visible_on_front": 1}
        return await self.call("POST", f"/V1/order/{entity_id}/ship", body)

    async def invoice(self, entity_id: int, invoice_id: str | None) -> tuple[int, Any]:
        body: dict[str, Any] = {"capture": True, "notify": False}
        if invoice_id:
            body["comment"] = {"comment": f"Invoiced by the ERP: {invoice_id}"}
        return await self.call("POST", f"/V1/order/{entity_id}/invoice", body)

    async def save_source_items(self, items: list[dict[str, Any]]) -> tuple[int, Any]:
        return await self.call("POST", "/V1/inventory/source-items", {"sourceItems": items})

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
