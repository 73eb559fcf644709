"""Compact records the checks share, built once per run from the evidence files.

Only the fields a check reads are kept (slotted dataclasses, tuples of items), so 100,000
orders cost a few tens of MB, not the raw JSON's dicts. The ERP's request log (a million lines
at peak) is folded while it streams into one :class:`Attempts` per order: arrays of arrival
times, statuses and the Retry-After each answer carried.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from peakready.checks._files import parse_time

__all__ = ["RETRYABLE", "Attempts", "Checkout", "ErpOrder", "MagentoOrder", "is_retryable"]

Items = tuple[tuple[str, float], ...]

#: Statuses a careful client retries (issue 14: the rest are the ERP refusing the data).
RETRYABLE = frozenset({0, 408, 425, 429, 500, 502, 503, 504})


def is_retryable(status: int) -> bool:
    return status in RETRYABLE or status >= 500


def _text(value: Any, limit: int = 200) -> str | None:
    return None if value is None else str(value)[:limit]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(slots=True)
class Checkout:
    """One line of checkouts.jsonl."""

    journey: str
    intended_ts: float
    end_ts: float
    ok: bool
    status: int
    error: str | None
    step: str | None
    quote_id: int | str | None
    order_id: int | None
    increment_id: str | None
    items: Items
    edge_case: bool
    flash_sale: bool

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Checkout:
        intended = float(raw.get("intended_ts") or raw.get("start_ts") or 0.0)
        end = raw.get("end_ts")
        if not isinstance(end, int | float):
            end = intended + float(raw.get("latency_ms") or 0.0) / 1000.0
        quote = raw.get("quote_id")
        return cls(
            journey=str(raw.get("journey", "")), intended_ts=intended, end_ts=float(end),
            ok=raw.get("ok") is True, status=_int(raw.get("status")) or 0,
            error=_text(raw.get("error")), step=_text(raw.get("step"), 60),
            quote_id=quote if isinstance(quote, int | str) else None,
            order_id=_int(raw.get("order_id")),
            increment_id=_text(raw.get("increment_id"), 64),
            items=tuple((str(i.get("sku")), float(i.get("qty") or 0))
                        for i in raw.get("items") or [] if isinstance(i, dict)),
            edge_case=raw.get("edge_case") is True, flash_sale=raw.get("flash_sale") is True)


@dataclass(slots=True)
class MagentoOrder:
    """One line of evidence/magento/orders.jsonl; items are (sku, qty ordered - canceled)."""

    entity_id: int | None
    increment_id: str | None
    quote_id: int | str | None
    state: str
    created_ts: float | None
    customer_email: str | None
    items: Items

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> MagentoOrder:
        items = []
        for item in raw.get("items") or []:
            if isinstance(item, dict):
                sold = float(item.get("qty_ordered") or 0) - float(item.get("qty_canceled") or 0)
                items.append((str(item.get("sku")), sold))
        quote = raw.get("quote_id")
        return cls(entity_id=_int(raw.get("entity_id")),
                   increment_id=_text(raw.get("increment_id"), 64),
                   quote_id=quote if isinstance(quote, int | str) else None,
                   state=str(raw.get("state") or ""), created_ts=parse_time(raw.get("created_at")),
                   customer_email=_text(raw.get("customer_email")), items=tuple(items))


@dataclass(slots=True)
class ErpOrder:
    """One ERP order (evidence/erp/orders.jsonl)."""

    erp_order_id: str
    increment_id: str | None
    idempotency_key: str | None
    attempts: int
    received_ts: float | None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ErpOrder:
        received = raw.get("received_ts")
        return cls(erp_order_id=str(raw.get("erp_order_id") or raw.get("key") or ""),
                   increment_id=_text(raw.get("increment_id"), 64),
                   idempotency_key=_text(raw.get("idempotency_key"), 255),
                   attempts=_int(raw.get("attempts")) or 1,
                   received_ts=float(received) if isinstance(received, int | float)
                   else parse_time(raw.get("received_at")))


@dataclass(slots=True)
class Attempts:
    """Every ``POST /api/orders`` the ERP saw for one order, in arrival order.

    ``retry_after`` holds the seconds the answer asked the client to wait (NaN for none);
    ``refusal`` is the ERP's last non-retryable answer (e.g. a 422 naming the field).
    """

    ts: array[float] = field(default_factory=lambda: array("d"))
    status: array[int] = field(default_factory=lambda: array("H"))
    retry_after: array[float] = field(default_factory=lambda: array("d"))
    keyed: bool = False                 # some attempt carried an Idempotency-Key
    created: int = 0                    # attempts whose handler created an order
    refusal: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def succeeded(self) -> bool:
        return any(200 <= s < 300 for s in self.status)

    def gaps(self) -> list[float]:
        return [self.ts[i] - self.ts[i - 1] for i in range(1, len(self.ts))]
