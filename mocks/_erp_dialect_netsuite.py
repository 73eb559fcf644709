"""Dialect ``netsuite``: NetSuite SuiteTalk REST web services (record v1, SuiteQL, async).

::

    POST /services/rest/auth/oauth2/v1/token               M2M client credentials → bearer
    POST /services/rest/record/v1/salesOrder               create → 204 + Location, no body;
                                                           Prefer: respond-async +
                                                           X-NetSuite-Idempotency-Key → 202 +
                                                           Location of a job
    PUT  /services/rest/record/v1/salesOrder/eid:{extId}   upsert by externalId → 204
    GET  /services/rest/record/v1/salesOrder?q=otherRefNum IS "M-1"   ids and links
    GET  /services/rest/record/v1/salesOrder/{id}          orderStatus, item sublist
                                                           (?expandSubResources=true)
    GET  /services/rest/record/v1/inventoryItem?q=itemId IS "SKU"
    GET  /services/rest/record/v1/inventoryItem/{id}       quantityOnHand, locations
    POST /services/rest/query/v1/suiteql?limit=&offset=    SuiteQL (_erp_suiteql.py) over
                                                           item, inventoryitemlocations,
                                                           transaction
    GET  /services/rest/async/v1/job/{id}                  an async job: completed

Auth: token-based authentication (OAuth 1.0a ``Authorization: OAuth realm="PEAKREADY",
oauth_consumer_key="peakready", oauth_token="peakready", ...``: realm, consumer key and token
are checked, the signature is not) or an M2M bearer token. ``otherRefNum`` carries the
Magento increment id; an item's ``itemId`` is the catalog SKU, its internal ``id`` a number.
Errors: ``{"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode"}]}``.
Fault marks: ``concurrency_limit`` → 429 ``CONCURRENCY_LIMIT_EXCEEDED`` (no Retry-After, as
reported), ``session_expiry`` (bearer tokens), ``stale_lookup`` (``q=otherRefNum IS`` and
SuiteQL on ``transaction`` by ``otherrefnum`` find nothing).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, int_query, json_response

from ._erp_core import Line, OrderRefused, modified_ts
from ._erp_dialect import Arrival, Dialect
from ._erp_dialect_netsuite_lifecycle import lifecycle_routes
from ._erp_stock import iso
from ._erp_suiteql import SuiteQLError, parse, run

__all__ = ["NetSuiteDialect"]

ACCOUNT = "PEAKREADY"
CONSUMER_KEY = TOKEN_ID = "peakready"
RECORD = "/services/rest/record/v1"
_STATUS = {"received": ("B", "Pending Fulfillment"), "picked": ("B", "Pending Fulfillment"),
           "partially_shipped": ("D", "Partially Fulfilled"), "shipped": ("F", "Pending Billing"),
           "invoiced": ("G", "Billed"), "cancelled": ("C", "Cancelled")}
_OAUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
_Q = re.compile(r'^\s*(\w+)\s+(IS|ANY_OF|ON_OR_AFTER|AFTER)\s+"([^"]*)"\s*$', re.I)
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           429: "Too Many Requests"}


def error(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
          title: str | None = None) -> Response:
    section = {400: "15.5.1", 401: "15.5.2", 404: "15.5.5", 429: "6.6"}.get(status, "15.5.1")
    return json_response({
        "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}",
        "title": title or _TITLES.get(status, "Error"), "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}, status, headers)


def _arrival(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    data = orjson.loads(body) if body else None
    ref = data.get("otherRefNum") if isinstance(data, dict) else None
    return {"increment_id": str(ref)[:64] if ref else None}


class NetSuiteDialect(Dialect):
    name = "netsuite"
    title = "NetSuite SuiteTalk REST web services"

    def __init__(self, core: Any, settings: dict[str, Any]) -> None:
        super().__init__(core, settings)
        self.jobs: dict[str, str] = {}           # async job id → ERP order id
        self.job_by_key: dict[str, str] = {}     # idempotency key → job id
        core.kit.on_reset(self._clear)

    def _clear(self) -> None:
        self.jobs.clear()
        self.job_by_key.clear()

    def arrivals(self) -> list[Arrival]:
        return [Arrival("POST", f"{RECORD}/salesOrder", _arrival),
                Arrival("PUT", f"{RECORD}/salesOrder/eid:*", _arrival)]

    def throttled(self, request: Request) -> Response:
        return error(429, "CONCURRENCY_LIMIT_EXCEEDED",
                     "Concurrent request limit exceeded. Request blocked.")

    # -- auth ---------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer ") and self.core.sessions.valid(header[7:]):
            return None
        if header.startswith("OAuth "):
            fields = dict(_OAUTH_FIELD.findall(header))
            if (fields.get("realm"), fields.get("oauth_consumer_key"),
                    fields.get("oauth_token")) == (ACCOUNT, CONSUMER_KEY, TOKEN_ID) and \
                    fields.get("oauth_signature"):
                return None
        return error(401, "INVALID_LOGIN",
                     "Invalid login attempt. For more details, see the Login Audit Trail in the "
                     "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit "
                     "Trail.", {"WWW-Authenticate": f'OAuth realm="{ACCOUNT}", '
                                                    f'error="token_rejected", '
                                                    f'error_description="Invalid login '
                                                    f'attempt."'})

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "client_credentials" or not form.get("client_assertion"):
            return json_response({"error": "invalid_request"}, 400)
        return json_response({"access_token": self.core.sessions.issue("ns."),
                              "expires_in": "3600", "token_type": "Bearer"})

    # -- shapes ------------------------------------------------------------------------------
    def _base(self, request: Request) -> str:
        return self.core.base_url(request)

    def _number(self, order: dict[str, Any]) -> int:
        return int(str(order["erp_order_id"]).rsplit("-", 1)[1])

    def _find(self, number: str) -> dict[str, Any] | None:
        self.core.advance()
        if not number.isdigit():
            return None
        return self.core.orders.orders.get(f"SO-{int(number):07d}")

    def sales_order(self, order: dict[str, Any], request: Request, expand: bool
                    ) -> dict[str, Any]:
        n = self._number(order)
        base = self._base(request)
        status_id, status_name = _STATUS.get(order["status"], ("B", "Pending Fulfillment"))
        lines: dict[str, Any] = {"links": [{"rel": "self",
                                            "href": f"{base}{RECORD}/salesOrder/{n}/item"}]}
        if expand:
            lines["items"] = [{"line": i + 1, "item": {
                "id": str(self.core.product_ids.get(it["sku"], 0)), "refName": it["sku"]},
                "quantity": it["qty"], "rate": it["price"],
                "amount": round(it["qty"] * it["price"], 2)}
                for i, it in enumerate(order["items"])]
        return {"links": [{"rel": "self", "href": f"{base}{RECORD}/salesOrder/{n}"}],
                "id": str(n), "tranId": f"SO{10000 + n}", "otherRefNum": order["increment_id"],
                "externalId": str(order.get("idempotency_key") or "")[4:] or None
                if str(order.get("idempotency_key") or "").startswith("eid:") else None,
                "orderStatus": {"id": status_id, "refName": status_name},
                "total": order["grand_total"], "email": order["customer_email"],
                "linkedTrackingNumbers": order.get("tracking_number") or "",
                "lastModifiedDate": iso(modified_ts(order)), "item": lines}

    def _collection(self, request: Request, rows: list[dict[str, Any]], path: str
                    ) -> Response:
        limit = int_query(request, "limit", 1000, low=1, high=1000)
        offset = int_query(request, "offset", 0)
        chunk = rows[offset:offset + limit]
        more = offset + limit < len(rows)
        base = f"{self._base(request)}{path}"
        links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
        if more:
            links.insert(0, {"rel": "next", "href": f"{base}?limit={limit}&offset="
                                                   f"{offset + limit}"})
        return json_response({"links": links, "count": len(chunk), "hasMore": more,
                              "offset": offset, "totalResults": len(rows), "items": chunk})

    # -- records -----------------------------------------------------------------------------
    async def list_orders(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        q = request.query_params.get("q")
        if q:
            match = _Q.match(q)
            if match is None or match.group(1).lower() not in ("otherrefnum",
                                                               "lastmodifieddate"):
                return error(400, "INVALID_PARAMETER",
                             f"Invalid query: {q}. Use otherRefNum IS \"...\" or "
                             f"lastModifiedDate ON_OR_AFTER \"<ISO time>\".")
            if match.group(1).lower() == "otherrefnum":
                orders = self.core.find(request, match.group(3))
            else:
                from peakready.mockkit import parse_time
                orders = self.core.changed_since(parse_time(match.group(3)))
        else:
            orders = self.core.changed_since(0.0)
        base = self._base(request)
        rows = [{"links": [{"rel": "self",
                            "href": f"{base}{RECORD}/salesOrder/{self._number(o)}"}],
                 "id": str(self._number(o))} for o in orders]
        return self._collection(request, rows, f"{RECORD}/salesOrder")

    def _lines(self, data: dict[str, Any]) -> list[Line] | Response:
        sublist = data.get("item")
        items = sublist.get("items") if isinstance(sublist, dict) else None
        if not isinstance(items, list) or not items:
            return error(400, "USER_ERROR", "You must enter at least one line item for this "
                                            "transaction.", title="Bad Request")
        lines = []
        for entry in items:
            ref = entry.get("item") if isinstance(entry, dict) else None
            item_id = str(ref.get("id")) if isinstance(ref, dict) else ""
            sku = self.core.skus_by_id.get(int(item_id)) if item_id.isdigit() else None
            # (ids are fixed at seeding: no stock lookup on the create path)
            if sku is None:
                return error(400, "INVALID_CONTENT",
                             f"Error while accessing resource: You have entered an Invalid "
                             f"Field Value {item_id} for the following field: item")
            lines.append(Line(sku=sku, qty=float(entry.get("quantity") or 0),
                              price=float(entry.get("rate") or 0)))
        return lines

    async def _create(self, request: Request, key: str | None) -> tuple[
            dict[str, Any] | None, Response | None]:
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return None, error(400, "INVALID_CONTENT", f"Invalid JSON: {exc}")
        if not isinstance(data, dict):
            return None, error(400, "INVALID_CONTENT", "The request body must be an object.")
        lines = self._lines(data)
        if isinstance(lines, Response):
            return None, lines
        ref = data.get("otherRefNum")
        try:
            order_in = self.core.canonical(ref, lines, email=data.get("email"))
        except OrderRefused as exc:
            self.core.note_refusal(request, ref, exc)
            return None, error(400, "INVALID_CONTENT", f"Error while accessing resource: "
                                                       f"{exc.message}")
        return self.core.create(request, order_in, key), None

    async def create_order(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        base = self._base(request)
        key = request.headers.get("x-netsuite-idempotency-key")
        if "respond-async" in request.headers.get("prefer", "") and key:
            if key in self.job_by_key:        # NetSuite refuses the repeat, pointing back
                job = self.job_by_key[key]
                self.core.orders.note_replay(key, self.core.clock())
                request.scope["peakready.evidence"] = {"increment_id": None,
                                                       "outcome": "replayed",
                                                       "idempotency_key": key}
                return error(400, "IDEMPOTENCY_ERROR",
                             "A request with this idempotency key was already received.",
                             {"Location": f"{base}/services/rest/async/v1/job/{job}"},
                             title="Conflict")
            order, failed = await self._create(request, key)
            if failed is not None:
                return failed
            assert order is not None
            job = str(len(self.jobs) + 1)
            self.jobs[job] = order["erp_order_id"]
            self.job_by_key[key] = job
            return Response(status_code=202, headers={
                "Location": f"{base}/services/rest/async/v1/job/{job}",
                "Preference-Applied": "respond-async"})
        order, failed = await self._create(request, None)
        if failed is not None:
            return failed
        assert order is not None
        return Response(status_code=204, headers={
            "Location": f"{base}{RECORD}/salesOrder/{self._number(order)}"})

    async def upsert_order(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        external_id = request.path_params["external_id"]
        order, failed = await self._create(request, f"eid:{external_id}")
        if failed is not None:
            return failed
        assert order is not None
        return Response(status_code=204, headers={
            "Location": f"{self._base(request)}{RECORD}/salesOrder/{self._number(order)}"})

    async def get_order(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        order = self._find(request.path_params["order_id"])
        if order is None:
            return error(404, "NONEXISTENT_ID", "The record instance does not exist. Provide "
                                                "a valid record instance ID.")
        expand = request.query_params.get("expandSubResources", "").lower() == "true"
        return json_response(self.sales_order(order, request, expand))

    async def job(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        job = request.path_params["job_id"]
        if job not in self.jobs:
            return error(404, "NONEXISTENT_ID", f"The job {job} does not exist.")
        base = self._base(request)
        return json_response({"id": job, "completed": True, "progress": "succeeded",
                              "links": [{"rel": "self", "href":
                                         f"{base}/services/rest/async/v1/job/{job}"}],
                              "task": {"links": [{"rel": "related", "href":
                                                  f"{base}/services/rest/async/v1/job/{job}/"
                                                  f"task/{job}"}]}})

    # -- stock --------------------------------------------------------------------------------
    def _item(self, sku: str, request: Request) -> dict[str, Any]:
        pid = self.core.product_ids[sku]
        level = self.core.stock.get(sku) or {"qty": 0}
        return {"links": [{"rel": "self",
                           "href": f"{self._base(request)}{RECORD}/inventoryItem/{pid}"}],
                "id": str(pid), "itemId": sku, "displayName": sku,
                "quantityOnHand": level["qty"], "quantityAvailable": level["qty"],
                "locations": {"items": [{"location": {"id": "1", "refName": "Main"},
                                         "quantityOnHand": level["qty"],
                                         "quantityAvailable": level["qty"]}]}}

    async def list_items(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        self.core.advance()
        q = request.query_params.get("q")
        skus = list(self.core.product_ids)
        if q:
            match = _Q.match(q)
            if match is None or match.group(1).lower() != "itemid":
                return error(400, "INVALID_PARAMETER", f"Invalid query: {q}")
            skus = [s for s in skus if s == match.group(3)]
        rows = [{"links": self._item(s, request)["links"],
                 "id": str(self.core.product_ids[s])} for s in skus]
        return self._collection(request, rows, f"{RECORD}/inventoryItem")

    async def get_item(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        self.core.advance()
        raw = request.path_params["item_id"]
        sku = self.core.skus_by_id.get(int(raw)) if raw.isdigit() else None
        if sku is None:
            return error(404, "NONEXISTENT_ID", "The record instance does not exist.")
        return json_response(self._item(sku, request))

    def _tables(self, request: Request, table: str, by_ref: bool = False
                ) -> list[dict[str, Any]]:
        self.core.advance()
        if table == "item":
            return [{"id": pid, "itemid": sku, "itemtype": "InvtPart"}
                    for sku, pid in self.core.product_ids.items()]
        if table == "inventoryitemlocations":
            out = []
            for sku, pid in self.core.product_ids.items():
                qty = (self.core.stock.get(sku) or {"qty": 0})["qty"]
                out.append({"item": pid, "location": 1, "quantityonhand": qty,
                            "quantityavailable": qty, "quantitycommitted": 0})
            return out
        if table == "transaction":
            # stale_lookup hides a lookup by external reference, not the change feed
            stale = by_ref and self.core.mark(request, "stale_lookup") is not None
            return [{"id": self._number(o), "type": "SalesOrd",
                     "tranid": f"SO{10000 + self._number(o)}",
                     "otherrefnum": o["increment_id"],
                     "status": _STATUS.get(o["status"], ("B", ""))[0],
                     "trackingnumberlist": o.get("tracking_number"),
                     "lastmodifieddate": iso(modified_ts(o))}
                    for o in ([] if stale else self.core.orders.orders.values())]
        raise SuiteQLError(f"Record '{table}' was not found.")

    async def suiteql(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied:
            return denied
        try:
            body = orjson.loads(await request.body())
            query = parse(str(body.get("q", "")) if isinstance(body, dict) else "")
            rows = run(query, self._tables(request, query.table, any(
                c[0] == "otherrefnum" for c in query.conditions)))
        except (orjson.JSONDecodeError, SuiteQLError) as exc:
            return error(400, "INVALID_PARAMETER", f"Invalid search query: {exc}")
        for row in rows:
            row["links"] = []
        return self._collection(request, rows, "/services/rest/query/v1/suiteql")

    def routes(self) -> list[Operation]:
        tags = ("netsuite",)
        return [*lifecycle_routes(self),
            Operation("POST", "/services/rest/auth/oauth2/v1/token", self.token,
                      "OAuth 2.0 client credentials (M2M) token", tags=tags),
            Operation("POST", f"{RECORD}/salesOrder", self.create_order,
                      "Create a sales order: 204 + Location (async: 202 + job)", tags=tags),
            Operation("GET", f"{RECORD}/salesOrder", self.list_orders,
                      "Sales order ids (q=otherRefNum IS \"...\")", tags=tags),
            Operation("PUT", f"{RECORD}/salesOrder/eid:{{external_id}}", self.upsert_order,
                      "Upsert a sales order by externalId", tags=tags),
            Operation("GET", f"{RECORD}/salesOrder/{{order_id}}", self.get_order,
                      "One sales order", tags=tags),
            Operation("GET", f"{RECORD}/inventoryItem", self.list_items,
                      "Inventory item ids (q=itemId IS \"SKU\")", tags=tags),
            Operation("GET", f"{RECORD}/inventoryItem/{{item_id}}", self.get_item,
                      "One inventory item with its quantities", tags=tags),
            Operation("POST", "/services/rest/query/v1/suiteql", self.suiteql,
                      "SuiteQL query", tags=tags),
            Operation("GET", "/services/rest/async/v1/job/{job_id}", self.job,
                      "An async job", tags=tags),
        ]
