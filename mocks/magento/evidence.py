"""The simulator's witnesses for ``GET /__admin/evidence``: Magento's own state, paged.

::

    ?kind=orders        cursor entity_id     since: updated_at     (every order, searchable
    ?kind=customers     cursor id            since: updated_at      or not yet: the witness)
    ?kind=source_items  cursor seq           since: last change
    ?kind=reservations  cursor reservation_id since: appended at
    ?kind=page_cache    cursor second         since: that second (the full-page cache's hits,
                                               misses, purges per wall-clock second)
    &after=N&limit=L    → records[kind], next_after (pass it as ``after`` next time)

The store changes between pages; a cursor only moves forward over keys that never change,
so a page walk sees every record that existed when it started, in its state when its page was
read. Each page costs O(log n + limit) (plus one near-linear sort of the order ids), so
exporting 100,000 orders is a few dozen pages, not one response of everything.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from peakready.mockkit.app import MockKit

    from .state import Store

__all__ = ["KINDS", "register"]

KINDS = ("orders", "customers", "source_items", "reservations", "page_cache")
T = TypeVar("T")


def _magento_time(since: float) -> str:
    """Epoch seconds → Magento's ``Y-m-d H:i:s`` (UTC, second resolution, floor)."""
    return datetime.fromtimestamp(int(since // 1), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _page(items: Iterable[tuple[int, T]], limit: int, after: int,
          keep: Callable[[T], dict[str, Any] | None]) -> tuple[list[dict[str, Any]], int]:
    """Walk (cursor, item) pairs in cursor order, keep up to ``limit`` records; the cursor
    to resume at is the last item looked at (filtered ones included)."""
    rows: list[dict[str, Any]] = []
    last = after
    for cursor, item in items:
        if len(rows) >= limit:
            break
        last = cursor
        record = keep(item)
        if record is not None:
            rows.append(record)
    return rows, last


def _orders(store: Callable[[], Store]) -> Callable[[int, int, float | None],
                                                    tuple[list[dict[str, Any]], int]]:
    def page(after: int, limit: int, since: float | None) -> tuple[list[dict[str, Any]], int]:
        orders = store().orders
        ids = sorted(orders.by_id)   # near-sorted already: timsort is linear here
        start = bisect_right(ids, after)
        floor = _magento_time(since) if since is not None else None
        by_id = orders.by_id

        def keep(entity_id: int) -> dict[str, Any] | None:
            order = by_id[entity_id]
            return orders.record(order) if floor is None or order.updated_at >= floor else None

        return _page(((i, i) for i in ids[start:]), limit, after, keep)
    return page


def _customers(store: Callable[[], Store]) -> Callable[[int, int, float | None],
                                                       tuple[list[dict[str, Any]], int]]:
    def page(after: int, limit: int, since: float | None) -> tuple[list[dict[str, Any]], int]:
        by_id = store().customers.by_id
        ids = sorted(by_id)
        floor = _magento_time(since) if since is not None else None

        def keep(customer_id: int) -> dict[str, Any] | None:
            customer = by_id[customer_id]
            return customer.out() if floor is None or customer.updated_at >= floor else None

        return _page(((i, i) for i in ids[bisect_right(ids, after):]), limit, after, keep)
    return page


def _source_items(store: Callable[[], Store]) -> Callable[[int, int, float | None],
                                                          tuple[list[dict[str, Any]], int]]:
    def page(after: int, limit: int, since: float | None) -> tuple[list[dict[str, Any]], int]:
        items = list(store().inventory.items.values())   # in seq order (inventory.py)
        start = bisect_right(items, after, key=lambda i: i.seq)
        return _page(((i.seq, i) for i in items[start:]), limit, after, lambda i: (
            {**i.out(), "seq": i.seq, "ts": i.ts} if since is None or i.ts >= since
            else None))
    return page


def _reservations(store: Callable[[], Store]) -> Callable[[int, int, float | None],
                                                          tuple[list[dict[str, Any]], int]]:
    def page(after: int, limit: int, since: float | None) -> tuple[list[dict[str, Any]], int]:
        rows = store().inventory.reservations          # append-only, in id order
        start = bisect_right(rows, after, key=lambda r: r.reservation_id)
        return _page(((r.reservation_id, r) for r in rows[start:]), limit, after, lambda r: (
            {**r.out(), "ts": r.ts} if since is None or r.ts >= since else None))
    return page


def _page_cache(store: Callable[[], Store]) -> Callable[[int, int, float | None],
                                                        tuple[list[dict[str, Any]], int]]:
    def page(after: int, limit: int, since: float | None) -> tuple[list[dict[str, Any]], int]:
        rows = [r for r in store().page_cache.seconds() if r["t"] > after]
        return _page(((r["t"], r) for r in rows), limit, after,
                     lambda r: r if since is None or r["t"] >= int(since) else None)
    return page


def register(kit: MockKit, store: Callable[[], Store]) -> None:
    """Serve the kinds from ``store()`` (a callable: reset replaces the store)."""
    kit.live_evidence("orders", _orders(store), lambda: len(store().orders.by_id))
    kit.live_evidence("customers", _customers(store), lambda: len(store().customers.by_id))
    kit.live_evidence("source_items", _source_items(store),
                      lambda: len(store().inventory.items))
    kit.live_evidence("reservations", _reservations(store),
                      lambda: len(store().inventory.reservations))
    kit.live_evidence("page_cache", _page_cache(store),
                      lambda: len(store().page_cache.seconds()))
