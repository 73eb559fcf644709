"""The bounded request journal: exact counters plus a capped ring of recent requests.

Counters are keyed by route *template* (``/api/stock/{sku}``, never the raw path), by a
method folded into a fixed set and by status, so their number is bounded by the app's
routes whatever the traffic; the ring is a ``deque(maxlen=...)``. Memory therefore stays flat
at any request count, which the journal benchmark measures over a million requests.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, NamedTuple

__all__ = ["UNMATCHED_ROUTE", "Journal", "JournalEntry"]

UNMATCHED_ROUTE = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class JournalEntry(NamedTuple):
    """One recent request (tuples are the cheapest record to keep a million times over)."""

    ts: float
    method: str
    path: str
    route: str
    status: int
    duration_ms: float
    request_id: str
    faults: tuple[str, ...]


class Journal:
    """Counters per (route, method, status) and per fault rule, and the last ``ring_size``
    requests. Not thread-safe: it lives on the server's event loop."""

    def __init__(self, ring_size: int = 1000) -> None:
        self.ring_size = ring_size
        # plain tuples in JournalEntry's field order (made into entries on read: a tuple costs
        # half a NamedTuple's construction, on every request)
        self._ring: deque[tuple[Any, ...]] = deque(maxlen=ring_size)
        self._counts: dict[tuple[str, str, int], int] = {}
        self._fault_counts: dict[str, int] = {}
        self._total = 0
        self._started = time.time()

    def record(self, method: str, path: str, route: str, status: int, duration_ms: float,
               request_id: str, faults: tuple[str, ...] = ()) -> None:
        if method not in _METHODS:
            method = "OTHER"
        key = (route, method, status)
        counts = self._counts
        counts[key] = counts.get(key, 0) + 1
        self._total += 1
        for rule_id in faults:
            self._fault_counts[rule_id] = self._fault_counts.get(rule_id, 0) + 1
        self._ring.append((time.time(), method, path, route, status, duration_ms, request_id,
                           faults))

    @property
    def total(self) -> int:
        return self._total

    def count(self, route: str | None = None, method: str | None = None,
              status: int | None = None) -> int:
        """Sum of the exact counters matching every given field."""
        return sum(n for (r, m, s), n in self._counts.items()
                   if (route is None or r == route) and (method is None or m == method)
                   and (status is None or s == status))

    def fault_count(self, rule_id: str) -> int:
        return self._fault_counts.get(rule_id, 0)

    def recent(self, limit: int | None = None) -> list[JournalEntry]:
        entries = list(self._ring)
        kept = entries if limit is None else entries[-limit:] if limit > 0 else []
        return [JournalEntry(*entry) for entry in kept]

    def reset(self) -> None:
        self._ring.clear()
        self._counts.clear()
        self._fault_counts.clear()
        self._total = 0
        self._started = time.time()

    def snapshot(self, recent: int | None = None) -> dict[str, Any]:
        """The JSON body of ``GET /__admin/journal`` (fault rules are added by the admin API)."""
        routes: dict[str, dict[str, dict[str, int]]] = {}
        for (route, method, status), n in sorted(self._counts.items()):
            routes.setdefault(route, {}).setdefault(method, {})[str(status)] = n
        return {
            "since": self._started,
            "total": self._total,
            "counts": [{"route": r, "method": m, "status": s, "count": n}
                       for (r, m, s), n in sorted(self._counts.items())],
            "routes": routes,
            "fault_hits": dict(sorted(self._fault_counts.items())),
            "ring_size": self.ring_size,
            "recent": [e._asdict() | {"faults": list(e.faults)} for e in self.recent(recent)],
        }
