"""The ERP behind every dialect: one store, one evidence writer, the vendor failure modes.

A dialect (``_erp_dialects.py``) is a thin mapping of its vendor's requests and responses onto
this core. The core owns:

* the order book and the stock book (``_erp_orders.py``, ``_erp_stock.py``) and their
  canonical evidence (orders keyed by the Magento increment id, attempts, status updates,
  stock history), so every check reads the same records whichever dialect ran;
* the catalog's numeric ids (Odoo's ``product_id``, NetSuite's internal id), fixed at seeding;
* sessions and bearer tokens (issued by the dialects' login routes, expired by the
  ``session_expiry`` fault);
* the vendor failure modes switched by ``mark`` fault kinds (``scope["peakready.marks"]``):
  ``concurrency_limit`` (requests in flight above N are refused in the vendor's shape),
  ``session_expiry``, ``stale_lookup`` and ``error_in_200`` (answered by the dialect).
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import MockKit
from peakready.mockkit.fault_kinds import MARKS_SCOPE_KEY

from ._erp_orders import OrderBook, OrderIn
from ._erp_stock import StockBook

__all__ = ["EVIDENCE_NOTE", "ErpCore", "Line", "OrderRefused", "Sessions"]

EVIDENCE_NOTE = "peakready.evidence"   # what the arrival record adds from the handler
_ITEM_NAMESPACE = uuid.UUID("5b2c8a52-3f9e-4c1e-9a51-9d0f3f6c2e11")


class Line(BaseModel):
    sku: str
    qty: float
    price: float = 0.0


class OrderRefused(Exception):
    """The ERP refuses an order for its data (a 422 in the canonical evidence)."""

    def __init__(self, message: str, fields: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class Sessions:
    """Sessions and bearer tokens: issued by a login, expired by ``session_expiry``."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._issued: dict[str, float] = {}
        self._expired_before = 0.0
        self._expired_by: set[str] = set()

    def issue(self, prefix: str = "", *, guid: bool = False) -> str:
        token = str(uuid.uuid4()) if guid else prefix + secrets.token_hex(16)
        if len(self._issued) > 50_000:      # bounded: the oldest go first
            for old in list(self._issued)[:10_000]:
                del self._issued[old]
        self._issued[token] = self.clock()
        return token

    def valid(self, token: str | None) -> bool:
        issued = self._issued.get(token) if token else None
        return issued is not None and issued >= self._expired_before

    def revoke(self, token: str) -> None:
        self._issued.pop(token, None)

    def expire_once(self, rule_id: str) -> None:
        """Every session issued so far stops working, once per fault rule."""
        if rule_id not in self._expired_by:
            self._expired_by.add(rule_id)
            self._expired_before = self.clock() + 1e-6

    def clear(self) -> None:
        self._issued.clear()
        self._expired_by.clear()
        self._expired_before = 0.0


