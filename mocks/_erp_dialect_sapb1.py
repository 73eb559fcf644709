"""Dialect ``sap-b1``: SAP Business One Service Layer v1 (OData v3-style JSON).

::

    POST /b1s/v1/Login                 {"CompanyDB", "UserName", "Password"} → SessionId,
                                       SessionTimeout (minutes); cookies B1SESSION, ROUTEID
    POST /b1s/v1/Logout                204; the session ends
    GET  /b1s/v1/Orders                $filter (NumAtCard eq '…', UpdateDate ge '…'),
                                       $select, $top, $skip; 20 a page + odata.nextLink
    POST /b1s/v1/Orders                {"CardCode", "NumAtCard", "DocumentLines": [{"ItemCode",
                                       "Quantity", "UnitPrice"}]} → 201 + the document
    GET  /b1s/v1/Orders({DocEntry})    one document
    GET  /b1s/v1/Items                 ItemCode, QuantityOnStock, ItemWarehouseInfoCollection
    GET  /b1s/v1/Items('{ItemCode}')   one item
    (DeliveryNotes, Invoices, Orders(n)/Cancel, CreditNotes: _erp_dialect_sapb1_lifecycle.py)

Every call but Login needs the ``B1SESSION`` cookie. ``NumAtCard`` carries the Magento
increment id; ``ItemCode`` is the catalog SKU. A document's ``DocumentStatus`` is
``bost_Open`` until it is delivered (``bost_Close``, with a ``TrackingNumber``). Default page
size 20 (``Prefer: odata.maxpagesize=N`` → ``Preference-Applied``; 0 turns paging off).
Errors: ``{"error": {"code": <int>, "message": {"lang": "en-us", "value"}}}`` (301 invalid
session: 401; -2028 no matching records: 404; -5002 validation: 400). Credentials: CompanyDB
``PEAKREADY``, UserName ``manager``, Password ``peakready``. Fault marks: ``session_expiry``
(401 code 301; a new Login works), ``concurrency_limit`` (502 from the proxy in front, as an
overloaded Service Layer answers), ``stale_lookup`` (``NumAtCard`` filters find nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response

from ._erp_core import Line, OrderRefused, modified_ts
from ._erp_dialect import Arrival, Dialect
from ._erp_dialect_sapb1_lifecycle import lifecycle_routes
from ._erp_odata import ODataError, compile_filter, page

__all__ = ["SapB1Dialect"]

BASE = "/b1s/v1"
COMPANY_DB, USER, PASSWORD = "PEAKREADY", "manager", "peakready"
SESSION_TIMEOUT_MIN = 30
_PAGE = 20
_PROXY_ERROR = (b"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head><title>502 "
                b"Proxy Error</title></head><body><h1>Proxy Error</h1><p>The proxy server "
                b"received an invalid response from an upstream server.<br />\nError reading "
                b"from remote server</p></body></html>\n")


def error(status: int, code: int, value: str) -> Response:
    return json_response({"error": {"code": code, "message": {"lang": "en-us",
                                                              "value": value}}}, status)


def _arrival(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    data = orjson.loads(body) if body else None
    ref = data.get("NumAtCard") if isinstance(data, dict) else None
    return {"increment_id": str(ref)[:64] if ref else None}


def _day_time(ts: float) -> tuple[str, str]:
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")


class SapB1Dialect(Dialect):
    name = "sap-b1"
    title = "SAP Business One Service Layer v1"

    def arrivals(self) -> list[Arrival]:
        return [Arrival("POST", f"{BASE}/Orders", _arrival)]

    def throttled(self, request: Request) -> Response:
        return Response(_PROXY_ERROR, 502, media_type="text/html")

    # -- session ------------------------------------------------------------------------------
    def _session(self, request: Request) -> Response | None:
        if self.core.sessions.valid(self.core.cookie(request, "B1SESSION")):
            return None
        return error(401, 301, "Invalid session or session already timeout.")

    async def login(self, request: Request) -> Response:
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, -1000, "Invalid JSON body.")
        if not isinstance(data, dict) or (data.get("CompanyDB"), data.get("UserName"),
                                          data.get("Password")) != (COMPANY_DB, USER, PASSWORD):
            return error(401, 100000027, "Login failed")
        session = self.core.sessions.issue(guid=True)     # B1 session ids are GUIDs
        response = json_response({
            "odata.metadata": f"{request.base_url}b1s/v1/$metadata#B1Sessions/@Element",
            "SessionId": session, "Version": "1000190", "SessionTimeout": SESSION_TIMEOUT_MIN})
        response.set_cookie("B1SESSION", session, httponly=True)
        response.set_cookie("ROUTEID", ".node1", path="/b1s")
        return response

    async def logout(self, request: Request) -> Response:
        self.core.sessions.revoke(self.core.cookie(request, "B1SESSION") or "")
        return Response(status_code=204)

    # -- shapes ------------------------------------------------------------------------------
    def document(self, order: dict[str, Any], request: Request) -> dict[str, Any]:
        entry = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
        day, _ = _day_time(order["received_ts"])
        update_day, update_time = _day_time(modified_ts(order))
        closed = order["status"] in ("shipped", "invoiced")
        cancelled = order["status"] == "cancelled"
        return {"DocEntry": entry, "DocNum": 1000 + entry, "DocDate": day, "DocDueDate": day,
                "CardCode": "C20000",
                "NumAtCard": order["increment_id"], "DocTotal": order["grand_total"],
                "DocCurrency": order["currency"],
                "DocumentStatus": "bost_Close" if closed or cancelled else "bost_Open",
                "Cancelled": "tYES" if cancelled else "tNO",
                "TrackingNumber": order.get("tracking_number"),
                "UpdateDate": update_day, "UpdateTime": update_time,
                "DocumentLines": [{"LineNum": i, "ItemCode": it["sku"],
                                   "Quantity": it["qty"], "UnitPrice": it["price"],
                                   "Price": it["price"], "WarehouseCode": "01"}
                                  for i, it in enumerate(order["items"])]}

    def item(self, sku: str) -> dict[str, Any]:
        qty = (self.core.stock.get(sku) or {"qty": 0})["qty"]
        committed = 0
        return {"ItemCode": sku, "ItemName": sku, "QuantityOnStock": qty,
                "QuantityOrderedFromVendors": 0, "QuantityOrderedByCustomers": committed,
                "ItemWarehouseInfoCollection": [{"WarehouseCode": "01", "InStock": qty,
                                                 "Committed": committed, "Ordered": 0}]}

    def _collection(self, request: Request, records: list[dict[str, Any]], entity: str,
                    terms: list[tuple[str, str, Any]]) -> Response:
        q = request.query_params
        try:
            skip = int(q.get("$skip") or 0)
            top = int(q["$top"]) if q.get("$top") else None
        except ValueError as exc:
            return error(400, -1000, str(exc))
        size, headers = _PAGE, {}
        prefer = request.headers.get("prefer", "")
        if "odata.maxpagesize=" in prefer:
            wanted = int(prefer.split("odata.maxpagesize=")[1].split(",")[0] or _PAGE)
            size = wanted if wanted > 0 else 10**9
            headers["Preference-Applied"] = f"odata.maxpagesize={wanted}"
        chunk, following = page(records, terms, skip=skip, top=top, page_size=size)
        select = q.get("$select")
        if select:
            wanted_fields = [f.strip() for f in select.split(",")]
            chunk = [{f: r.get(f) for f in wanted_fields} for r in chunk]
        body: dict[str, Any] = {"odata.metadata": f"{request.base_url}b1s/v1/$metadata#"
                                                  f"{entity}", "value": chunk}
        if following is not None:
            params = [f"{k}={v}" for k, v in q.items() if k != "$skip"]
            body["odata.nextLink"] = f"{entity}?" + "&".join([*params, f"$skip={following}"])
        return json_response(body, headers=headers)

    # -- routes -------------------------------------------------------------------------------
    async def list_orders(self, request: Request) -> Response:
        denied = self._session(request)
        if denied:
            return denied
        try:
            terms = compile_filter(request.query_params.get("$filter"))
        except ODataError as exc:
            return error(400, -1000, str(exc))
        ref = next((v for f, op, v in terms if f == "NumAtCard" and op == "eq"), None)
        orders = self.core.find(request, str(ref)) if ref is not None else \
            self.core.changed_since(0.0)
        return self._collection(request, [self.document(o, request) for o in orders],
                                "Orders", terms)

    async def create_order(self, request: Request) -> Response:
        denied = self._session(request)
        if denied:
            return denied
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error(400, -1000, f"Invalid JSON: {exc}")
        if not isinstance(data, dict) or not data.get("CardCode"):
            return error(400, -5002, "Enter a business partner code (CardCode)")
        raw_lines = data.get("DocumentLines")
        if not isinstance(raw_lines, list) or not raw_lines:
            return error(400, -5002, "Document has no lines (DocumentLines)")
        lines = []
        for line in raw_lines:
            code = line.get("ItemCode") if isinstance(line, dict) else None
            if code is None or str(code) not in self.core.product_ids:
                return error(404, -2028, "No matching records found (ODBC -2028)")
            lines.append(Line(sku=str(code), qty=float(line.get("Quantity") or 0),
                              price=float(line.get("UnitPrice", line.get("Price", 0)) or 0)))
        ref = data.get("NumAtCard")
        try:
            order_in = self.core.canonical(ref, lines, email=data.get("EmailAddress"))
        except OrderRefused as exc:
            self.core.note_refusal(request, ref, exc)
            return error(400, -5002, exc.message)
        order = self.core.create(request, order_in)
        body = self.document(order, request)
        body["CardCode"] = data["CardCode"]
        body["odata.metadata"] = f"{self.core.base_url(request)}/b1s/v1/$metadata#Orders/@Element"
        return json_response(body, 201)

    async def get_order(self, request: Request) -> Response:
        denied = self._session(request)
        if denied:
            return denied
        self.core.advance()
        raw = request.path_params["doc_entry"]
        order = self.core.orders.orders.get(f"SO-{int(raw):07d}") if raw.isdigit() else None
        if order is None:
            return error(404, -2028, "No matching records found (ODBC -2028)")
        return json_response(self.document(order, request))

    async def list_items(self, request: Request) -> Response:
        denied = self._session(request)
        if denied:
            return denied
        self.core.advance()
        try:
            terms = compile_filter(request.query_params.get("$filter"))
        except ODataError as exc:
            return error(400, -1000, str(exc))
        return self._collection(request, [self.item(s) for s in self.core.product_ids],
                                "Items", terms)

    async def get_item(self, request: Request) -> Response:
        denied = self._session(request)
        if denied:
            return denied
        self.core.advance()
        code = request.path_params["item_code"]
        if self.core.stock.get(code) is None:
            return error(404, -2028, "No matching records found (ODBC -2028)")
        return json_response(self.item(code))

    def routes(self) -> list[Operation]:
        tags = ("sap-b1",)
        return [*lifecycle_routes(self),
            Operation("POST", f"{BASE}/Login", self.login, "Log in: B1SESSION cookie",
                      tags=tags),
            Operation("POST", f"{BASE}/Logout", self.logout, "End the session", tags=tags),
            Operation("GET", f"{BASE}/Orders", self.list_orders,
                      "Sales orders ($filter, $select, paging)", tags=tags),
            Operation("POST", f"{BASE}/Orders", self.create_order, "Create a sales order",
                      tags=tags),
            Operation("GET", f"{BASE}/Orders({{doc_entry}})", self.get_order,
                      "One sales order", tags=tags),
            Operation("GET", f"{BASE}/Items", self.list_items, "Items with stock", tags=tags),
            Operation("GET", f"{BASE}/Items('{{item_code}}')", self.get_item, "One item",
                      tags=tags),
        ]
