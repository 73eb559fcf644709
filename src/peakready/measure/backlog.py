"""The ERP export backlog as the witnesses saw it, and each fault's recovery from it.

::

    acknowledged {increment id: when}   the store told the shopper (peakready.measure.orders)
    settled      {increment id: when}   the ERP first received it, or refused it for its data
                                        (settled_at: the ERP's own evidence, nothing else)
        │
        ├── backlog_series(acknowledged, settled, start, end) ──► Backlog(walls, orders)
        │       orders acknowledged by t and not settled by t, once a second
        │       (backlog_at(..., walls): the same at given walls)
        └── recovery(acknowledged, settled, window, horizon) ──► Recovery
                the orders a fault held up: acknowledged in it, or still waiting when it began
                and settled later; recovered when every one of them is settled (an order of
                the fault never settled is a loss, never a recovery), time to recover from
                the window's end to the last of them

The same evidence for every integration, built-in or a user's connector: no integration's
counters, no admin endpoint. An order lost before a fault began is not that fault's to recover
(it is ``no_lost_orders``'s to report), so one lost order does not fail every later recovery.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Backlog", "Recovery", "backlog_at", "backlog_series", "recovery", "settled_at"]


def settled_at(received: Mapping[str, float],
               refused: Mapping[str, float] | None = None) -> dict[str, float]:
    """increment id → when the ERP was done with it: its first receipt, or its refusal of the
    order's data (an order the ERP refuses is out of the pipeline, not waiting in it)."""
    out = dict(received)
    for inc, at in (refused or {}).items():
        out[inc] = min(at, out.get(inc, at))
    return out


@dataclass(frozen=True)
class Backlog:
    """Orders acknowledged and not yet settled, sampled once a ``step`` from ``start``."""

    walls: list[float] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)

    def peak(self, start: float, end: float) -> int | None:
        inside = [n for wall, n in zip(self.walls, self.orders, strict=True)
                  if start <= wall < end]
        return max(inside) if inside else None


def backlog_at(acknowledged: Mapping[str, float | None], settled: Mapping[str, float],
               walls: Sequence[float]) -> list[int]:
    """The number of orders acknowledged by each wall and not settled by it."""
    acks = sorted(at for at in acknowledged.values() if at is not None)
    # An order leaves the backlog when settled, never before it entered it.
    leaves = sorted(max(settled[inc], at) for inc, at in acknowledged.items()
                    if at is not None and inc in settled)
    return [bisect_right(acks, wall) - bisect_right(leaves, wall) for wall in walls]


def backlog_series(acknowledged: Mapping[str, float | None], settled: Mapping[str, float],
                   start: float, end: float, step: float = 1.0) -> Backlog:
    """The backlog at ``start``, ``start + step`` ... up to ``end`` (a bounded grid: at most
    one sample a second over the run and its drain)."""
    if end < start or step <= 0:
        return Backlog()
    count = math.floor((end - start) / step) + 1
    walls = [start + k * step for k in range(count)]
    return Backlog(walls=walls, orders=backlog_at(acknowledged, settled, walls))


@dataclass(frozen=True)
class Recovery:
    """How the export recovered from one fault window."""

    affected: int                     # orders the fault held up
    unsettled: int                    # of those, never settled by the end of the evidence
    recovered: bool | None            # None: the fault held up no order
    time_to_recover_s: float | None   # from the window's end to the last affected settled
    examples: list[str] = field(default_factory=list)   # unsettled increment ids (up to 20)


def recovery(acknowledged: Mapping[str, float | None], settled: Mapping[str, float],
             window_start: float, window_end: float) -> Recovery:
    """The export's recovery from the fault ``[window_start, window_end)``."""
    affected: list[str] = []
    for inc, at in acknowledged.items():
        if at is None or at >= window_end:
            continue
        done = settled.get(inc)
        if at >= window_start:
            affected.append(inc)                  # placed during the fault
        elif done is not None and done > window_start:
            affected.append(inc)                  # waiting when it began, delayed by it
    if not affected:
        return Recovery(affected=0, unsettled=0, recovered=None, time_to_recover_s=None)
    lost = sorted(inc for inc in affected if inc not in settled)
    if lost:
        return Recovery(affected=len(affected), unsettled=len(lost), recovered=False,
                        time_to_recover_s=None, examples=lost[:20])
    last = max(settled[inc] for inc in affected)
    return Recovery(affected=len(affected), unsettled=0, recovered=True,
                    time_to_recover_s=round(max(0.0, last - window_end), 3))
