"""The example connector's ERP side, one adapter per ERP dialect (``CONNECTOR_ERP_DIALECT``).

Each adapter speaks its vendor's documented API (docs/dialects.md) and hands the connector
the same four things, so the connector's loop never knows which ERP it talks to::

    create_order(payload, idempotent)  → Reply   2xx: the ERP has the order; 0/408/429/5xx:
                                                 retry; another 4xx: refused (dead letter)
    order_updates()    → [{"increment_id", "status": "shipped"|"invoiced", "tracking_number",
                           "carrier"}]           changes since the last call (own cursor)
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
``otherRefNum`` and POST instead of the ``eid:`` upsert). Stdlib only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

__all__ = ["ADAPTERS", "adapter"]


class Reply(Protocol):
    status: int
    body: Any
    headers: dict[str, str]


Call = Callable[..., Any]   # connector.call(method, url, body, headers, params) → Reply


def _iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Adapter:
    dialect = "peakready"

    def __init__(self, base: str, call: Call, reply: Callable[..., Any],
                 mistakes: frozenset[str]) -> None:
        self.base, self.call, self.reply, self.mistakes = base, call, reply, mistakes
        self.started = time.time()
        self.emitted: set[tuple[str, str]] = set()
        self.levels: dict[str, float] = {}
        self.unsaved: dict[str, dict[str, Any]] = {}
        self.stale: set[str] = set()
        self.pulls = 0

    # what differs per vendor -----------------------------------------------------------------
    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        raise NotImplementedError

    def order_updates(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def stock_level(self, sku: str) -> float | None:
        raise NotImplementedError

    def all_levels(self) -> dict[str, float] | None:
        raise NotImplementedError

    # shared ----------------------------------------------------------------------------------
    def stock_changes(self) -> list[dict[str, Any]] | None:
        changes = self._changes()
        if changes is None:
            return list(self.unsaved.values()) or None
        merged = {**self.unsaved, **{c["sku"]: c for c in changes}}
        self.unsaved = {}
        for sku in sorted(self.stale - merged.keys()):
            level = self.stock_level(sku)
            if level is not None:
                merged[sku] = {"sku": sku, "qty": level}
        self.stale -= merged.keys()
        return list(merged.values())

    def stock_unsaved(self, items: list[dict[str, Any]]) -> None:
        self.unsaved.update({i["sku"]: i for i in items})

    def stock_forget(self, skus: list[str]) -> None:
        """Hand these SKUs' ERP levels over again next time, changed or not."""
        self.stale.update(skus)

    FULL_EVERY = 15     # every 15th pull hands over every level (Magento may have moved)

    def _changes(self) -> list[dict[str, Any]] | None:
        """Vendors without a change feed: read every level, hand over what changed (and,
        every FULL_EVERY pulls, everything: a full resync heals what a delta missed)."""
        levels = self.all_levels()
        if levels is None:
            return None
        self.pulls += 1
        if self.pulls % self.FULL_EVERY == 0:
            self.levels = {}
        changed = [{"sku": s, "qty": q} for s, q in levels.items() if self.levels.get(s) != q]
        self.levels.update(levels)
        return changed

    def _once(self, increment: str, status: str, **extra: Any) -> list[dict[str, Any]]:
        if (increment, status) in self.emitted:
            return []
        self.emitted.add((increment, status))
        return [{"increment_id": increment, "status": status, **extra}]


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
        headers = self._auth()
        if headers is None:
            return self.reply(0, "no token", {})
        reply = self.call(method, url, body, headers, params)
        if reply.status == 401 and "no_relogin" not in self.mistakes:
            self.token = None              # expired or revoked: a new token next time
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

    def order_updates(self) -> list[dict[str, Any]]:
        reply = self._api("GET", "/companies({cid})/salesOrders", params={
            "$filter": f"lastModifiedDateTime ge {_iso(self.since)}",
            "$select": "externalDocumentNumber,fullyShipped,lastModifiedDateTime"})
        if reply.status != 200:
            return []
        out: list[dict[str, Any]] = []
        for order in reply.body["value"]:
            if order.get("fullyShipped"):
                out += self._once(order["externalDocumentNumber"], "shipped")
        self.since = max(self.since, time.time() - 10)   # overlap: clocks and late commits
        return out

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


