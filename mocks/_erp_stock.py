"""The ERP's stock book: absolute on-hand per SKU, a change cursor, and warehouse movements.

Every change (seeding, a warehouse movement, a shipment of an order, an adjustment through
``POST /api/stock/adjustments``) gets the next sequence number and, but for seeding, a
``stock_history`` event with the on-hand before and after and its source (``api``,
``movement`` or ``order``); the SKU moves to the end of an ordered dict, so the delta feed
after cursor ``c`` is read backwards from the end and costs O(changes since c), not
O(catalog). Movements arrive at a rate (receipts and other-channel sales; settable at
runtime, 0 pauses), drawn from a seeded generator and applied lazily in ``advance(now)`` at
the times they were due, so the same seed and the same clock give the same history whether
or not anyone polled in between.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from peakready.mockkit import EvidenceStore, iso_utc

__all__ = ["SOURCES", "Movements", "StockBook", "iso"]

# Who changed on-hand: the ERP's own users through its API, the warehouse, or an order.
SOURCES = ("api", "movement", "order")

# Catch-up is capped so a mock left idle for an hour does not stall a request replaying it.
_MAX_CATCH_UP = 2_000


iso = iso_utc


@dataclass
class _Level:
    qty: int
    seq: int
    updated_at: float


class StockBook:
    def __init__(self, evidence: EvidenceStore, clock: Callable[[], float] = time.time) -> None:
        self.evidence = evidence
        self.clock = clock
        self._levels: OrderedDict[str, _Level] = OrderedDict()
        self.seq = 0

    def __len__(self) -> int:
        return len(self._levels)

    def skus(self) -> list[str]:
        return list(self._levels)

    def seed(self, stock: Iterable[tuple[str, int]], *, at: float | None = None) -> None:
        """Initial on-hand. Not evidence (the fixture is), so seeding 24k SKUs stays cheap."""
        now = self.clock() if at is None else at
        self._levels.clear()
        self.seq = 0
        for sku, qty in stock:
            self.seq += 1
            self._levels[sku] = _Level(int(qty), self.seq, now)

    def restore(self, sku: str, qty: int, at: float, seq: int) -> None:
        """Apply the last recorded level of ``sku`` after a restart, under its recorded
        sequence number: a connector's cursor from before the restart stays inside the feed."""
        self.seq = max(self.seq + 1, seq)
        self._levels[sku] = _Level(qty, self.seq, at)
        self._levels.move_to_end(sku)

    def get(self, sku: str) -> dict[str, Any] | None:
        level = self._levels.get(sku)
        if level is None:
            return None
        return {"sku": sku, "qty": level.qty, "updated_at": iso(level.updated_at),
                "seq": level.seq}

    def move(self, sku: str, delta: int, reason: str, source: str, *,
             at: float | None = None, ref: str | None = None) -> int:
        """Change on-hand (never below zero); records the movement; returns the new qty."""
        level = self._levels.get(sku)
        if level is None:
            return 0
        now = self.clock() if at is None else at
        applied = max(-level.qty, delta)
        before = level.qty
        level.qty += applied
        self.seq += 1
        level.seq = self.seq
        level.updated_at = now
        self._levels.move_to_end(sku)
        record = {"sku": sku, "delta": applied, "requested": delta, "qty_before": before,
                  "qty_after": level.qty, "source": source, "reason": reason, "at": iso(now),
                  "seq": self.seq}
        if ref is not None:
            record["ref"] = ref
        self.evidence.append("stock_history", record, key=sku, ts=now)
        return level.qty

    def delta(self, *, after_seq: int | None = None, after_time: float | None = None,
              limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        """Levels changed after a cursor (or a time), oldest change first.

        Returns (items, next_cursor, has_more); ``next_cursor`` is the seq of the last item,
        or the current head when nothing changed, so polling with it never skips a change.
        """
        newer: list[tuple[str, _Level]] = []
        for sku in reversed(self._levels):
            level = self._levels[sku]
            if (after_seq is not None and level.seq <= after_seq) or \
                    (after_time is not None and level.updated_at <= after_time):
                break
            newer.append((sku, level))
        newer.reverse()
        page = newer[:limit]
        items = [{"sku": sku, "qty": lv.qty, "updated_at": iso(lv.updated_at), "seq": lv.seq}
                 for sku, lv in page]
        if page:
            cursor = page[-1][1].seq
        elif after_seq is not None:
            # Past the head is refused by the route; here it is at most the head.
            cursor = max(after_seq, 0)
        else:
            cursor = self.seq
        return items, cursor, len(newer) > len(page)


class Movements:
    """Warehouse movements at ``rate`` per second: receipts and sales in other channels.

    ``set_rate`` re-anchors the schedule at ``now``: what was due at the old rate is applied
    first, so a change of rate never rewrites history already served.
    """

    def __init__(self, book: StockBook, rate: float, seed: int, start: float,
                 exclude: Iterable[str] = ()) -> None:
        self.book = book
        self.rate = rate
        self.start = start
        self.rng = random.Random(f"erp-movements:{seed}")
        excluded = set(exclude)
        self.skus = [s for s in book.skus() if s not in excluded]
        self.done = 0

    def set_rate(self, rate: float, now: float) -> None:
        self.advance(now)
        self.rate = rate
        self.start = now
        self.done = 0

    def advance(self, now: float) -> int:
        """Apply the movements due by ``now`` at their due times; returns how many."""
        if self.rate <= 0 or not self.skus:
            return 0
        due = int((now - self.start) * self.rate)
        todo = min(due - self.done, _MAX_CATCH_UP)
        if todo <= 0:
            return 0
        if due - self.done > _MAX_CATCH_UP:
            self.done = due - _MAX_CATCH_UP
        for _ in range(todo):
            self.done += 1
            at = self.start + self.done / self.rate
            sku = self.rng.choice(self.skus)
            if self.rng.random() < 0.3:
                self.book.move(sku, self.rng.randint(5, 50), "receipt", "movement", at=at)
            else:
                self.book.move(sku, -self.rng.randint(1, 5), "other_channel_sale", "movement",
                               at=at)
        return todo
