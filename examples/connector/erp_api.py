"""The example connector's ERP side, one adapter per ERP dialect (``CONNECTOR_ERP_DIALECT``).

Each adapter speaks its vendor's documented API (docs/dialects.md) and hands the connector
the same four things, so the connector's loop never knows which ERP it talks to::

    create_order(payload, idempotent)  → Reply   2xx: the ERP has the order; 0/408/429/5xx:
                                                 retry; another 4xx: refused (dead letter)
    order_updates()    → [{"increment_id", "status": "shipped"|"partially_shipped"|"invoiced",
                           "shipment_id", "items": [{"sku", "qty"}], "tracking_number",
                           "carrier"}]           changes since the last call (own cursor)
    cancel_order(increment)    → True once the ERP has Magento's cancellation (cancelled, or
                                 refused because a shipment left)
    book_refund(increment, refunded, credited) → True once the ERP's credit memos of the
                                 order add up to Magento's refunded total
    stock_level(sku)   → on-hand or None
    stock_changes()    → [{"sku", "qty"}] changed since the last call, or None on failure
    stock_unsaved(items)  those could not be written to Magento: handed over again next time
    stock_forget(skus)    Magento's level moved (a shipment) and the ERP's could not be read:
                          hand the ERP's over again even if it did not change

``idempotent`` is how a careful connector avoids duplicates on its vendor: the peakready API's
``Idempotency-Key``; NetSuite's ``PUT …/eid:{externalId}`` upsert; Business Central, Odoo and
SAP B1 have no key, so the adapter looks its external reference up before creating (a lookup
that can race: the ``stale_lookup`` fault shows it). Mistakes (mistakes.py) that live here:
``trust_http_200`` (an Odoo error inside a 200 read as success), ``no_relogin`` (an expired
session or token is never renewed), ``lookup_before_create`` (NetSuite: look up
``otherRefNum`` and POST instead of the ``eid:`` upsert). One module per vendor
(erp_bc.py, erp_netsuite.py, erp_odoo.py, erp_sapb1.py; the shared part in erp_base.py).
Stdlib only.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from erp_base import Adapter, Call
from erp_bc import BusinessCentralApi
from erp_netsuite import NetSuiteApi
from erp_odoo import OdooApi
from erp_sapb1 import SapB1Api

__all__ = ["ADAPTERS", "adapter"]


class PeakreadyApi(Adapter):
    """peakready's own ERP API (docs/mocks.md)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.update_cursor = 0
        self.stock_cursor: Any = 0

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        key = {"Idempotency-Key": payload["increment_id"]} if idempotent else {}
        return self.call("POST", self.base + "/api/orders", payload, key)

    def order_updates(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(20):
            reply = self.call("GET", self.base + "/api/order-updates",
                              params={"since": self.update_cursor, "limit": 200})
            if reply.status != 200:
                break
            for update in reply.body.get("items", []):
                out.append(update)
                self.update_cursor = max(self.update_cursor, int(update["id"]))
            if not reply.body.get("has_more"):
                break
        return out

    def cancel_order(self, increment: str) -> bool:
        return self._tell(increment, "cancel", None)

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        return self._tell(increment, "credit-memos", {
            "credit_memo_id": f"{increment}-{refunded:.2f}",
            "amount": round(refunded - credited, 2)})

    def _tell(self, increment: str, action: str, body: Any) -> bool:
        """POST an after-sale action to every ERP order of the increment id (a credit memo:
        the first); True when the ERP has it (a 409 on cancel: it shipped first)."""
        found = self.call("GET", self.base + "/api/orders", params={"increment_id": increment})
        if found.status != 200 or not found.body.get("items"):
            return False
        for order in found.body["items"]:
            erp_id = urllib.parse.quote(str(order["erp_order_id"]), safe="")
            key = f"{action}-{increment}-{(body or {}).get('credit_memo_id', '')}"
            reply = self.call("POST", f"{self.base}/api/orders/{erp_id}/{action}", body,
                              {"Idempotency-Key": key})
            if not (200 <= reply.status < 300 or (action == "cancel" and reply.status == 409)):
                return False
            if action != "cancel":
                return True
        return True

    def stock_level(self, sku: str) -> float | None:
        level = self.call("GET", f"{self.base}/api/stock/{urllib.parse.quote(sku)}")
        return float(level.body["qty"]) if level.status == 200 else None

    def _changes(self) -> list[dict[str, Any]] | None:
        changed: list[dict[str, Any]] = []
        for _ in range(50):
            reply = self.call("GET", self.base + "/api/stock",
                              params={"updated_since": self.stock_cursor, "limit": 500})
            if reply.status == 400:        # our cursor is past the ERP's feed: start over
                self.stock_cursor = 0
                return changed
            if reply.status != 200:
                return changed or None
            changed += [{"sku": i["sku"], "qty": i["qty"]} for i in reply.body.get("items", [])]
            self.stock_cursor = reply.body.get("next_cursor", self.stock_cursor)
            if not reply.body.get("has_more"):
                break
        return changed


ADAPTERS: dict[str, type[Adapter]] = {a.dialect: a for a in (
    PeakreadyApi, BusinessCentralApi, NetSuiteApi, OdooApi, SapB1Api)}


def adapter(dialect: str, base: str, call: Call, reply: Callable[..., Any],
            mistakes: frozenset[str]) -> Adapter:
    """The adapter of ``dialect``; SystemExit naming the known ones for an unknown name."""
    if dialect not in ADAPTERS:
        raise SystemExit(f"CONNECTOR_ERP_DIALECT: unknown ERP dialect {dialect!r}; known: "
                         f"{', '.join(ADAPTERS)}")
    return ADAPTERS[dialect](base, call, reply, mistakes)
