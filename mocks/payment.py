"""Payment gateway mock: authorize, capture, void, refund, with idempotency keys (DESIGN §5).

Business API::

    POST /api/payments/authorize              201 authorized | 402 declined (test cards)
    POST /api/payments/{payment_id}/capture   full or partial capture of an authorization
    POST /api/payments/{payment_id}/void      release an uncaptured authorization
    POST /api/payments/{payment_id}/refund    refund captured money
    GET  /api/payments/{payment_id}           one payment
    GET  /api/payments?order_id=              payments of an order

Every write honours an ``Idempotency-Key`` header (the first answer is replayed). Test
cards: 4242424242424242 and 5555555555554444 succeed; 4000000000000002 ``card_declined``,
4000000000009995 ``insufficient_funds``, 4000000000000069 ``expired_card``; any other
Luhn-valid number succeeds, a Luhn-invalid one is a 422. The evidence flags orders with more
than one live authorization (``double_authorizations``) or more than one capture
(``double_captures``): a customer charged twice.

A capture may ask for more than is left of the authorization with ``"increment": true``
(incremental authorization, as gateways offer for orders whose total grows after checkout):
the authorization is raised by the difference (an ``increment`` operation) and the capture
goes through. Like every write, a capture without an ``Idempotency-Key`` is a new capture, so
an integration that retries a capture without its key charges the card again, and the
``operations`` evidence (each with its key, or none) shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import (
    ApiError,
    ErrorBody,
    IdempotencyStore,
    MockKit,
    MockSettings,
    Operation,
    Param,
    fingerprint,
    json_response,
    parse_body,
)

DECLINES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds",
            "4000000000000069": "expired_card"}


class Card(BaseModel):
    model_config = ConfigDict(extra="ignore")
    number: str = Field(pattern=r"^[0-9]{12,19}$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str | None = Field(default=None, pattern=r"^[0-9]{3,4}$")


class AuthorizeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    order_id: str = Field(min_length=1, max_length=64, description="Magento increment id")
    amount: float = Field(gt=0, le=1_000_000)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    card: Card


class AmountIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    amount: float | None = Field(default=None, gt=0, le=1_000_000)
    increment: bool = False      # capture: raise the authorization when the amount exceeds it


class Payment(BaseModel):
    payment_id: str
    order_id: str
    status: str
    amount: float
    currency: str
    captured_amount: float
    refunded_amount: float
    card_last4: str
    decline_code: str | None
    created_at: float


class PaymentList(BaseModel):
    items: list[Payment]
    total_count: int


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


async def optional_amount(request: Request) -> AmountIn:
    """Capture and refund bodies are optional: no body means the whole remaining amount."""
    if not (await request.body()).strip():
        return AmountIn()
    body, _ = await parse_body(request, AmountIn)
    return body


def _cents(amount: float) -> int:
    return round(amount * 100)


def create_app(settings: MockSettings) -> Any:
    kit = MockKit(settings, title="peakready payment gateway mock", description=__doc__ or "",
                  evidence_kinds={"payments": "entity", "operations": "event"})
    payments: dict[str, dict[str, Any]] = {}
    by_order: dict[str, list[str]] = {}
    stores = {op: IdempotencyStore(kit.evidence, scope=op)
              for op in ("authorize", "capture", "void", "refund")}

    def restore() -> None:
        payments.clear()
        by_order.clear()
        for row in kit.evidence.entities("payments", limit=10_000_000):
            row.pop("key", None)
            row.pop("seq", None)
            payments[row["payment_id"]] = row
            by_order.setdefault(row["order_id"], []).append(row["payment_id"])

    restore()
    kit.on_reset(restore)

    def record(payment: dict[str, Any], op: str, amount: float, outcome: str,
               request: Request) -> None:
        now = time.time()
        kit.evidence.put("payments", payment["payment_id"], payment, ts=now)
        kit.evidence.append("operations", {
            "payment_id": payment["payment_id"], "order_id": payment["order_id"], "op": op,
            "amount": amount, "outcome": outcome,
            "idempotency_key": request.headers.get("idempotency-key"),
            "request_id": str(request.scope.get("peakready.request_id", ""))},
            key=payment["order_id"], ts=now)

    def public(payment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payment.items() if k != "captures"}

    async def idempotent(request: Request, op: str, scope_key: str,
                         produce: Callable[[], Response]) -> Response:
        key = request.headers.get("idempotency-key")
        if key is None:
            with kit.evidence.batch():
                return produce()
        if not 0 < len(key) <= 255:
            raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key: 1..255 chars",
                           [{"field": "Idempotency-Key", "reason": "length"}])
        raw = await request.body()
        return stores[op].run(f"{scope_key}:{key}", fingerprint(raw), produce).response

    async def authorize(request: Request) -> Response:
        body, _ = await parse_body(request, AuthorizeIn)
        if not luhn_ok(body.card.number):
            raise ApiError(422, "validation_error", "card.number: fails the Luhn check",
                           [{"field": "card.number", "reason": "fails the Luhn check"}])

        def produce() -> Response:
            decline = DECLINES.get(body.card.number)
            payment: dict[str, Any] = {
                "payment_id": f"PAY-{len(payments) + 1:07d}", "order_id": body.order_id,
                "status": "declined" if decline else "authorized",
                "amount": round(body.amount, 2), "currency": body.currency,
                "captured_amount": 0.0, "refunded_amount": 0.0,
                "card_last4": body.card.number[-4:], "decline_code": decline,
                "created_at": time.time(), "captures": 0}
            payments[payment["payment_id"]] = payment
            by_order.setdefault(body.order_id, []).append(payment["payment_id"])
            record(payment, "authorize", payment["amount"], payment["status"], request)
            return json_response(public(payment), 402 if decline else 201)

        return await idempotent(request, "authorize", "", produce)

    def lookup(request: Request) -> dict[str, Any]:
        payment = payments.get(request.path_params["payment_id"])
        if payment is None:
            raise ApiError(404, "not_found",
                           f"no payment {request.path_params['payment_id']!r}")
        return payment

    def conflict(message: str) -> Response:
        return ApiError(409, "invalid_state", message).response()

    async def capture(request: Request) -> Response:
        payment = lookup(request)
        body = await optional_amount(request)

        def produce() -> Response:
            remaining = _cents(payment["amount"]) - _cents(payment["captured_amount"])
            amount = _cents(body.amount) if body.amount is not None else remaining
            capturable = ("authorized", "partially_captured", "captured") if body.increment \
                and body.amount is not None else ("authorized", "partially_captured")
            if payment["status"] not in capturable:
                return conflict(f"cannot capture a payment that is {payment['status']}")
            if amount > remaining and body.increment and amount > 0:
                payment["amount"] = (_cents(payment["amount"]) + amount - remaining) / 100
                record(payment, "increment", (amount - remaining) / 100, "incremented",
                       request)
                remaining = amount
            if amount > remaining or amount <= 0:
                return conflict(f"capture of {amount / 100:.2f} exceeds the uncaptured "
                                f"{remaining / 100:.2f}")
            payment["captured_amount"] = (_cents(payment["captured_amount"]) + amount) / 100
            payment["captures"] += 1
            payment["status"] = "captured" if amount == remaining else "partially_captured"
            record(payment, "capture", amount / 100, payment["status"], request)
            return json_response(public(payment))

        return await idempotent(request, "capture", payment["payment_id"], produce)

    async def void(request: Request) -> Response:
        payment = lookup(request)

        def produce() -> Response:
            if payment["status"] != "authorized":
                return conflict(f"cannot void a payment that is {payment['status']}")
            payment["status"] = "voided"
            record(payment, "void", payment["amount"], "voided", request)
            return json_response(public(payment))

        return await idempotent(request, "void", payment["payment_id"], produce)

    async def refund(request: Request) -> Response:
        payment = lookup(request)
        body = await optional_amount(request)

        def produce() -> Response:
            refundable = _cents(payment["captured_amount"]) - _cents(payment["refunded_amount"])
            amount = _cents(body.amount) if body.amount is not None else refundable
            if payment["status"] not in ("captured", "partially_captured",
                                         "partially_refunded"):
                return conflict(f"cannot refund a payment that is {payment['status']}")
            if amount > refundable or amount <= 0:
                return conflict(f"refund of {amount / 100:.2f} exceeds the refundable "
                                f"{refundable / 100:.2f}")
            payment["refunded_amount"] = (_cents(payment["refunded_amount"]) + amount) / 100
            payment["status"] = "refunded" if amount == refundable else "partially_refunded"
            record(payment, "refund", amount / 100, payment["status"], request)
            return json_response(public(payment))

        return await idempotent(request, "refund", payment["payment_id"], produce)

    async def get_one(request: Request) -> Response:
        return json_response(public(lookup(request)))

    async def list_payments(request: Request) -> Response:
        order_id = request.query_params.get("order_id")
        ids = by_order.get(order_id, []) if order_id is not None else list(payments)
        return json_response({"items": [public(payments[i]) for i in ids[:1000]],
                              "total_count": len(ids)})

    def summary() -> dict[str, Any]:
        double_auth: dict[str, list[str]] = {}
        double_capture: dict[str, list[str]] = {}
        for order_id, ids in by_order.items():
            live = [i for i in ids if payments[i]["status"] not in ("declined", "voided")]
            if len(live) > 1:
                double_auth[order_id] = live
            captured = [i for i in ids for _ in range(payments[i]["captures"])]
            if len(captured) > 1:
                double_capture[order_id] = captured
        return {"payments": len(payments), "orders": len(by_order),
                "double_authorizations": dict(list(double_auth.items())[:1000]),
                "double_authorization_count": len(double_auth),
                "double_captures": dict(list(double_capture.items())[:1000]),
                "double_capture_count": len(double_capture)}

    kit.summary(summary)
    tags = ("payment",)
    key = Param("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255},
                location="header")
    kit.add(
        Operation("POST", "/api/payments/authorize", authorize, "Authorize a card payment",
                  body=AuthorizeIn, responses={201: Payment, 402: Payment}, params=(key,),
                  tags=tags),
        Operation("POST", "/api/payments/{payment_id}/capture", capture, "Capture",
                  responses={200: Payment, 409: ErrorBody}, params=(key,), tags=tags),
        Operation("POST", "/api/payments/{payment_id}/void", void, "Void an authorization",
                  responses={200: Payment, 409: ErrorBody}, params=(key,), tags=tags),
        Operation("POST", "/api/payments/{payment_id}/refund", refund, "Refund",
                  responses={200: Payment, 409: ErrorBody}, params=(key,), tags=tags),
        Operation("GET", "/api/payments/{payment_id}", get_one, "One payment",
                  responses={200: Payment}, tags=tags),
        Operation("GET", "/api/payments", list_payments, "Payments of an order",
                  responses={200: PaymentList}, params=(Param("order_id"),), tags=tags),
    )
    return kit.build()
