"""ERP mock: sales orders from Magento, fulfilment status to pull, and stock (DESIGN §5).

Business API::

    POST /api/orders                 create a sales order; Idempotency-Key honoured when sent
    POST /api/orders/{id}/cancel     cancel an order that has not shipped (409 once it has)
    POST /api/orders/{id}/credit-memos  book a Magento credit memo (once per memo id)
    GET  /api/orders?increment_id=   ERP orders for a Magento order (duplicates show here)
    GET  /api/orders/{erp_order_id}  one order with status, tracking, invoice
    GET  /api/order-updates?since=   status changes the ERP made (picked, partially_shipped,
                                     shipped, invoiced, cancelled)
    GET  /api/stock?updated_since=   on-hand levels changed after a cursor (or an ISO time)
    GET  /api/stock/{sku}            on-hand of one SKU
    POST /api/stock/adjustments      the ERP's own on-hand changes (set/delta, or a batch)
    GET|PUT /__admin/movements       background movement rate at runtime (0 pauses)

Like many real ERPs it creates what it is sent when no key is given, so a connector that
retries without a key makes duplicates, and the evidence shows them. Options (``ErpOptions``,
one strict model over ``settings.options`` and the ``--config`` file): ``profile`` (fixture
profile for stock, default small), ``stock`` ({sku: qty}, overrides the profile),
``movements_per_second`` (default 2, settable at runtime), ``movements_include_hot``
(default false), ``pick_after``/``ship_after``/``invoice_after`` (seconds, default
10/30/45), ``partial_share`` (share of orders shipped in two parts, default 0) and
``partial_gap`` (seconds between the parts, default 10), ``decrement_stock_on`` (ship |
receive | none, default ship), ``rate_limit``
(requests/s; above it 429 + Retry-After), ``retry_after`` (fixed seconds), ``validation``
(strict | lenient, default strict: field lengths and character sets of a real ERP,
``_erp_validation.py``; a refused order is a 422 naming each field), ``clock`` (a
callable, tests only). Evidence shapes: docs/mocks.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.configmodel import StrictBool, StrictModel
from peakready.mockkit import (
    ApiError,
    MockKit,
    MockSettings,
    Operation,
    Param,
    fingerprint,
    int_query,
    json_response,
    mock_config,
    parse_body,
)

from ._erp_lifecycle_routes import lifecycle_operations
from ._erp_orders import OrderBook, OrderIn, OrderOut
from ._erp_stock import Movements, StockBook
from ._erp_stock_routes import stock_admin_operations, stock_operations
from ._erp_validation import StrictOrderIn

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


class ErpOptions(StrictModel):
    """``settings.options`` / the ``--config`` file (docs/mocks.md)."""

    profile: str = "small"
    stock: dict[str, int] | None = None          # {sku: qty}: replaces the profile
    movements_per_second: float = Field(default=2.0, ge=0, le=10_000)
    movements_include_hot: StrictBool = False
    pick_after: float = Field(default=10.0, ge=0)
    ship_after: float = Field(default=30.0, ge=0)
    invoice_after: float = Field(default=45.0, ge=0)
    partial_share: float = Field(default=0.0, ge=0, le=1)
    partial_gap: float = Field(default=10.0, ge=0)
    decrement_stock_on: Literal["ship", "receive", "none"] = "ship"
    rate_limit: int | None = Field(default=None, ge=1)
    retry_after: int | None = Field(default=None, ge=0)
    validation: Literal["strict", "lenient"] = "strict"
    clock: Callable[[], float] = time.time       # tests only


def _initial_stock(settings: MockSettings, options: ErpOptions) -> tuple[
        list[tuple[str, int]], tuple[str, ...]]:
    if options.stock is not None:
        return list(options.stock.items()), ()
    from peakready.seeding.profiles import generate_catalog

    catalog = generate_catalog(options.profile, settings.seed, settings.fixtures_dir)
    return [(p.sku, p.qty) for p in catalog.products], tuple(catalog.hot_skus)


def _arrival_fields(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    data = orjson.loads(body) if body else None
    if isinstance(data, dict) and isinstance(data.get("increment_id"), str):
        return {"increment_id": data["increment_id"][:64]}
    return {"increment_id": None}


def create_app(settings: MockSettings) -> Any:
    options = mock_config(settings, ErpOptions)
    clock = options.clock
    kit = MockKit(settings, title="peakready ERP mock", description=__doc__ or "",
                  evidence_kinds={"orders": "entity", "requests": "event",
                                  "status_updates": "event", "stock_history": "event"})
    kit.track_arrivals("POST", "/api/orders", "requests", _arrival_fields)
    if options.rate_limit:
        kit.set_rate_limit(options.rate_limit, options.retry_after, clock=clock)
    order_model: type[OrderIn] = StrictOrderIn if options.validation == "strict" else OrderIn
    stock = StockBook(kit.evidence, clock)
    orders = OrderBook(
        kit.evidence, stock, decrement_stock_on=options.decrement_stock_on, clock=clock,
        pick_after=options.pick_after, ship_after=options.ship_after,
        invoice_after=options.invoice_after, partial_share=options.partial_share,
        partial_gap=options.partial_gap, seed=settings.seed)
    rate = options.movements_per_second
    initial, hot = _initial_stock(settings, options)
    state: dict[str, Movements] = {}

    def seed_state(restoring: bool) -> None:
        stock.seed(initial)
        orders.clear()
        if restoring:
            for row in kit.evidence.db.execute(
                    "SELECT key, ts, data FROM events WHERE id IN (SELECT MAX(id) FROM events "
                    "WHERE kind = 'stock_history' GROUP BY key) ORDER BY id"):
                last = orjson.loads(row[2])
                stock.restore(row[0], int(last["qty_after"]), float(row[1]), int(last["seq"]))
            orders.restore()
        excluded = () if options.movements_include_hot else hot
        state["movements"] = Movements(stock, rate, settings.seed, clock(), excluded)

    seed_state(restoring=True)
    kit.on_reset(lambda: seed_state(restoring=False))

    def advance() -> None:
        now = clock()
        state["movements"].advance(now)
        orders.advance(now)

    async def create_order(request: Request) -> Response:
        advance()
        key = request.headers.get("idempotency-key")
        if key is not None and not 0 < len(key) <= _MAX_KEY:
            raise ApiError(400, "invalid_idempotency_key",
                           f"Idempotency-Key must be 1..{_MAX_KEY} characters",
                           [{"field": "Idempotency-Key", "reason": "length"}])
        try:
            order_in, raw = await parse_body(request, order_model)
        except ApiError as exc:
            if exc.status == 422:   # refused for its data: the answer is evidence too
                refused = _arrival_fields(await request.body(), {})
                refused.update(outcome="rejected",
                               error={"code": exc.code, "fields": exc.fields[:20]})
                request.scope["peakready.evidence"] = refused
            raise
        now = clock()
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
        advance()
        increment_id = request.query_params.get("increment_id")
        if increment_id is not None:
            found = [orders.orders[i] for i in orders.by_increment.get(increment_id, [])]
        else:
            page = int_query(request, "page", 1, low=1)
            size = int_query(request, "page_size", 100, low=1, high=1000)
            everything = list(orders.orders.values())
            found = everything[(page - 1) * size: page * size]
        return json_response({"items": [orders.public(o) for o in found],
                              "total_count": len(found) if increment_id is not None
                              else len(orders.orders)})

    async def get_order(request: Request) -> Response:
        advance()
        order = orders.orders.get(request.path_params["erp_order_id"])
        if order is None:
            raise ApiError(404, "not_found",
                           f"no ERP order {request.path_params['erp_order_id']!r}")
        return json_response(orders.public(order))

    async def order_updates(request: Request) -> Response:
        advance()
        since = int_query(request, "since", 0)
        limit = int_query(request, "limit", 500, low=1, high=5000)
        rows = kit.evidence.events("status_updates", after=since, limit=limit + 1)
        items = [{k: v for k, v in r.items() if k not in ("key", "ts")} for r in rows[:limit]]
        cursor = items[-1]["id"] if items else since
        return json_response({"items": items, "next_cursor": cursor,
                              "has_more": len(rows) > limit})

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async def tick() -> None:
            # Movements and fulfilment also happen when nobody asks.
            while True:
                await asyncio.sleep(0.5)
                with kit.evidence.batch():
                    advance()

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    kit.add_admin(*stock_admin_operations(lambda: state["movements"], clock))
    kit.summary(orders.summary)
    kit.summary(lambda: {"skus": len(stock), "stock_cursor": stock.seq,
                         "rate_limited": kit.rate_limiter.rejected if kit.rate_limiter else 0})
    tags = ("erp",)
    key_param = Param("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255},
                      "replays the first response for a repeated key", location="header")
    kit.add(
        Operation("POST", "/api/orders", create_order, "Create a sales order", body=order_model,
                  responses={201: OrderCreated}, params=(key_param,), tags=tags),
        Operation("GET", "/api/orders", list_orders, "Orders, by Magento increment id",
                  responses={200: OrderList}, tags=tags, params=(
                      Param("increment_id"), Param("page", {"type": "integer", "minimum": 1}),
                      Param("page_size", {"type": "integer", "minimum": 1, "maximum": 1000}))),
        Operation("GET", "/api/orders/{erp_order_id}", get_order, "One ERP order",
                  responses={200: OrderOut}, tags=tags),
        Operation("GET", "/api/order-updates", order_updates,
                  "Status changes (picked, partially_shipped, shipped, invoiced, "
                  "cancelled) after a cursor",
                  responses={200: UpdateFeed}, tags=tags, params=(
                      Param("since", {"type": "integer", "minimum": 0, "maximum": 2**53}),
                      Param("limit", {"type": "integer", "minimum": 1, "maximum": 5000}))),
        *lifecycle_operations(orders, advance, clock, tags),
        *stock_operations(stock, kit.evidence, advance, tags),
    )
    return kit.build(lifespan=lifespan)
