"""The order outbox: one entry per placed order, written in the same step as the order.

::

    add ─► pending ─► in_flight ─┬─► exported
              ▲                  ├─► waiting (retry at next_at) ─► pending
              │                  ├─► dead      (gave up: inspect, then replay ─► pending)
              └── replay ────────┘   dropped   (the no_retry mistake: lost, not replayable)

"Atomic with the order": the place-order handler creates the order and emits ``OrderPlaced``
with no ``await`` in between, and ``add`` runs synchronously inside that emit, so no other
request can observe an order without its outbox entry. Pure data and transitions (no event
loop), so the state machine is tested on its own; ``exporter.py`` drives it.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExportEntry", "Outbox", "TransitionError"]

_LAG_WINDOW = 20_000
STATES = ("pending", "in_flight", "waiting", "exported", "dead", "dropped")


class TransitionError(ValueError):
    """An entry was asked to move in a way the state machine does not allow."""


@dataclass
class ExportEntry:
    increment_id: str
    entity_id: int
    payload: dict[str, Any] | None
    created_at: float                       # wall clock, for export lag
    state: str = "pending"
    attempts: int = 0                       # attempts in the current round (replay resets)
    total_attempts: int = 0
    next_at: float = 0.0                    # monotonic, while waiting
    not_before: float = 0.0                 # monotonic: a Retry-After, never expedited
    last_error: str | None = None
    exported_at: float | None = None
    erp_order_id: str | None = None
    replays: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"increment_id": self.increment_id, "entity_id": self.entity_id,
                "state": self.state, "attempts": self.attempts,
                "total_attempts": self.total_attempts, "last_error": self.last_error,
                "created_at": self.created_at, "exported_at": self.exported_at,
                "erp_order_id": self.erp_order_id, "replays": self.replays,
                "history": self.history[-20:]}


class Outbox:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.wall = wall
        self.entries: dict[str, ExportEntry] = {}
        self._ready: deque[str] = deque()
        self._waiting: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self.lags: deque[float] = deque(maxlen=_LAG_WINDOW)
        self.counts: dict[str, int] = dict.fromkeys(STATES, 0)

    # --- transitions -----------------------------------------------------------------------

    def _move(self, entry: ExportEntry, allowed: tuple[str, ...], to: str) -> None:
        if entry.state not in allowed:
            raise TransitionError(f"order {entry.increment_id}: {entry.state} → {to} "
                                  "is not allowed")
        self.counts[entry.state] -= 1
        self.counts[to] += 1
        entry.state = to

    def add(self, increment_id: str, entity_id: int, payload: dict[str, Any], *,
            in_flight: bool = False, due_in: float | None = None) -> ExportEntry:
        """A new entry: ready now, in flight at once, or waiting ``due_in`` seconds."""
        if increment_id in self.entries:
            raise TransitionError(f"order {increment_id} is already in the outbox")
        entry = ExportEntry(increment_id, entity_id, payload, self.wall())
        self.entries[increment_id] = entry
        self.counts["pending"] += 1
        if in_flight:
            self.begin(entry)
        elif due_in is not None:
            self._move(entry, ("pending",), "waiting")
            entry.next_at = self.clock() + max(0.0, due_in)
            heapq.heappush(self._waiting, (entry.next_at, next(self._seq), increment_id))
        else:
            self._ready.append(increment_id)
        return entry

    def take(self) -> ExportEntry | None:
        """The next entry due for an attempt, now in flight; None when nothing is due."""
        now = self.clock()
        while self._waiting and self._waiting[0][0] <= now:
            _, _, inc = heapq.heappop(self._waiting)
            entry = self.entries.get(inc)
            if entry is not None and entry.state == "waiting":
                self._move(entry, ("waiting",), "pending")
                self._ready.append(inc)
        while self._ready:
            entry = self.entries.get(self._ready.popleft())
            if entry is not None and entry.state == "pending":
                self.begin(entry)
                return entry
        return None

    def begin(self, entry: ExportEntry) -> None:
        self._move(entry, ("pending",), "in_flight")
        entry.attempts += 1
        entry.total_attempts += 1

    def succeed(self, entry: ExportEntry, erp_order_id: str | None, note: str) -> None:
        self._move(entry, ("in_flight",), "exported")
        entry.exported_at = self.wall()
        entry.erp_order_id = erp_order_id
        entry.last_error = None
        entry.payload = None  # exported: memory stays flat under a long run
        entry.history.append({"at": entry.exported_at, "outcome": note})
        self.lags.append(entry.exported_at - entry.created_at)

    def fail(self, entry: ExportEntry, error: str, retry_in: float,
             not_before_in: float | None = None) -> None:
        self._move(entry, ("in_flight",), "waiting")
        entry.last_error = error
        now = self.clock()
        entry.next_at = now + max(0.0, retry_in)
        entry.not_before = now + not_before_in if not_before_in is not None else 0.0
        entry.history.append({"at": self.wall(), "outcome": error, "retry_in": retry_in})
        heapq.heappush(self._waiting, (entry.next_at, next(self._seq), entry.increment_id))

    def give_up(self, entry: ExportEntry, error: str, *, drop: bool) -> None:
        self._move(entry, ("in_flight",), "dropped" if drop else "dead")
        entry.last_error = error
        entry.history.append({"at": self.wall(), "outcome": error,
                              "gave_up": "dropped" if drop else "dead_letter"})
        if drop:
            entry.payload = None

    def expedite(self) -> int:
        """Waiting entries become due now (or at their Retry-After); returns how many.

        Used once the ERP is seen healthy again after an outage: their backoff was sized for
        a dead ERP, and waiting it out would only stretch the drain."""
        now = self.clock()
        moved = 0
        for entry in self.entries.values():
            if entry.state == "waiting" and entry.next_at > now:
                entry.next_at = max(now, entry.not_before)
                moved += 1
        if moved:
            self._waiting = [(e.next_at, next(self._seq), e.increment_id)
                             for e in self.entries.values() if e.state == "waiting"]
            heapq.heapify(self._waiting)
        return moved

    def replay(self, increment_ids: list[str] | None = None) -> list[str]:
        """Dead letters back to pending (all of them when ``increment_ids`` is None)."""
        if increment_ids is None:
            targets = [e for e in self.entries.values() if e.state == "dead"]
        else:
            targets = []
            for inc in increment_ids:
                entry = self.entries.get(inc)
                if entry is None:
                    raise TransitionError(f"order {inc} is not in the outbox")
                if entry.state != "dead":
                    raise TransitionError(f"order {inc} is {entry.state}, not a dead letter")
                targets.append(entry)
        for entry in targets:
            self._move(entry, ("dead",), "pending")
            entry.attempts = 0
            entry.replays += 1
            entry.history.append({"at": self.wall(), "outcome": "replayed"})
            self._ready.append(entry.increment_id)
        return [e.increment_id for e in targets]

    # --- views -----------------------------------------------------------------------------

    def next_due_in(self) -> float | None:
        """Seconds until the earliest waiting entry is due (None when none waits)."""
        if self._ready:
            return 0.0
        if not self._waiting:
            return None
        return max(0.0, self._waiting[0][0] - self.clock())

    @property
    def backlog(self) -> int:
        return self.counts["pending"] + self.counts["in_flight"] + self.counts["waiting"]

    def dead_letters(self) -> list[ExportEntry]:
        return [e for e in self.entries.values() if e.state == "dead"]

    def oldest_unexported_age(self) -> float:
        now = self.wall()
        ages = [now - e.created_at for e in self.entries.values()
                if e.state in ("pending", "in_flight", "waiting")]
        return max(ages, default=0.0)

    def metrics(self) -> dict[str, Any]:
        lags = sorted(self.lags)
        return {"states": dict(self.counts), "backlog": self.backlog,
                "dead_letters": self.counts["dead"], "dropped": self.counts["dropped"],
                "exported": self.counts["exported"],
                "oldest_unexported_age_s": round(self.oldest_unexported_age(), 3),
                "export_lag_s": {"count": len(lags), "p50": _pct(lags, 0.50),
                                 "p95": _pct(lags, 0.95), "max": lags[-1] if lags else None}}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 4)
