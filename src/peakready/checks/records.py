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
    return value if type(value) is int else None


def _items(raw: Any, qty: str) -> Items:
    if not raw:
        return ()
    return tuple((str(i.get("sku")), float(i.get(qty) or 0)) for i in raw if type(i) is dict)


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
        get = raw.get
        intended = float(get("intended_ts") or get("start_ts") or 0.0)
        end = get("end_ts")
        if not isinstance(end, int | float):
            end = intended + float(get("latency_ms") or 0.0) / 1000.0
        quote = get("quote_id")
        error = get("error")
        increment = get("increment_id")
        return cls(
            str(get("journey", "")), intended, float(end), get("ok") is True,
            _int(get("status")) or 0, None if error is None else str(error)[:200],
            _text(get("step"), 60), quote if isinstance(quote, int | str) else None,
            _int(get("order_id")), None if increment is None else str(increment)[:64],
            _items(get("items"), "qty"), get("edge_case") is True, get("flash_sale") is True)


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
    unshipped: Items = ()      # (sku, units sold and not yet shipped in Magento)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> MagentoOrder:
        get = raw.get
        items = []
        unshipped = []
        for item in get("items") or ():
            if type(item) is dict:
                sold = float(item.get("qty_ordered") or 0) - float(item.get("qty_canceled") or 0)
                items.append((str(item.get("sku")), sold))
                waiting = sold - float(item.get("qty_shipped") or 0)
                if waiting > 0:
                    unshipped.append((str(item.get("sku")), waiting))
        quote = get("quote_id")
        increment = get("increment_id")
        return cls(_int(get("entity_id")), None if increment is None else str(increment)[:64],
                   quote if isinstance(quote, int | str) else None, str(get("state") or ""),
                   parse_time(get("created_at")), _text(get("customer_email")), tuple(items),
                   tuple(unshipped))


@dataclass(slots=True)
class ErpOrder:
    """One ERP order (evidence/erp/orders.jsonl)."""

    erp_order_id: str
    increment_id: str | None
    idempotency_key: str | None
    attempts: int
    received_ts: float | None
    status: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ErpOrder:
        received = raw.get("received_ts")
        return cls(erp_order_id=str(raw.get("erp_order_id") or raw.get("key") or ""),
                   increment_id=_text(raw.get("increment_id"), 64),
                   idempotency_key=_text(raw.get("idempotency_key"), 255),
                   attempts=_int(raw.get("attempts")) or 1,
                   received_ts=float(received) if isinstance(received, int | float)
                   else parse_time(raw.get("received_at")), status=str(raw.get("status") or ""))


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
    waited: bool = False                # some answer carried a Retry-After
    refusal: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def succeeded(self) -> bool:
        return any(200 <= s < 300 for s in self.status)

    def gaps(self) -> list[float]:
        return [self.ts[i] - self.ts[i - 1] for i in range(1, len(self.ts))]
