"""The example connector's SAP Business One adapter (Service Layer, B1SESSION cookie).

Orders are ``Orders`` documents (``NumAtCard`` looked up first: B1 has no idempotency key);
shipments are ``DeliveryNotes`` (lines, ``TrackingNumber``, ``TransportationCode`` named by
``ShippingTypes``); invoices are ``Invoices``; a Magento cancellation is
``Orders(n)/Cancel``; a refund is a service-type ``CreditNotes`` document for what the order's
credit notes do not cover yet. Stdlib only.
"""

from __future__ import annotations

import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from erp_base import Adapter

__all__ = ["SapB1Api"]


class SapB1Api(Adapter):
    """SAP Business One Service Layer: a B1SESSION cookie from Login, renewed on 401."""

    dialect = "sap-b1"
    LOGIN = {"CompanyDB": "PEAKREADY", "UserName": "manager", "Password": "peakready"}

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.cookie: str | None = None
        self.carriers: dict[Any, str] = {}      # TransportationCode → carrier name
        self.since = self.started - 5

    def _sl(self, method: str, path: str, body: Any = None,
            params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        reply: Any = None
        for _ in range(2):      # a session that timed out: log in again and send it again
            if self.cookie is None:
                login = self.call("POST", f"{self.base}/b1s/v1/Login", self.LOGIN)
                if login.status != 200:
                    return login
                self.cookie = f"B1SESSION={login.body['SessionId']}; ROUTEID=.node1"
            reply = self.call(method, f"{self.base}/b1s/v1{path}", body,
                              {"Cookie": self.cookie, **(headers or {})}, params)
            if reply.status not in (401, 403) or "no_relogin" in self.mistakes:
                return reply
            self.cookie = None  # a 401 was not processed: sending it again is safe
        return reply

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        ref = payload["increment_id"]
        if idempotent:
            found = self._sl("GET", "/Orders", params={"$filter": f"NumAtCard eq '{ref}'",
                                                       "$select": "DocEntry"})
            if found.status != 200:
                return found
            if found.body["value"]:
                return self.reply(200, found.body["value"][0], {})
        return self._sl("POST", "/Orders", {
            "CardCode": "C20000", "NumAtCard": ref,
            "DocDate": datetime.now(UTC).strftime("%Y-%m-%d"),
            "DocumentLines": [{"ItemCode": i["sku"], "Quantity": i["qty"],
                               "UnitPrice": i.get("price", 0), "WarehouseCode": "01"}
                              for i in payload["items"]]})

    def _all(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Every document of a collection, following ``odata.nextLink``; None on a failure."""
        records: list[dict[str, Any]] = []
        query: dict[str, Any] | None = params
        for _ in range(100):
            reply = self._sl("GET", path, params=query,
                             headers={"Prefer": "odata.maxpagesize=500"})
            if reply.status != 200:
                return None
            records += reply.body["value"]
            link = reply.body.get("odata.nextLink")
            if not link:
                break
            path, query = "/" + link, None
        return records

    def order_updates(self) -> list[dict[str, Any]]:
        day = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d")
        since = {"$filter": f"UpdateDate ge '{day}'"}
        if not self.carriers:
            types = self._all("/ShippingTypes", {})
            self.carriers = {t["Code"]: t["Name"] for t in types or []}
        deliveries = self._all("/DeliveryNotes", since)
        invoices = self._all("/Invoices", {**since, "$select": "NumAtCard"})
        if deliveries is None or invoices is None:
            return []
        self.since = max(self.since, time.time() - 10)
        out: list[dict[str, Any]] = []
        for doc in deliveries:
            out += self._shipment(doc["NumAtCard"], f"DN-{doc['DocEntry']}",
                                  doc.get("TrackingNumber"),
                                  self.carriers.get(doc.get("TransportationCode")),
                                  [{"sku": line["ItemCode"], "qty": line["Quantity"]}
                                   for line in doc.get("DocumentLines") or []])
        for doc in invoices:
            out += self._once(doc["NumAtCard"], "invoiced")
        return self._hand_over(out)

    def cancel_order(self, increment: str) -> bool:
        found = self._sl("GET", "/Orders", params={"$filter": f"NumAtCard eq '{increment}'",
                                                   "$select": "DocEntry"})
        if found.status != 200 or not found.body["value"]:
            return False
        for doc in found.body["value"]:
            reply = self._sl("POST", f"/Orders({doc['DocEntry']})/Cancel")
            delivered = reply.status == 400 and isinstance(reply.body, dict) and \
                reply.body.get("error", {}).get("code") == -5002
            if not (reply.status == 204 or delivered):
                return False
        return True

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        notes = self._all("/CreditNotes", {"$filter": f"NumAtCard eq '{increment}'",
                                           "$select": "DocTotal"})
        if notes is None:
            return False
        booked = sum(float(n.get("DocTotal") or 0) for n in notes)
        if booked + 0.005 >= refunded:          # no key: what is there counts
            return True
        reply = self._sl("POST", "/CreditNotes", {
            "CardCode": "C20000", "NumAtCard": increment, "DocType": "dDocument_Service",
            "DocumentLines": [{"ItemDescription": "Magento credit memo",
                               "AccountCode": "_SYS00000000036",
                               "LineTotal": round(refunded - booked, 2)}]})
        return reply.status == 201

    def stock_level(self, sku: str) -> float | None:
        reply = self._sl("GET", f"/Items('{urllib.parse.quote(sku)}')")
        return float(reply.body["QuantityOnStock"]) if reply.status == 200 else None

    def all_levels(self) -> dict[str, float] | None:
        levels: dict[str, float] = {}
        path, params = "/Items", {"$select": "ItemCode,QuantityOnStock"}
        for _ in range(1000):
            reply = self._sl("GET", path, params=params,
                             headers={"Prefer": "odata.maxpagesize=500"})
            if reply.status != 200:
                return None
            levels.update({i["ItemCode"]: float(i["QuantityOnStock"])
                           for i in reply.body["value"]})
            link = reply.body.get("odata.nextLink")
            if not link:
                return levels
            path, params = "/" + link, {}
        return levels