class NetSuiteApi(Adapter):
    """NetSuite REST: token-based auth (OAuth 1.0a, HMAC-SHA256), eid upserts, SuiteQL."""

    dialect = "netsuite"
    ACCOUNT, KEY, TOKEN, SECRET = "PEAKREADY", "peakready", "peakready", "secret"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_ids: dict[str, str] = {}
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
        rows = self._suiteql("SELECT otherrefnum, status, trackingnumberlist, lastmodifieddate "
                             f"FROM transaction WHERE lastmodifieddate >= '{_iso(self.since)}'")
        if rows is None:
            return []
        self.since = max(self.since, time.time() - 10)
        out: list[dict[str, Any]] = []
        for row in rows:
            if row.get("status") in ("F", "G"):      # Pending Billing, Billed: fulfilled
                out += self._once(row["otherrefnum"], "shipped",
                                  tracking_number=row.get("trackingnumberlist"))
            if row.get("status") == "G":
                out += self._once(row["otherrefnum"], "invoiced")
        return out

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


class OdooApi(Adapter):
    """Odoo JSON-RPC ``execute_kw``: errors arrive inside HTTP 200."""

    dialect = "odoo"
    DB, LOGIN, KEY = "peakready", "admin", "peakready"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.uid: int | None = None
        self.product_ids: dict[str, int] = {}
        self.since = self.started - 5

    def _rpc(self, service: str, method: str, *args: Any) -> Any:
        reply = self.call("POST", self.base + "/jsonrpc", {
            "jsonrpc": "2.0", "method": "call", "id": secrets.randbelow(10**9),
            "params": {"service": service, "method": method, "args": list(args)}})
        if reply.status == 200 and isinstance(reply.body, dict) and "error" in reply.body:
            if "trust_http_200" in self.mistakes:   # the mistake: a 200 is a success
                return self.reply(200, {"result": None}, reply.headers)
            error = reply.body["error"].get("data", {})
            # Odoo's own classes: a serialization failure or a server error is worth a
            # retry; a validation or access error is a refusal.
            name = str(error.get("name", ""))
            refused = "ValidationError" in name or "UserError" in name or \
                "MissingError" in name
            return self.reply(422 if refused else 503, reply.body["error"], reply.headers)
        return reply

    def _kw(self, model: str, method: str, args: list[Any],
            kwargs: dict[str, Any] | None = None) -> Any:
        if self.uid is None:
            login = self._rpc("common", "authenticate", self.DB, self.LOGIN, self.KEY, {})
            if login.status != 200 or not isinstance(login.body, dict) or \
                    not login.body.get("result"):
                return login if login.status != 200 else self.reply(0, "login failed", {})
            self.uid = int(login.body["result"])
        return self._rpc("object", "execute_kw", self.DB, self.uid, self.KEY, model, method,
                         args, kwargs or {})

    def _products(self, skus: list[str]) -> Any:
        """None when every SKU has its product id, else the failed answer."""
        wanted = [s for s in skus if s not in self.product_ids]
        if wanted:
            reply = self._kw("product.product", "search_read",
                             [[["default_code", "in", wanted]]],
                             {"fields": ["id", "default_code"]})
            if reply.status != 200 or not isinstance(reply.body.get("result"), list):
                return reply if reply.status != 200 else self.reply(503, reply.body, {})
            self.product_ids.update({p["default_code"]: p["id"] for p in reply.body["result"]})
        missing = [s for s in skus if s not in self.product_ids]
        return self.reply(422, f"unknown products {missing}", {}) if missing else None

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        ref = payload["increment_id"]
        failed = self._products([i["sku"] for i in payload["items"]])
        if failed is not None:
            return failed
        if idempotent:
            found = self._kw("sale.order", "search_count", [[["client_order_ref", "=", ref]]])
            if found.status != 200:
                return found
            if found.body.get("result"):
                return self.reply(200, found.body, {})
        return self._kw("sale.order", "create", [{
            "client_order_ref": ref,
            "order_line": [[0, 0, {"product_id": self.product_ids[i["sku"]],
                                   "product_uom_qty": i["qty"],
                                   "price_unit": i.get("price", 0)}]
                           for i in payload["items"]]}])

    def order_updates(self) -> list[dict[str, Any]]:
        since = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d %H:%M:%S")
        reply = self._kw("sale.order", "search_read", [[["write_date", ">=", since]]],
                         {"fields": ["client_order_ref", "delivery_status", "invoice_status"]})
        if reply.status != 200 or not isinstance(reply.body.get("result"), list):
            return []
        self.since = max(self.since, time.time() - 10)
        out: list[dict[str, Any]] = []
        for order in reply.body["result"]:
            if order.get("delivery_status") == "full":
                out += self._once(order["client_order_ref"], "shipped")
            if order.get("invoice_status") == "invoiced":
                out += self._once(order["client_order_ref"], "invoiced")
        return out

    def stock_level(self, sku: str) -> float | None:
        reply = self._kw("product.product", "search_read", [[["default_code", "=", sku]]],
                         {"fields": ["qty_available"]})
        result = reply.body.get("result") if reply.status == 200 else None
        return float(result[0]["qty_available"]) if result else None

    def all_levels(self) -> dict[str, float] | None:
        reply = self._kw("product.product", "search_read", [[]],
                         {"fields": ["default_code", "qty_available"]})
        result = reply.body.get("result") if reply.status == 200 else None
        if not isinstance(result, list):
            return None
        return {p["default_code"]: float(p["qty_available"]) for p in result}


