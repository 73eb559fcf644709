"""The ERP's stock routes: the delta feed, one SKU, the ERP's own adjustments, movement rate.

::

    GET  /api/stock?updated_since=      on-hand changed after a cursor (or an ISO time); a
                                        cursor past the feed's head is a 400, not clamped
    GET  /api/stock/{sku}               on-hand of one SKU
    POST /api/stock/adjustments         {"sku", "delta"} or {"sku", "set"}, or
                                        {"adjustments": [...]} (all or nothing) → new on-hand
    GET|PUT /__admin/movements          {"per_second": r}: background movements, 0 pauses

An adjustment is the ERP's own users changing on-hand (a stock count, a receipt booked by
hand): the traffic a connector's stock pull must carry to Magento. Each change is a
``stock_history`` event with source ``api``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import (
    ApiError,
    EvidenceStore,
    Operation,
    Param,
    int_query,
    json_body,
    json_response,
    parse_time,
    validate,
)

from ._erp_stock import Movements, StockBook

__all__ = ["stock_admin_operations", "stock_operations"]

_MAX_BATCH = 1000
_MAX_QTY = 1_000_000_000


class StockLevel(BaseModel):
    sku: str
    qty: int
    updated_at: str
    seq: int


class StockFeed(BaseModel):
    items: list[StockLevel]
    next_cursor: int
    has_more: bool


class Adjustment(BaseModel):
    """One change: ``delta`` (on-hand never goes below zero) or an absolute ``set``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    sku: str = Field(min_length=1, max_length=64)
    delta: int | None = Field(default=None, ge=-_MAX_QTY, le=_MAX_QTY)
    set_qty: int | None = Field(default=None, alias="set", ge=0, le=_MAX_QTY)
    reason: str | None = Field(default=None, max_length=64,
                               description="free text recorded with the change")

    @model_validator(mode="after")
    def _one_change(self) -> Adjustment:
        if (self.delta is None) == (self.set_qty is None):
            raise ValueError("give exactly one of delta or set")
        return self


class AdjustmentBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adjustments: list[Adjustment] = Field(min_length=1, max_length=_MAX_BATCH)


class AdjustmentRequest(RootModel[Adjustment | AdjustmentBatch]):
    """One adjustment, or a batch applied all or nothing (documentation of the body)."""


class Adjusted(BaseModel):
    sku: str
    qty: int
    qty_before: int
    delta: int
    updated_at: str
    seq: int


class AdjustedBatch(BaseModel):
    items: list[Adjusted]


class AdjustmentResult(RootModel[Adjusted | AdjustedBatch]):
    """The new on-hand: one ``Adjusted`` for one adjustment, ``{"items": [...]}`` for a batch."""


class MovementRate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_second: float = Field(ge=0, le=10_000)


def _cursor(raw: str | None, head: int) -> tuple[int | None, float | None]:
    """``updated_since`` → (after_seq, after_time); 400 for junk and for a cursor past the
    head (clamping it would hide a connector that skips ahead)."""
    if not raw:
        return 0, None
    if raw.lstrip("-").isdigit():
        after = int(raw)
        if after > head:
            raise ApiError(400, "cursor_past_head",
                           f"updated_since: cursor {after} is past the feed's head {head}; "
                           f"use the next_cursor of the last page (or 0 for everything)",
                           [{"field": "updated_since", "reason": "past the head"}])
        return after, None
    try:
        return None, parse_time(raw)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, "invalid_parameter",
                       "updated_since: a cursor (integer) or an ISO 8601 time",
                       [{"field": "updated_since", "reason": "unparseable"}]) from None


def stock_operations(stock: StockBook, evidence: EvidenceStore, advance: Callable[[], None],
                     tags: tuple[str, ...]) -> list[Operation]:
    def adjust(change: Adjustment) -> dict[str, Any]:
        level = stock.get(change.sku)
        assert level is not None   # checked before anything is applied
        before = int(level["qty"])
        delta = change.delta if change.delta is not None else int(change.set_qty or 0) - before
        stock.move(change.sku, delta, change.reason or "adjustment", "api")
        after = stock.get(change.sku)
        assert after is not None
        return {"sku": change.sku, "qty": after["qty"], "qty_before": before,
                "delta": after["qty"] - before, "updated_at": after["updated_at"],
                "seq": after["seq"]}

    async def adjustments(request: Request) -> Response:
        advance()
        data = await json_body(request)
        batch = isinstance(data, dict) and "adjustments" in data
        changes = validate(AdjustmentBatch, data).adjustments if batch else \
            [validate(Adjustment, data)]
        unknown = [{"field": f"adjustments.{i}.sku" if batch else "sku",
                    "reason": f"unknown SKU {c.sku!r}"}
                   for i, c in enumerate(changes) if stock.get(c.sku) is None]
        if unknown:
            raise ApiError(422, "unknown_sku", "; ".join(u["reason"] for u in unknown[:5]),
                           unknown[:100])
        with evidence.batch():
            done = [adjust(c) for c in changes]
        return json_response({"items": done} if batch else done[0])

    async def stock_feed(request: Request) -> Response:
        advance()
        limit = int_query(request, "limit", 500, low=1, high=50_000)
        after_seq, after_time = _cursor(request.query_params.get("updated_since"), stock.seq)
        items, cursor, more = stock.delta(after_seq=after_seq, after_time=after_time,
                                          limit=limit)
        return json_response({"items": items, "next_cursor": cursor, "has_more": more})

    async def stock_one(request: Request) -> Response:
        advance()
        level = stock.get(request.path_params["sku"])
        if level is None:
            raise ApiError(404, "not_found", f"unknown sku {request.path_params['sku']!r}")
        return json_response(level)

    return [
        Operation("GET", "/api/stock", stock_feed, "On-hand changed after a cursor or time",
                  responses={200: StockFeed}, tags=tags, params=(
                      Param("updated_since", {"type": "string"},
                            "next_cursor of the previous page, or an ISO 8601 time; a cursor "
                            "past the head is a 400"),
                      Param("limit", {"type": "integer", "minimum": 1, "maximum": 50000}))),
        Operation("POST", "/api/stock/adjustments", adjustments,
                  "The ERP's own on-hand changes (set or delta per SKU; a batch is atomic)",
                  body=AdjustmentRequest, responses={200: AdjustmentResult},
                  tags=tags),
        Operation("GET", "/api/stock/{sku}", stock_one, "On-hand of one SKU",
                  responses={200: StockLevel}, tags=tags),
    ]


def stock_admin_operations(movements: Callable[[], Movements],
                           clock: Callable[[], float]) -> list[Operation]:
    def body() -> dict[str, Any]:
        return {"per_second": movements().rate}

    async def get_rate(request: Request) -> Response:
        return json_response(body())

    async def put_rate(request: Request) -> Response:
        rate = validate(MovementRate, await json_body(request))
        movements().set_rate(rate.per_second, clock())
        return json_response(body())

    tags = ("admin",)
    return [
        Operation("GET", "/__admin/movements", get_rate, "Warehouse movement rate",
                  responses={200: MovementRate}, tags=tags),
        Operation("PUT", "/__admin/movements", put_rate,
                  "Set the warehouse movement rate (0 pauses movements)", body=MovementRate,
                  responses={200: MovementRate}, tags=tags),
    ]
