"""An in-house ERP described by a contract (``target.erp: {contract: my-erp.yaml}``).

Per operation a Magento connector makes, the contract says where things sit in the in-house
API (docs/dialects.md, "A contract for an in-house ERP")::

    create_order:                       # required
      method: POST
      path: /v1/sales-orders
      increment_id: /header/reference   # JSON pointers (RFC 6901) into the request body
      lines: /lines                     # the array of lines
      sku: /item                        # inside each line
      qty: /quantity
      price: /unitPrice                 # optional
      email: /customer/email            # optional
      idempotency_header: X-Request-Id  # optional: a repeated value never creates twice
      success_status: 201
      response: {id: "{erp_order_id}", reference: "{increment_id}"}
    read_stock:   {path: "/v1/stock/{sku}", response: {item: "{sku}", onHand: "{qty}"}}
    stock_feed:   {path: /v1/stock-changes, cursor_param: since,
                   response: {changes: "{items}", next: "{next_cursor}", more: "{has_more}"},
                   item: {item: "{sku}", onHand: "{qty}"}}
    order_updates: {path: /v1/order-events, cursor_param: after,
                    response: {events: "{items}", next: "{next_cursor}", more: "{has_more}"},
                    item: {reference: "{increment_id}", state: "{status}",
                           tracking: "{tracking_number}"}}
    lookup_order: {path: "/v1/sales-orders/by-reference/{increment_id}",
                   response: {found: "{count}"}}

A template that is exactly ``"{name}"`` renders the value itself (a number, a list); any other
string is formatted. A request whose body does not resolve a pointer is answered 422 naming
the pointers and recorded as a ``contract_errors`` event (and as a refused attempt in the
``requests`` evidence): a contract that cannot work fails ``no_lost_orders`` with the reason,
never passes silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.configmodel import StrictModel, load_yaml, validate
from peakready.mockkit import Operation, int_query, json_response
from peakready.mockkit.contract import POINTER, render, resolve

from ._erp_core import ErpCore, Line, OrderRefused
from ._erp_dialect import Arrival, Dialect

__all__ = ["ContractDialect", "ErpContract", "resolve"]

Pointer = Field(pattern=POINTER)


class CreateOrder(StrictModel):
    method: Literal["POST", "PUT"] = "POST"
    path: str = Field(pattern=r"^/[^{}]*$")
    increment_id: str = Pointer
    lines: str = Pointer
    sku: str = Pointer
    qty: str = Pointer
    price: str | None = Field(default=None, pattern=POINTER)
    email: str | None = Field(default=None, pattern=POINTER)
    idempotency_header: str | None = Field(default=None, min_length=1)
    success_status: int = Field(default=201, ge=200, le=299)
    response: dict[str, Any] = Field(default_factory=lambda: {"id": "{erp_order_id}"})


class Read(StrictModel):
    method: Literal["GET", "POST"] = "GET"
    path: str = Field(pattern=r"^/")
    success_status: int = Field(default=200, ge=200, le=299)
    response: dict[str, Any]


class Feed(Read):
    cursor_param: str = "since"
    limit_param: str = "limit"
    item: dict[str, Any]


class ErpContract(StrictModel):
    create_order: CreateOrder
    read_stock: Read | None = None
    stock_feed: Feed | None = None
    order_updates: Feed | None = None
    lookup_order: Read | None = None


class ContractDialect(Dialect):
    name = "contract"
    title = "an in-house ERP API (contract)"

    def __init__(self, core: ErpCore, contract: ErpContract, source: str) -> None:
        super().__init__(core, {})
        self.contract = contract
        self.source = source
        core.kit.evidence_kinds.setdefault("contract_errors", "event")

    @classmethod
    def from_file(cls, path: str, core: ErpCore) -> ContractDialect:
        data = load_yaml(Path(path), what="ERP contract")
        return cls(core, validate(ErpContract, data, source=path, what="ERP contract"), path)

    def arrivals(self) -> list[Arrival]:
        spec = self.contract.create_order

        def extract(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
            found, value = resolve(orjson.loads(body) if body else None, spec.increment_id)
            return {"increment_id": str(value)[:64] if found and value is not None else None}

        return [Arrival(spec.method, spec.path, extract)]

    def throttled(self, request: Request) -> Response:
        return json_response({"error": "too many requests in flight"}, 429,
                             {"Retry-After": "1"})

    # -- create -------------------------------------------------------------------------------
    def _unresolved(self, request: Request, missing: list[str], ref: Any) -> Response:
        self.core.kit.evidence.append("contract_errors", {
            "operation": "create_order", "contract": self.source, "unresolved": missing,
            "request_id": str(request.scope.get("peakready.request_id", ""))},
            key="create_order")
        message = "the request does not match the contract: " + "; ".join(missing)
        request.scope["peakready.evidence"] = {
            "increment_id": str(ref)[:64] if ref is not None else None,
            "outcome": "contract_error", "error": {"code": "contract_error",
                                                   "message": message}}
        return json_response({"error": message, "unresolved": missing}, 422)

    async def create_order(self, request: Request) -> Response:
        spec = self.contract.create_order
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return json_response({"error": f"invalid JSON: {exc}"}, 400)
        missing: list[str] = []
        found, ref = resolve(body, spec.increment_id)
        if not found:
            missing.append(f"increment_id at {spec.increment_id!r}")
        found_lines, raw_lines = resolve(body, spec.lines)
        if not found_lines or not isinstance(raw_lines, list) or not raw_lines:
            missing.append(f"lines at {spec.lines!r} (a non-empty array)")
            raw_lines = []
        lines = []
        for i, raw in enumerate(raw_lines):
            values = {}
            for name, pointer in (("sku", spec.sku), ("qty", spec.qty), ("price", spec.price)):
                if pointer is None:
                    continue
                ok, value = resolve(raw, pointer)
                if ok:
                    values[name] = value
                elif name != "price":
                    missing.append(f"{name} at {spec.lines}/{i}{pointer}")
            if "sku" in values and "qty" in values:
                try:
                    lines.append(Line(sku=str(values["sku"]), qty=float(values["qty"]),
                                      price=float(values.get("price") or 0)))
                except (TypeError, ValueError):
                    missing.append(f"line {i}: qty/price must be numbers")
        email = resolve(body, spec.email)[1] if spec.email else None
        if missing:
            return self._unresolved(request, missing, ref)
        try:
            order_in = self.core.canonical(ref, lines, email=email)
        except OrderRefused as exc:
            self.core.note_refusal(request, ref, exc)
            return json_response({"error": exc.message, "fields": exc.fields}, 422)
        key = request.headers.get(spec.idempotency_header) if spec.idempotency_header \
            else None
        order = self.core.create(request, order_in, key)
        return json_response(render(spec.response, order), spec.success_status)

    # -- reads --------------------------------------------------------------------------------
    async def read_stock(self, request: Request) -> Response:
        spec = self.contract.read_stock
        assert spec is not None
        self.core.advance()
        level = self.core.stock.get(request.path_params.get("sku", ""))
        if level is None:
            return json_response({"error": "unknown sku"}, 404)
        return json_response(render(spec.response, level), spec.success_status)

    async def stock_feed(self, request: Request) -> Response:
        spec = self.contract.stock_feed
        assert spec is not None
        self.core.advance()
        cursor = int_query(request, spec.cursor_param, 0)
        limit = int_query(request, spec.limit_param, 500, low=1, high=5000)
        items, next_cursor, more = self.core.stock.delta(after_seq=min(cursor, self.core.stock
                                                                       .seq), limit=limit)
        return json_response(render(spec.response, {
            "items": [render(spec.item, i) for i in items], "next_cursor": next_cursor,
            "has_more": more}), spec.success_status)

    async def order_updates(self, request: Request) -> Response:
        spec = self.contract.order_updates
        assert spec is not None
        self.core.advance()
        cursor = int_query(request, spec.cursor_param, 0)
        limit = int_query(request, spec.limit_param, 500, low=1, high=5000)
        rows = self.core.kit.evidence.events("status_updates", after=cursor, limit=limit + 1)
        items = rows[:limit]
        return json_response(render(spec.response, {
            "items": [render(spec.item, r) for r in items],
            "next_cursor": items[-1]["id"] if items else cursor,
            "has_more": len(rows) > limit}), spec.success_status)

    async def lookup_order(self, request: Request) -> Response:
        spec = self.contract.lookup_order
        assert spec is not None
        ref = request.path_params.get("increment_id") or \
            request.query_params.get("increment_id") or ""
        found = self.core.find(request, ref)
        return json_response(render(spec.response, {
            "count": len(found), "increment_id": ref,
            "erp_order_ids": [o["erp_order_id"] for o in found]}), spec.success_status)

    def routes(self) -> list[Operation]:
        c = self.contract
        tags = ("contract",)
        ops = [Operation(c.create_order.method, c.create_order.path, self.create_order,
                         "Create a sales order (contract)", tags=tags)]
        for spec, endpoint, summary in ((c.read_stock, self.read_stock, "On-hand of one SKU"),
                                        (c.stock_feed, self.stock_feed, "Stock changes"),
                                        (c.order_updates, self.order_updates,
                                         "Order status changes"),
                                        (c.lookup_order, self.lookup_order,
                                         "Orders by Magento increment id")):
            if spec is not None:
                ops.append(Operation(spec.method, spec.path, endpoint, f"{summary} (contract)",
                                     tags=tags))
        return ops
