"""Dialect ``peakready``: the ERP mock's own API (the default), as it was before dialects.

::

    POST /api/orders                 create a sales order; Idempotency-Key honoured when sent
    GET  /api/orders?increment_id=   ERP orders for a Magento order (duplicates show here)
    GET  /api/orders/{erp_order_id}  one order with status, tracking, invoice
    GET  /api/order-updates?since=   status changes the ERP made (picked, partially_shipped,
                                     shipped, invoiced, cancelled)
    POST /api/orders/{id}/cancel     cancel an order that has not shipped (409 once it has)
    POST /api/orders/{id}/credit-memos  book a Magento credit memo (once per memo id)
                                     (both: _erp_lifecycle_routes.py)

(the stock routes are served in every dialect: ``_erp_stock_routes.py``). Errors are the
mocks' envelope ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import ApiError, Operation, Param, fingerprint, int_query, json_response
from peakready.mockkit import parse_body as parse_model

from ._erp_dialect import Arrival, Dialect
from ._erp_lifecycle_routes import lifecycle_operations
from ._erp_orders import OrderOut

__all__ = ["PeakreadyDialect"]

_MAX_KEY = 255


class OrderCreated(BaseModel):
    erp_order_id: str
    increment_id: str
    status: str
    received_at: str
    idempotency_key: str | None


class OrderList(BaseModel):
    items: list[OrderOut]
    total_count: int


class StatusUpdate(BaseModel):
    id: int
    erp_order_id: str
    increment_id: str
    status: str
    at: str
    tracking_number: str | None = None
    carrier: str | None = None
    invoice_id: str | None = None
    shipment_id: str | None = None
    items: list[dict[str, Any]] | None = None    # a shipment's lines (sku, qty)
    complete: bool | None = None                 # a shipment: nothing is left to ship


class UpdateFeed(BaseModel):
    items: list[StatusUpdate]
    next_cursor: int
    has_more: bool


def arrival_fields(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    data = orjson.loads(body) if body else None
    if isinstance(data, dict) and isinstance(data.get("increment_id"), str):
        return {"increment_id": data["increment_id"][:64]}
    return {"increment_id": None}


class PeakreadyDialect(Dialect):
    name = "peakready"
    title = "peakready's own ERP API"

    def arrivals(self) -> list[Arrival]:
        return [Arrival("POST", "/api/orders", arrival_fields)]

    def throttled(self, request: Request) -> Response:
        return ApiError(429, "concurrency_limit", "too many requests in flight",
                        headers={"Retry-After": "1"}).response()

    def routes(self) -> list[Operation]:
        core = self.core
        kit, orders = core.kit, core.orders
        order_model = core.order_model

        async def create_order(request: Request) -> Response:
            core.advance()
            key = request.headers.get("idempotency-key")
            if key is not None and not 0 < len(key) <= _MAX_KEY:
                raise ApiError(400, "invalid_idempotency_key",
                               f"Idempotency-Key must be 1..{_MAX_KEY} characters",
                               [{"field": "Idempotency-Key", "reason": "length"}])
            try:
                order_in, raw = await parse_model(request, order_model)
            except ApiError as exc:
                if exc.status == 422:   # refused for its data: the answer is evidence too
                    refused = arrival_fields(await request.body(), {})
                    refused.update(outcome="rejected",
                                   error={"code": exc.code, "fields": exc.fields[:20]})
                    request.scope["peakready.evidence"] = refused
                raise
            now = core.clock()
            request_id = str(request.scope.get("peakready.request_id", ""))
            note: dict[str, Any] = {"increment_id": order_in.increment_id}
            request.scope["peakready.evidence"] = note

            def produce() -> Response:
                order = orders.create(order_in, key, now, request_id)
                note.update(outcome="created", erp_order_id=order["erp_order_id"])
                return json_response({k: order[k] for k in OrderCreated.model_fields}, 201)

            if key is None:
                with kit.evidence.batch():
                    return produce()
            outcome = kit.idempotency.run(key, fingerprint(raw), produce)
            if outcome.replayed:
                replayed = orders.note_replay(key, now)
                note.update(outcome="replayed", payload_mismatch=outcome.mismatch,
                            erp_order_id=replayed["erp_order_id"] if replayed else None)
            return outcome.response

        async def list_orders(request: Request) -> Response:
            increment_id = request.query_params.get("increment_id")
            if increment_id is not None:
                found = core.find(request, increment_id)
            else:
                core.advance()
                page = int_query(request, "page", 1, low=1)
                size = int_query(request, "page_size", 100, low=1, high=1000)
                everything = list(orders.orders.values())
                found = everything[(page - 1) * size: page * size]
            return json_response({"items": [orders.public(o) for o in found],
                                  "total_count": len(found) if increment_id is not None
                                  else len(orders.orders)})

        async def get_order(request: Request) -> Response:
            core.advance()
            order = orders.orders.get(request.path_params["erp_order_id"])
            if order is None:
                raise ApiError(404, "not_found",
                               f"no ERP order {request.path_params['erp_order_id']!r}")
            return json_response(orders.public(order))

        async def order_updates(request: Request) -> Response:
            core.advance()
            since = int_query(request, "since", 0)
            limit = int_query(request, "limit", 500, low=1, high=5000)
            rows = kit.evidence.events("status_updates", after=since, limit=limit + 1)
            items = [{k: v for k, v in r.items() if k not in ("key", "ts")}
                     for r in rows[:limit]]
            cursor = items[-1]["id"] if items else since
            return json_response({"items": items, "next_cursor": cursor,
                                  "has_more": len(rows) > limit})

        tags = ("erp",)
        key_param = Param("Idempotency-Key", {"type": "string", "minLength": 1,
                                              "maxLength": 255},
                          "replays the first response for a repeated key", location="header")
        return [
            Operation("POST", "/api/orders", create_order, "Create a sales order",
                      body=order_model, responses={201: OrderCreated}, params=(key_param,),
                      tags=tags),
            Operation("GET", "/api/orders", list_orders, "Orders, by Magento increment id",
                      responses={200: OrderList}, tags=tags, params=(
                          Param("increment_id"), Param("page", {"type": "integer",
                                                                "minimum": 1}),
                          Param("page_size", {"type": "integer", "minimum": 1,
                                              "maximum": 1000}))),
            Operation("GET", "/api/orders/{erp_order_id}", get_order, "One ERP order",
                      responses={200: OrderOut}, tags=tags),
            Operation("GET", "/api/order-updates", order_updates,
                      "Status changes (picked, partially_shipped, shipped, invoiced, "
                      "cancelled) after a cursor",
                      responses={200: UpdateFeed}, tags=tags, params=(
                          Param("since", {"type": "integer", "minimum": 0, "maximum": 2**53}),
                          Param("limit", {"type": "integer", "minimum": 1, "maximum": 5000}))),
            *lifecycle_operations(orders, core.advance, core.clock, tags),
        ]
