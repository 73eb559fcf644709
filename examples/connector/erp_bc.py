"""The example connector's Business Central adapter (API v2.0, OAuth2 client credentials).

Orders are deep-inserted ``salesOrders`` (looked up by ``externalDocumentNumber`` first: BC
has no idempotency key); shipments are ``salesShipments`` with their lines, carrier
(``shippingAgentCode``) and tracking number (``packageTrackingNumber``); invoices are
``salesInvoices``; a Magento cancellation deletes the open order; a refund is a
``salesCreditMemo`` for what the order's memos do not cover yet. Stdlib only.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

from erp_base import Adapter, iso

__all__ = ["BusinessCentralApi"]


class BusinessCentralApi(Adapter):
    """Business Central API v2.0: client-credentials token, deep-insert sales orders."""

    dialect = "business-central"
    TENANT, SECRET = "peakready", "peakready"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.token: str | None = None
        self.token_until = 0.0
        self.company: str | None = None
        self.since = self.started - 5

    def _auth(self) -> dict[str, str] | None:
        if self.token is None or (time.time() > self.token_until
                                  and "no_relogin" not in self.mistakes):
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": self.SECRET,
                "client_secret": self.SECRET,
                "scope": "https://api.businesscentral.dynamics.com/.default"})
            reply = self.call("POST", f"{self.base}/{self.TENANT}/oauth2/v2.0/token",
                              raw=form.encode(), content_type="application/x-www-form-urlencoded")
            if reply.status != 200:
                return None
            self.token = reply.body["access_token"]
            self.token_until = time.time() + float(reply.body.get("expires_in", 3599)) - 60
        return {"Authorization": f"Bearer {self.token}"}

    def _send(self, method: str, url: str, body: Any = None,
              params: dict[str, Any] | None = None) -> Any:
        reply: Any = None
        for _ in range(2):      # an expired or revoked token: a new one, and send it again
            headers = self._auth()
            if headers is None:
                return self.reply(0, "no token", {})
            reply = self.call(method, url, body, headers, params)
            if reply.status != 401 or "no_relogin" in self.mistakes:
                return reply
            self.token = None   # a 401 was not processed: sending it again is safe
        return reply

    def _api(self, method: str, path: str, body: Any = None,
             params: dict[str, Any] | None = None) -> Any:
        root = f"{self.base}/v2.0/{self.TENANT}/production/api/v2.0"
        if self.company is None:
            companies = self._send("GET", root + "/companies")
            if companies.status != 200:
                return companies
            self.company = companies.body["value"][0]["id"]
        return self._send(method, root + path.replace("{cid}", str(self.company)), body,
                          params)

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        ref = payload["increment_id"]
        if idempotent:
            found = self._api("GET", "/companies({cid})/salesOrders",
                              params={"$filter": f"externalDocumentNumber eq '{ref}'",
                                      "$select": "id"})
            if found.status != 200:
                return found
            if found.body["value"]:
                return self.reply(200, found.body["value"][0], {})
        return self._api("POST", "/companies({cid})/salesOrders", {
            "externalDocumentNumber": ref, "customerNumber": "10000",
            "email": payload.get("customer_email"),
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": i["sku"],
                                 "quantity": i["qty"], "unitPrice": i.get("price", 0)}
                                for i in payload["items"]]})

    def _all(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Every record of a collection, following ``@odata.nextLink``; None on a failure."""
        records: list[dict[str, Any]] = []
        reply = self._api("GET", path, params=params)
        for _ in range(100):
            if reply.status != 200:
                return None
            records += reply.body["value"]
            link = reply.body.get("@odata.nextLink")
            if not link:
                break
            reply = self._send("GET", link)
        return records

    def order_updates(self) -> list[dict[str, Any]]:
        since = {"$filter": f"lastModifiedDateTime ge {iso(self.since)}"}
        shipments = self._all("/companies({cid})/salesShipments",
                              {**since, "$expand": "salesShipmentLines"})
        invoices = self._all("/companies({cid})/salesInvoices",
                             {**since, "$select": "externalDocumentNumber,number"})
        if shipments is None or invoices is None:
            return []
        out: list[dict[str, Any]] = []
        for shipment in shipments:
            out += self._shipment(
                shipment["externalDocumentNumber"], shipment["number"],
                shipment.get("packageTrackingNumber"), shipment.get("shippingAgentCode"),
                [{"sku": line["lineObjectNumber"], "qty": line["quantity"]}
                 for line in shipment.get("salesShipmentLines") or []])
        for invoice in invoices:
            out += self._once(invoice["externalDocumentNumber"], "invoiced")
        self.since = max(self.since, time.time() - 10)   # overlap: clocks and late commits
        return self._hand_over(out)

    def _orders_of(self, ref: str) -> list[str] | None:
        found = self._api("GET", "/companies({cid})/salesOrders",
                          params={"$filter": f"externalDocumentNumber eq '{ref}'",
                                  "$select": "id"})
        return [o["id"] for o in found.body["value"]] if found.status == 200 else None

    def cancel_order(self, increment: str) -> bool:
        ids = self._orders_of(increment)
        if not ids:                         # not there (yet): try again next time
            return False
        for order_id in ids:                # BC cancels an open order by deleting it
            reply = self._api("DELETE", f"/companies({{cid}})/salesOrders({order_id})")
            refused = reply.status == 400 and isinstance(reply.body, dict) and \
                reply.body.get("error", {}).get("code") == "Application_DialogException"
            if not (reply.status in (204, 404) or refused):
                return False
        return True

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        memos = self._all("/companies({cid})/salesCreditMemos", {
            "$filter": f"externalDocumentNumber eq '{increment}'"})
        if memos is None:
            return False
        booked = sum(float(m.get("totalAmountIncludingTax") or 0) for m in memos)
        if booked + 0.005 >= refunded:       # BC has no key: what is there counts
            return True
        reply = self._api("POST", "/companies({cid})/salesCreditMemos", {
            "customerNumber": "10000", "externalDocumentNumber": increment,
            "salesCreditMemoLines": [{"lineType": "Account", "lineObjectNumber": "6610",
                                      "description": "Magento credit memo", "quantity": 1,
                                      "unitPrice": round(refunded - booked, 2)}]})
        return reply.status == 201

    def stock_level(self, sku: str) -> float | None:
        reply = self._api("GET", "/companies({cid})/items",
                          params={"$filter": f"number eq '{sku}'", "$select": "number,inventory"})
        if reply.status != 200 or not reply.body["value"]:
            return None
        return float(reply.body["value"][0]["inventory"])

    def all_levels(self) -> dict[str, float] | None:
        levels: dict[str, float] = {}
        reply = self._api("GET", "/companies({cid})/items", params={
            "$select": "number,inventory"})
        for _ in range(100):
            if reply.status != 200:
                return None
            levels.update({i["number"]: float(i["inventory"]) for i in reply.body["value"]})
            link = reply.body.get("@odata.nextLink")
            if not link:
                return levels
            reply = self._send("GET", link)
        return levels