class ErpCore:
    def __init__(self, kit: MockKit, orders: OrderBook, stock: StockBook,
                 order_model: type[OrderIn], clock: Callable[[], float],
                 advance: Callable[[], None]) -> None:
        self.kit = kit
        self.orders = orders
        self.stock = stock
        self.order_model = order_model
        self.clock = clock
        self.advance = advance
        self.sessions = Sessions(clock)
        self.product_ids: dict[str, int] = {}
        self.skus_by_id: dict[int, str] = {}
        self._in_flight = 0

    # -- catalog ------------------------------------------------------------------------------
    def number_products(self, skus: list[str]) -> None:
        """Numeric ids in seeding order (Odoo ``product.product`` ids, NetSuite internal ids)."""
        self.product_ids = {sku: i for i, sku in enumerate(skus, start=1)}
        self.skus_by_id = {i: sku for sku, i in self.product_ids.items()}

    @staticmethod
    def item_guid(sku: str) -> str:
        """Business Central's ``item.id``: a GUID, stable per SKU."""
        return str(uuid.uuid5(_ITEM_NAMESPACE, sku))

    # -- orders -------------------------------------------------------------------------------
    def canonical(self, increment_id: Any, lines: list[Line], *, email: str | None,
                  grand_total: float | None = None, currency: str = "USD") -> OrderIn:
        """The canonical order a dialect's request describes, validated like the ERP's own
        fields (strict or lenient); :class:`OrderRefused` names each field."""
        total = grand_total if grand_total is not None else \
            round(sum(line.qty * line.price for line in lines), 2)
        data = {"increment_id": increment_id, "customer_email": email or "unknown@erp.invalid",
                "items": [{"sku": ln.sku, "qty": ln.qty, "price": ln.price} for ln in lines],
                "totals": {"grand_total": total, "currency": currency}}
        try:
            return self.order_model.model_validate(data)
        except ValidationError as exc:
            fields = [{"field": ".".join(str(p) for p in e["loc"]),
                       "reason": e["msg"]} for e in exc.errors(include_url=False)]
            raise OrderRefused("; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5]),
                               fields) from None

    def create(self, request: Request, order_in: OrderIn, key: str | None = None
               ) -> dict[str, Any]:
        """Create (or, for a key seen before, replay) one order and note it for the arrival
        evidence. Returns the order."""
        self.advance()
        now = self.clock()
        note: dict[str, Any] = {"increment_id": order_in.increment_id}
        request.scope[EVIDENCE_NOTE] = note
        if key is not None:
            known = self.orders.by_key.get(key)
            if known is not None:
                replayed = self.orders.note_replay(key, now)
                note.update(outcome="replayed", idempotency_key=key,
                            erp_order_id=replayed["erp_order_id"] if replayed else None)
                return self.orders.orders[known]
            note["idempotency_key"] = key
        with self.kit.evidence.batch():
            order = self.orders.create(order_in, key, now,
                                       str(request.scope.get("peakready.request_id", "")))
        note.update(outcome="created", erp_order_id=order["erp_order_id"])
        return order

    def note_refusal(self, request: Request, increment_id: Any, refused: OrderRefused, *,
                     wire_status: int | None = None) -> None:
        """A refused order is evidence too; ``wire_status`` when the vendor says it in a 200
        (the canonical status stays 422: a refusal for the data)."""
        note: dict[str, Any] = {
            "increment_id": str(increment_id)[:64] if increment_id is not None else None,
            "outcome": "rejected", "error": {"code": "validation_error",
                                             "fields": refused.fields[:20]}}
        if wire_status is not None:
            note.update(status=422, wire_status=wire_status)
        request.scope[EVIDENCE_NOTE] = note

    def note_failed_in_200(self, request: Request, increment_id: str | None) -> None:
        """An injected vendor error inside a 200: the canonical status is a server error."""
        request.scope[EVIDENCE_NOTE] = {"increment_id": increment_id, "outcome": "error_in_200",
                                        "status": 500, "wire_status": 200}

    def find(self, request: Request, increment_id: str) -> list[dict[str, Any]]:
        """Orders carrying an external reference; none while a ``stale_lookup`` fires."""
        self.advance()
        if self.mark(request, "stale_lookup") is not None:
            return []
        return [self.orders.orders[i] for i in self.orders.by_increment.get(increment_id, [])]

    def changed_since(self, since: float) -> list[dict[str, Any]]:
        """Orders whose status changed at or after ``since`` (epoch seconds), oldest first."""
        self.advance()
        found = [o for o in self.orders.orders.values() if modified_ts(o) >= since]
        return sorted(found, key=modified_ts)

    # -- after the sale: what every dialect maps its vendor's documents onto -----------------
    def by_number(self, number: int | str) -> dict[str, Any] | None:
        """The order a vendor's numeric document id points at (``SO-0000012`` is 12)."""
        text = str(number)
        return self.orders.orders.get(f"SO-{int(text):07d}") if text.isdigit() else None

    def cancel(self, request: Request, order: dict[str, Any]) -> str:
        """A cancellation request from the connector, in any dialect: ``cancelled``,
        ``already_cancelled`` or ``refused_shipped``, recorded on the order (evidence)."""
        self.advance()                 # a shipment due by now has left before the request
        outcome, _ = self.orders.cancel(order["erp_order_id"], self.clock())
        request.scope[EVIDENCE_NOTE] = {"increment_id": order["increment_id"],
                                        "outcome": outcome}
        return outcome

    def credit(self, order: dict[str, Any], memo_id: str, amount: float,
               items: list[dict[str, Any]] | None = None) -> tuple[bool, dict[str, Any]]:
        """Book a credit memo (once per memo id) against an order; (created, the memo)."""
        return self.orders.credit(order["erp_order_id"], memo_id, amount, items or [],
                                  self.clock())

    def shipments(self, since: float = 0.0) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(order, shipment) for every shipment the ERP made at or after ``since``."""
        from peakready.mockkit import parse_time

        self.advance()
        out = [(o, s) for o in self.orders.orders.values() for s in o.get("shipments") or ()
               if parse_time(s["at"]) >= since]
        return sorted(out, key=lambda pair: str(pair[1]["at"]))

    def invoiced(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Orders the ERP invoiced whose last change is at or after ``since``."""
        return [o for o in self.changed_since(since) if o.get("invoice_id")]

    @staticmethod
    def base_url(request: Request) -> str:
        """``scheme://host`` of a request, read from the scope (cheaper than Starlette's URL
        objects on the order-create path)."""
        scope = request.scope
        for name, value in scope["headers"]:
            if name == b"host":
                return f"{scope.get('scheme', 'http')}://{value.decode('latin-1')}"
        host, port = scope.get("server") or ("127.0.0.1", 80)
        return f"{scope.get('scheme', 'http')}://{host}:{port}"

    @staticmethod
    def cookie(request: Request, name: str) -> str | None:
        """One cookie's value, without parsing the whole header into a dict."""
        header = request.headers.get("cookie")
        if not header:
            return None
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None

    # -- vendor failure modes -----------------------------------------------------------------
    @staticmethod
    def mark(request: Request, name: str) -> tuple[Any, str] | None:
        marks = request.scope.get(MARKS_SCOPE_KEY)
        return marks.get(name) if marks else None

    async def guarded(self, request: Request, endpoint: Callable[[Request], Awaitable[Response]],
                      throttled: Callable[[Request], Response]) -> Response:
        """Run ``endpoint`` under the marks a fault put on the request."""
        marks = request.scope.get(MARKS_SCOPE_KEY)
        if not marks:
            return await endpoint(request)
        expiry = marks.get("session_expiry")
        if expiry is not None:
            self.sessions.expire_once(expiry[1])
        limit = marks.get("concurrency_limit")
        if limit is None:
            return await endpoint(request)
        params = limit[0]
        if self._in_flight >= int(params["max_in_flight"]):
            return throttled(request)
        self._in_flight += 1
        try:
            await asyncio.sleep(params["hold_ms"] / 1000.0)
            return await endpoint(request)
        finally:
            self._in_flight -= 1


def modified_ts(order: dict[str, Any]) -> float:
    """When the ERP last changed an order (its last status change)."""
    from peakready.mockkit import parse_time

    history = order.get("status_history") or []
    if len(history) > 1:
        return float(parse_time(history[-1]["at"]))
    return float(order["received_ts"])
