"""Dialect ``business-central``: Dynamics 365 Business Central API v2.0 (OData v4).

::

    GET  /{tenant}/v2.0/.well-known/openid-configuration   Entra ID discovery (msal asks first)
    POST /{tenant}/oauth2/v2.0/token                       client credentials → bearer token
    GET  {base}/companies
    GET  {base}/companies({cid})/salesOrders               $filter $top $skip, @odata.nextLink
    POST {base}/companies({cid})/salesOrders               lines deep-inserted → 201 + entity
    GET  {base}/companies({cid})/salesOrders({id})         ?$expand=salesOrderLines
    GET  {base}/companies({cid})/salesOrders({id})/salesOrderLines
    GET  {base}/companies({cid})/items                     $filter (number, lastModifiedDateTime)
    GET  {base}/companies({cid})/items({id})
    (salesShipments, salesInvoices, DELETE salesOrders({id}), salesCreditMemos:
    _erp_dialect_bc_lifecycle.py)

``{base}`` is ``/v2.0/peakready/production/api/v2.0`` (tenant ``peakready``, environment
``production``), the company id :data:`COMPANY_ID`. Credentials: client id ``peakready``,
client secret ``peakready``, scope ``https://api.businesscentral.dynamics.com/.default``;
tokens last ``expires_in`` 3599 s. ``externalDocumentNumber`` carries the Magento increment
id; lines are ``{"lineType": "Item", "lineObjectNumber": SKU | "itemId": GUID, "quantity",
"unitPrice"}`` (an item's ``number`` is the catalog SKU, its ``inventory`` the on-hand; an
open order does not reduce it). This mock takes lines deep-inserted only: a header without
``salesOrderLines`` is a 400. There is no idempotency key: connectors look up
``externalDocumentNumber`` before creating. Errors: ``{"error": {"code", "message"}}`` with
the documented codes; 429 ``Application_TooManyRequests`` with ``Retry-After``
(``concurrency_limit`` fault); 401 ``Authentication_InvalidCredentials`` for a missing,
unknown or expired token (``session_expiry`` fault); ``stale_lookup`` hides orders from the
``externalDocumentNumber`` filter.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response, parse_time

from ._erp_core import Line, OrderRefused, modified_ts
from ._erp_dialect import Arrival, Dialect
from ._erp_dialect_bc_lifecycle import lifecycle_routes
from ._erp_odata import ODataError, compile_filter, page
from ._erp_stock import iso

__all__ = ["COMPANY_ID", "BusinessCentralDialect"]

TENANT, ENVIRONMENT = "peakready", "production"
BASE = f"/v2.0/{TENANT}/{ENVIRONMENT}/api/v2.0"
COMPANY_ID = "5f3c1d2e-8b4a-4c6f-9e21-7d0a1b2c3d4e"
COMPANY = f"{BASE}/companies({COMPANY_ID})"
CLIENT_ID = CLIENT_SECRET = "peakready"
_NS = uuid.UUID("0d9a3c1e-52f4-4b8e-a7c6-1e2f3a4b5c6d")
_PAGE = 20_000
_STATUS = {"received": "Draft", "picked": "Open", "shipped": "Open", "invoiced": "Open"}


def _arrival(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    data = orjson.loads(body) if body else None
    ref = data.get("externalDocumentNumber") if isinstance(data, dict) else None
    return {"increment_id": str(ref)[:64] if ref else None}


def _after(value: str, op: str, bound: Any) -> bool:
    at, limit = parse_time(value), parse_time(str(bound))
    return {"gt": at > limit, "ge": at >= limit, "lt": at < limit, "le": at <= limit,
            "eq": at == limit, "ne": at != limit}[op]


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None
          ) -> Response:
    correlation = uuid.uuid4()
    return json_response({"error": {"code": code, "message": f"{message}  CorrelationId:  "
                                                             f"{correlation}."}},
                         status, headers)


class BusinessCentralDialect(Dialect):
    name = "business-central"
    title = "Dynamics 365 Business Central API v2.0"

    def __init__(self, core: Any, settings: dict[str, Any]) -> None:
        super().__init__(core, settings)
        self._guids: dict[str, str] = {}
        self._items = {core.item_guid(sku): sku for sku in core.product_ids}

    def arrivals(self) -> list[Arrival]:
        return [Arrival("POST", f"{COMPANY}/salesOrders", _arrival)]

    def throttled(self, request: Request) -> Response:
        return error(429, "Application_TooManyRequests",
                     "Too many requests reached. Actual (6). Maximum (5).", {"Retry-After": "1"})

    # -- shapes ------------------------------------------------------------------------------
    @staticmethod
    def order_guid(erp_id: str) -> str:
        return str(uuid.uuid5(_NS, erp_id))

    def _order_by_guid(self, guid: str) -> dict[str, Any] | None:
        erp_id = self._guids.get(guid)
        if erp_id is None:
            self._guids = {self.order_guid(e): e for e in self.core.orders.orders}
            erp_id = self._guids.get(guid)
        return self.core.orders.orders.get(erp_id) if erp_id else None

    def sales_order(self, order: dict[str, Any], request: Request) -> dict[str, Any]:
        n = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
        modified = modified_ts(order)
        tag = base64.b64encode(f"{order['erp_order_id']};{modified:.6f}".encode()).decode()
        status = order["status"]
        return {"@odata.etag": f'W/"{tag}"', "id": self.order_guid(order["erp_order_id"]),
                "number": f"S-ORD{100000 + n}",
                "externalDocumentNumber": order["increment_id"],
                "orderDate": iso(order["received_ts"])[:10],
                "customerNumber": "10000",
                "email": order["customer_email"], "currencyCode": order["currency"],
                "totalAmountIncludingTax": order["grand_total"],
                "status": _STATUS.get(status, "Open"),
                "fullyShipped": status in ("shipped", "invoiced"),
                "lastModifiedDateTime": iso(modified)}

    def lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        doc = self.order_guid(order["erp_order_id"])
        shipped = order["status"] in ("shipped", "invoiced")
        return [{"id": str(uuid.uuid5(_NS, f"{doc}:{i}")), "documentId": doc,
                 "sequence": 10000 * (i + 1), "itemId": self.core.item_guid(item["sku"]),
                 "lineType": "Item", "lineObjectNumber": item["sku"],
                 "quantity": item["qty"], "unitPrice": item["price"],
                 "shippedQuantity": item["qty"] if shipped else 0}
                for i, item in enumerate(order["items"])]

    def item(self, sku: str) -> dict[str, Any]:
        level = self.core.stock.get(sku) or {"qty": 0, "updated_at": iso(0)}
        return {"id": self.core.item_guid(sku), "number": sku, "displayName": sku,
                "type": "Inventory", "blocked": False, "inventory": level["qty"],
                "unitPrice": 0, "baseUnitOfMeasureCode": "PCS",
                "lastModifiedDateTime": level["updated_at"]}

    # -- auth ---------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and self.core.sessions.valid(header[7:])

    @staticmethod
    def _unauthorized() -> Response:
        return error(401, "Authentication_InvalidCredentials",
                     "The server has rejected the client credentials.",
                     {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'})

    async def discovery(self, request: Request) -> Response:
        root = str(request.base_url).rstrip("/") + f"/{request.path_params['tenant']}"
        return json_response({
            "issuer": f"{root}/v2.0", "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "token"],
            "jwks_uri": f"{root}/discovery/v2.0/keys"})

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type", "error_description":
                                  "AADSTS70003: The app requested an unsupported grant type."},
                                 400)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return json_response({"error": "invalid_client", "error_description":
                                  "AADSTS7000215: Invalid client secret provided.",
                                  "error_codes": [7000215],
                                  "trace_id": str(uuid.uuid4()),
                                  "correlation_id": str(uuid.uuid4())}, 401)
        return json_response({"token_type": "Bearer", "expires_in": 3599,
                              "ext_expires_in": 3599,
                              "access_token": self.core.sessions.issue("bc.")})

    # -- API ----------------------------------------------------------------------------------
    def _collection(self, request: Request, records: list[dict[str, Any]],
                    context: str) -> Response:
        q = request.query_params
        try:
            terms = compile_filter(q.get("$filter"))
            since = [t for t in terms if t[0] == "lastModifiedDateTime"]
            if since:    # compared as times, not as text (clients send other precisions)
                records = [r for r in records if all(
                    _after(r["lastModifiedDateTime"], op, value) for _, op, value in since)]
                terms = [t for t in terms if t[0] != "lastModifiedDateTime"]
            skip = int(q.get("$skiptoken") or q.get("$skip") or 0)
            top = int(q["$top"]) if q.get("$top") else None
        except (ODataError, ValueError, OverflowError) as exc:
            return error(400, "BadRequest", str(exc))
        size = _PAGE
        prefer = request.headers.get("prefer", "")
        headers = {}
        if "odata.maxpagesize=" in prefer:
            size = max(1, int(prefer.split("odata.maxpagesize=")[1].split(",")[0] or _PAGE))
            headers["Preference-Applied"] = f"odata.maxpagesize={size}"
        chunk, following = page(records, terms, skip=skip, top=top, page_size=size)
        select = q.get("$select")
        if select:
            wanted = {f.strip() for f in select.split(",")} | {"@odata.etag"}
            chunk = [{k: v for k, v in r.items() if k in wanted} for r in chunk]
        body: dict[str, Any] = {"@odata.context": f"{request.base_url}{BASE[1:]}/$metadata#"
                                                  f"{context}", "value": chunk}
        if following is not None:
            params = {k: v for k, v in q.items() if k not in ("$skip", "$skiptoken")}
            params["$skiptoken"] = str(following)
            if top is not None:
                params["$top"] = str(top)
            query = "&".join(f"{k}={v}" for k, v in params.items())
            body["@odata.nextLink"] = f"{str(request.url).split('?')[0]}?{query}"
        return json_response(body, headers=headers)

    async def companies(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        return self._collection(request, [{
            "id": COMPANY_ID, "systemVersion": "24.0.16410.18040", "timestamp": 1,
            "name": "PEAKREADY", "displayName": "peakready", "businessProfileId": "",
            "systemCreatedAt": "2024-01-01T00:00:00Z",
            "systemModifiedAt": "2024-01-01T00:00:00Z"}], "companies")

    async def list_orders(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            terms = compile_filter(request.query_params.get("$filter"))
        except ODataError as exc:
            return error(400, "BadRequest", str(exc))
        ref = next((v for f, op, v in terms if f == "externalDocumentNumber" and op == "eq"),
                   None)
        orders = self.core.find(request, str(ref)) if ref is not None else \
            self.core.changed_since(0.0)
        return self._collection(request, [self.sales_order(o, request) for o in orders],
                                f"companies({COMPANY_ID})/salesOrders")

    async def create_order(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error(400, "BadRequest", f"Invalid JSON: {exc}")
        if not isinstance(data, dict):
            return error(400, "BadRequest", "The request body must be an object.")
        ref = data.get("externalDocumentNumber")
        if not data.get("customerNumber") and not data.get("customerId"):
            return error(400, "Application_DialogException",
                         "A customerNumber or a customerID must be provided.")
        raw_lines = data.get("salesOrderLines")
        if not isinstance(raw_lines, list) or not raw_lines:
            return error(400, "BadRequest_MethodNotAllowed",
                         "This ERP takes salesOrderLines deep-inserted with the order.")
        lines = []
        for i, line in enumerate(raw_lines):
            sku = line.get("lineObjectNumber") if isinstance(line, dict) else None
            if sku is None and isinstance(line, dict):
                sku = self._items.get(str(line.get("itemId")))
            if sku is None or str(sku) not in self.core.product_ids:
                return error(400, "Internal_RecordNotFound",
                             f"salesOrderLines[{i}]: the Item does not exist. Identification "
                             f"fields and values: No.='{sku}'")
            lines.append(Line(sku=str(sku), qty=float(line.get("quantity") or 0),
                              price=float(line.get("unitPrice") or 0)))
        try:
            order_in = self.core.canonical(ref, lines, email=data.get("email"))
        except OrderRefused as exc:
            self.core.note_refusal(request, ref, exc)
            return error(400, "Application_FieldValidationException", exc.message)
        order = self.core.create(request, order_in)
        body = self.sales_order(order, request)
        root = self.core.base_url(request)
        body["@odata.context"] = f"{root}{BASE}/$metadata#companies" \
                                 f"({COMPANY_ID})/salesOrders/$entity"
        return json_response(body, 201, {"ETag": body["@odata.etag"], "Location":
                                         f"{root}{COMPANY}/salesOrders({body['id']})"})

    async def get_order(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        self.core.advance()
        order = self._order_by_guid(request.path_params["order_id"])
        if order is None:
            return error(404, "BadRequest_ResourceNotFound",
                         "The resource salesOrders does not exist.")
        body = self.sales_order(order, request)
        if "salesOrderLines" in (request.query_params.get("$expand") or ""):
            body["salesOrderLines"] = self.lines(order)
        return json_response(body)

    async def order_lines(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        order = self._order_by_guid(request.path_params["order_id"])
        if order is None:
            return error(404, "BadRequest_ResourceNotFound",
                         "The resource salesOrders does not exist.")
        return self._collection(request, self.lines(order), "salesOrderLines")

    async def items(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        self.core.advance()
        return self._collection(request, [self.item(s) for s in self.core.product_ids],
                                f"companies({COMPANY_ID})/items")

    async def one_item(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        sku = self._items.get(request.path_params["item_id"])
        if sku is None:
            return error(404, "BadRequest_ResourceNotFound", "The resource items does not exist.")
        return json_response(self.item(sku))

    def routes(self) -> list[Operation]:
        tags = ("business-central",)
        return [*lifecycle_routes(self),
            Operation("GET", "/{tenant}/v2.0/.well-known/openid-configuration", self.discovery,
                      "Entra ID OpenID discovery", tags=tags),
            Operation("POST", "/{tenant}/oauth2/v2.0/token", self.token,
                      "OAuth2 client credentials token", tags=tags),
            Operation("GET", f"{BASE}/companies", self.companies, "Companies", tags=tags),
            Operation("GET", f"{COMPANY}/salesOrders", self.list_orders,
                      "Sales orders ($filter, $top, $skip, nextLink)", tags=tags),
            Operation("POST", f"{COMPANY}/salesOrders", self.create_order,
                      "Create a sales order with its lines (deep insert)", tags=tags),
            Operation("GET", f"{COMPANY}/salesOrders({{order_id}})", self.get_order,
                      "One sales order ($expand=salesOrderLines)", tags=tags),
            Operation("GET", f"{COMPANY}/salesOrders({{order_id}})/salesOrderLines",
                      self.order_lines, "Lines of a sales order", tags=tags),
            Operation("GET", f"{COMPANY}/items", self.items, "Items with inventory", tags=tags),
            Operation("GET", f"{COMPANY}/items({{item_id}})", self.one_item, "One item",
                      tags=tags),
        ]
