"""The ERP's after-sale routes: cancelling an order and booking a credit memo.

::

    POST /api/orders/{erp_order_id}/cancel        200 cancelled (or already) | 409 a shipment
                                                  has left (``already_shipped``)
    POST /api/orders/{erp_order_id}/credit-memos  {"credit_memo_id", "amount", "items"?}
                                                  → 201 booked | 200 the same memo id again

Both answers are evidence on the order itself (``cancel_requests``: time and outcome of each
request; ``credit_memos``: one per Magento credit memo id), so a check can tell a cancellation
that never arrived from one that arrived after the goods left.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import ApiError, Operation, json_response, parse_body

from ._erp_orders import OrderBook

__all__ = ["lifecycle_operations"]


class CreditMemoLine(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sku: str = Field(min_length=1, max_length=64)
    qty: float = Field(ge=0, le=100_000)


class CreditMemoIn(BaseModel):
    """A Magento credit memo as a connector sends it."""

    model_config = ConfigDict(extra="ignore")
    credit_memo_id: str = Field(min_length=1, max_length=64)
    amount: float = Field(ge=0, le=10_000_000)
    items: list[CreditMemoLine] = Field(default_factory=list, max_length=500)


class CancelOut(BaseModel):
    erp_order_id: str
    increment_id: str
    status: str
    outcome: str
    cancelled_at: str | None


class CreditMemoOut(BaseModel):
    erp_order_id: str
    credit_memo_id: str
    amount: float
    at: str


def lifecycle_operations(orders: OrderBook, advance: Callable[[], None],
                         clock: Callable[[], float], tags: tuple[str, ...]) -> list[Operation]:
    def lookup(request: Request) -> str:
        erp_id = str(request.path_params["erp_order_id"])
        if erp_id not in orders.orders:
            raise ApiError(404, "not_found", f"no ERP order {erp_id!r}")
        return erp_id

    async def cancel(request: Request) -> Response:
        advance()                      # a shipment due by now has left before the request
        erp_id = lookup(request)
        outcome, order = orders.cancel(erp_id, clock())
        request.scope["peakready.evidence"] = {"increment_id": order["increment_id"],
                                               "outcome": outcome}
        if outcome == "refused_shipped":
            raise ApiError(409, "already_shipped",
                           f"order {erp_id} has shipped; it cannot be cancelled")
        return json_response({"erp_order_id": erp_id, "increment_id": order["increment_id"],
                              "status": order["status"], "outcome": outcome,
                              "cancelled_at": order["cancelled_at"]})

    async def credit_memo(request: Request) -> Response:
        erp_id = lookup(request)
        body, _ = await parse_body(request, CreditMemoIn)
        created, memo = orders.credit(erp_id, body.credit_memo_id, body.amount,
                                      [line.model_dump() for line in body.items], clock())
        return json_response({"erp_order_id": erp_id, **memo}, 201 if created else 200)

    return [
        Operation("POST", "/api/orders/{erp_order_id}/cancel", cancel,
                  "Cancel an order that has not shipped",
                  responses={200: CancelOut}, tags=tags),
        Operation("POST", "/api/orders/{erp_order_id}/credit-memos", credit_memo,
                  "Book a Magento credit memo against an order (once per memo id)",
                  body=CreditMemoIn, responses={201: CreditMemoOut, 200: CreditMemoOut},
                  tags=tags),
    ]