class SapB1Api(Adapter):
    """SAP Business One Service Layer: a B1SESSION cookie from Login, renewed on 401."""

    dialect = "sap-b1"
    LOGIN = {"CompanyDB": "PEAKREADY", "UserName": "manager", "Password": "peakready"}

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.cookie: str | None = None
        self.since = self.started - 5

    def _sl(self, method: str, path: str, body: Any = None,
            params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        if self.cookie is None:
            login = self.call("POST", f"{self.base}/b1s/v1/Login", self.LOGIN)
            if login.status != 200:
                return login
            self.cookie = f"B1SESSION={login.body['SessionId']}; ROUTEID=.node1"
        url = f"{self.base}/b1s/v1{path}"
        reply = self.call(method, url, body, {"Cookie": self.cookie, **(headers or {})}, params)
        if reply.status in (401, 403) and "no_relogin" not in self.mistakes:
            self.cookie = None             # the session timed out: log in again next call
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

    def order_updates(self) -> list[dict[str, Any]]:
        day = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d")
        out: list[dict[str, Any]] = []
        params: dict[str, Any] | None = {
            "$filter": f"UpdateDate ge '{day}'",
            "$select": "NumAtCard,DocumentStatus,TrackingNumber"}
        path = "/Orders"
        for _ in range(100):
            reply = self._sl("GET", path, params=params,
                             headers={"Prefer": "odata.maxpagesize=500"})
            if reply.status != 200:
                return out
            for doc in reply.body["value"]:
                if doc.get("DocumentStatus") == "bost_Close":
                    out += self._once(doc["NumAtCard"], "shipped",
                                      tracking_number=doc.get("TrackingNumber"))
            link = reply.body.get("odata.nextLink")
            if not link:
                break
            path, params = "/" + link, None
        return out

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


ADAPTERS: dict[str, type[Adapter]] = {a.dialect: a for a in (
    PeakreadyApi, BusinessCentralApi, NetSuiteApi, OdooApi, SapB1Api)}


def adapter(dialect: str, base: str, call: Call, reply: Callable[..., Any],
            mistakes: frozenset[str]) -> Adapter:
    """The adapter of ``dialect``; SystemExit naming the known ones for an unknown name."""
    if dialect not in ADAPTERS:
        raise SystemExit(f"CONNECTOR_ERP_DIALECT: unknown ERP dialect {dialect!r}; known: "
                         f"{', '.join(ADAPTERS)}")
    return ADAPTERS[dialect](base, call, reply, mistakes)
