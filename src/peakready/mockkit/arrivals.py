"""Arrival evidence: one durable event per request on a tracked route, whatever answered it.

The journal counts; this keeps the per-request facts a check needs to judge retries (when
each attempt arrived, with which idempotency key, for which business object, what it got),
including the attempts a fault or the rate limit answered before the business handler ran.
Shape of each event (plus whatever the mock's extractor and handler add)::

    {"id": 17, "ts": 1732712345.123, "key": "<idempotency key or null>",
     "arrived_at": "2026-11-27T13:45:01.123Z", "method": "POST", "path": "/api/orders",
     "status": 503, "faults": ["erp-503"], "request_id": "...", "idempotency_key": "...",
     "retry_after": 5}

``status`` 0 means the connection was dropped without a response (a ``close`` fault).
``retry_after`` is the ``Retry-After`` the answer carried (whoever sent it: the handler, a
fault rule, the rate limit): seconds as a number, an HTTP date as sent, or null.

An extractor that returns ``None`` says the request is not an arrival of this kind (an RPC
endpoint serves reads and creates alike: only the creates are order attempts), unless the
handler noted it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.types import Scope

from peakready.mockkit.clock import iso_utc
from peakready.mockkit.evidence import EvidenceStore

__all__ = ["ArrivalTracker", "Extractor"]

log = logging.getLogger("peakready.mockkit.arrivals")
Extractor = Callable[[bytes, dict[str, str]], dict[str, Any] | None]
_IDEMPOTENCY = b"idempotency-key"


def _seconds(retry_after: str | None) -> int | float | str | None:
    """A Retry-After as sent: seconds as a number (``5``, ``1.5``), else the text (a date)."""
    if retry_after is None:
        return None
    text = retry_after.strip()
    if text.isdigit():
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


class ArrivalTracker:
    def __init__(self, kind: str, extract: Extractor | None = None) -> None:
        self.kind = kind
        self.extract = extract

    def record(self, evidence: EvidenceStore, scope: Scope, body: bytes, arrived: float,
               status: int, request_id: str, faults: tuple[str, ...],
               retry_after: str | None = None) -> None:
        key = None
        for name, value in scope["headers"]:
            if name == _IDEMPOTENCY:
                key = value.decode("latin-1")
                break
        data: dict[str, Any] = {
            "arrived_at": iso_utc(arrived),
            "method": scope["method"], "path": scope["path"], "status": status,
            "faults": list(faults), "request_id": request_id, "idempotency_key": key,
            "retry_after": _seconds(retry_after),
        }
        noted = scope.get("peakready.evidence")
        # The handler's own note (it parsed the body already) spares a second parse.
        if self.extract is not None and not noted:
            extracted: dict[str, Any] | None = {}
            try:
                headers = {k.decode("latin-1"): v.decode("latin-1")
                           for k, v in scope["headers"]}
                extracted = self.extract(body, headers)
            except Exception:  # an extractor must never turn a request into a 500
                log.debug("arrival extractor failed on %s", scope["path"], exc_info=True)
            if extracted is None:
                return
            data.update(extracted)
        if noted:
            data.update(noted)
        try:
            evidence.append(self.kind, data, key=key, ts=arrived)
        except sqlite3.Error:
            log.warning("could not record arrival of %s %s", scope["method"], scope["path"],
                        exc_info=True)
