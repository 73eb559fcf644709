"""The example connector's NetSuite adapter (SuiteTalk REST, token-based authentication).

Orders are upserted by external id (``PUT salesOrder/eid:…``); shipments are
``itemFulfillment`` records (lines, ``shipMethod``, the package's tracking number) whose
``createdFrom`` sales order carries ``otherRefNum``; invoiced orders show as status ``G``
(Billed) in SuiteQL; a Magento cancellation sets the order's ``orderStatus`` to ``C``; a
refund is a ``creditMemo`` upserted by an external id naming Magento's refunded total.
Stdlib only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import urllib.parse
from typing import Any

from erp_base import Adapter, iso

__all__ = ["NetSuiteApi"]


class NetSuiteApi(Adapter):
    """NetSuite REST: token-based auth (OAuth 1.0a, HMAC-SHA256), eid upserts, SuiteQL."""

    dialect = "netsuite"
    ACCOUNT, KEY, TOKEN, SECRET = "PEAKREADY", "peakready", "peakready", "secret"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_ids: dict[str, str] = {}
        self.refs: dict[str, str] = {}          # sales order internal id → otherRefNum
        self.since = self.started - 5

    def _oauth(self, method: str, url: str) -> dict[str, str]:
        params = {"oauth_consumer_key": self.KEY, "oauth_token": self.TOKEN,
                  "oauth_signature_method": "HMAC-SHA256",
                  "oauth_timestamp": str(int(time.time())),
                  "oauth_nonce": secrets.token_hex(8), "oauth_version": "1.0"}
        bare, _, query = url.partition("?")
        pairs = sorted([*params.items(), *urllib.parse.parse_qsl(query)])
        quote = lambda s: urllib.parse.quote(str(s), safe="~")  # noqa: E731
        text = "&".join([method.upper(), quote(bare),
                         quote("&".join(f"{quote(k)}={quote(v)}" for k, v in pairs))])
        key = f"{quote(self.SECRET)}&{quote(self.SECRET)}".encode()
        signature = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest())
        params["oauth_signature"] = signature.decode()
        fields = ", ".join(f'{k}="{quote(v)}"' for k, v in params.items())
        return {"Authorization": f'OAuth realm="{self.ACCOUNT}", {fields}'}

    def _rest(self, method: str, path: str, body: Any = None,
              params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
              ) -> Any:
        url = f"{self.base}/services/rest{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        return self.call(method, url, body, {**self._oauth(method, url), **(headers or {})})

    def _suiteql(self, query: str) -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = []
        for page in range(100):
            reply = self._rest("POST", "/query/v1/suiteql", {"q": query},
                               {"limit": 1000, "offset": page * 1000}, {"Prefer": "transient"})
            if reply.status != 200:
                return None
            rows += reply.body["items"]
            if not reply.body.get("hasMore"):
                break
        return rows

    def _items(self, skus: list[str]) -> bool:
        """Whether every SKU has its internal id (looked up by SuiteQL once)."""
        wanted = [s for s in skus if s not in self.item_ids]
        if wanted:
            listed = ", ".join("'" + s.replace("'", "''") + "'" for s in wanted)
            rows = self._suiteql(f"SELECT id, itemid FROM item WHERE itemid IN ({listed})")
            if rows is None:
                return False
            self.item_ids.update({r["itemid"]: r["id"] for r in rows})
        return all(s in self.item_ids for s in skus)

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        ref = payload["increment_id"]
        skus = [i["sku"] for i in payload["items"]]
        if not self._items(skus):
            return self.reply(0, "item ids unavailable", {})
        body = {"entity": {"id": "1"}, "otherRefNum": ref, "externalId": f"magento-{ref}",
                "email": payload.get("customer_email"),
                "item": {"items": [{"item": {"id": self.item_ids[i["sku"]]},
                                    "quantity": i["qty"], "rate": i.get("price", 0)}
                                   for i in payload["items"]]}}
        if idempotent and "lookup_before_create" not in self.mistakes:
            return self._rest("PUT", f"/record/v1/salesOrder/eid:magento-{ref}", body)
        if idempotent:
            found = self._rest("GET", "/record/v1/salesOrder",
                               params={"q": f'otherRefNum IS "{ref}"'})
            if found.status != 200:
                return found
            if found.body["items"]:
                return self.reply(200, found.body["items"][0], {})
        return self._rest("POST", "/record/v1/salesOrder", body)

    def order_updates(self) -> list[dict[str, Any]]:
        rows = self._suiteql("SELECT otherrefnum, status, lastmodifieddate FROM transaction "
                             f"WHERE lastmodifieddate >= '{iso(self.since)}'")
        fulfillments = self._fulfillments()
        if rows is None or fulfillments is None:
            return []
        self.since = max(self.since, time.time() - 10)
        out = fulfillments
        for row in rows:
            if row.get("status") == "G":              # Billed
                out += self._once(row["otherrefnum"], "invoiced")
        return self._hand_over(out)

    def _fulfillments(self) -> list[dict[str, Any]] | None:
        """The item fulfillments (shipments) changed since the last poll, each once."""
        out: list[dict[str, Any]] = []
        query = {"q": f'lastModifiedDate ON_OR_AFTER "{iso(self.since)}"', "limit": 1000}
        for page in range(20):
            listed = self._rest("GET", "/record/v1/itemFulfillment",
                                params={**query, "offset": page * 1000})
            if listed.status != 200:
                return None
            for row in listed.body["items"]:
                if (row["id"], "shipment") in self.emitted:
                    continue
                record = self._rest("GET", f"/record/v1/itemFulfillment/{row['id']}",
                                    params={"expandSubResources": "true"})
                ref = self._reference(record.body["createdFrom"]["id"]) \
                    if record.status == 200 else None
                if ref is None:
                    return None
                body = record.body
                tracking = [p.get("packageTrackingNumber")
                            for p in (body.get("package") or {}).get("items") or []]
                out += self._shipment(
                    ref, row["id"], tracking[0] if tracking else None,
                    (body.get("shipMethod") or {}).get("refName"),
                    [{"sku": line["item"]["refName"], "qty": line["quantity"]}
                     for line in (body.get("item") or {}).get("items") or []])
            if not listed.body.get("hasMore"):
                break
        return out

    def _reference(self, order_id: str) -> str | None:
        """A sales order's ``otherRefNum`` (the Magento increment id), read once."""
        if order_id not in self.refs:
            reply = self._rest("GET", f"/record/v1/salesOrder/{order_id}")
            if reply.status != 200:
                return None
            self.refs[order_id] = reply.body["otherRefNum"]
        return self.refs[order_id]

    def cancel_order(self, increment: str) -> bool:
        found = self._rest("GET", "/record/v1/salesOrder",
                           params={"q": f'otherRefNum IS "{increment}"'})
        if found.status != 200 or not found.body["items"]:
            return False
        for row in found.body["items"]:
            reply = self._rest("PATCH", f"/record/v1/salesOrder/{row['id']}",
                               {"orderStatus": "C"})
            details = reply.body.get("o:errorDetails", []) if isinstance(reply.body, dict) \
                else []
            fulfilled = reply.status == 400 and any(
                d.get("o:errorCode") == "USER_ERROR" for d in details)
            if not (reply.status == 204 or fulfilled):
                return False
        return True

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        # The external id names the memo: the same upsert again never books twice.
        memo = f"magento-cm-{increment}-{refunded:.2f}"
        reply = self._rest("PUT", f"/record/v1/creditMemo/eid:{memo}", {
            "entity": {"id": "1"}, "otherRefNum": increment, "externalId": memo,
            "item": {"items": [{"description": "Magento credit memo",
                                "amount": round(refunded - credited, 2)}]}})
        return reply.status == 204

    def stock_level(self, sku: str) -> float | None:
        if not self._items([sku]):
            return None
        reply = self._rest("GET", f"/record/v1/inventoryItem/{self.item_ids[sku]}")
        return float(reply.body["quantityOnHand"]) if reply.status == 200 else None

    def all_levels(self) -> dict[str, float] | None:
        rows = self._suiteql("SELECT item, quantityonhand FROM inventoryitemlocations "
                             "ORDER BY item")
        ids = self._suiteql("SELECT id, itemid FROM item")
        if rows is None or ids is None:
            return None
        names = {r["id"]: r["itemid"] for r in ids}
        self.item_ids.update({v: k for k, v in names.items()})
        return {names[r["item"]]: float(r["quantityonhand"]) for r in rows if r["item"] in names}
