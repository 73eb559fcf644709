"""What the report takes from a run folder, all through the checks' one reader (RunEvidence).

::

    RunEvidence ──► test_start / stop, windows, faults.jsonl lines, run.json
                ──► latency() · arrivals()              per-second HDR lines, offered/started
                ──► timeline()                          witness samples (ERP backlog, divergence)
                ──► checkouts() · erp_orders()          export lag per order

Every read that fails becomes a note in result.json (what could not be computed) instead of a
zero on a chart; the checks turn the same gaps into ``error`` verdicts on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from peakready.checks.evidence import EvidenceError, RunEvidence

__all__ = ["Reader"]

log = logging.getLogger("peakready.reporting.inputs")
T = TypeVar("T")


class Reader:
    """RunEvidence with failures turned into notes and an empty default."""

    def __init__(self, evidence: RunEvidence) -> None:
        self.evidence = evidence
        self.notes: list[str] = []

    def get(self, what: Callable[[], list[T]]) -> list[T]:
        """``what()``, or an empty list and a note when its evidence cannot be read."""
        try:
            return what()
        except EvidenceError as exc:
            self.notes.append(str(exc))
            log.info("report: %s", exc)
            return []

    def order_times(self) -> dict[str, float]:
        """increment_id → when checkout returned it (the load's own record of the order)."""
        return {c.increment_id: c.end_ts
                for c in self.get(self.evidence.checkouts)
                if c.ok and c.increment_id}

    def erp_received(self) -> dict[str, float]:
        """increment_id → the first time the ERP received it (the ERP's witness)."""
        received: dict[str, float] = {}
        for order in self.get(self.evidence.erp_orders):
            inc, when = order.increment_id, order.received_ts
            if inc and when is not None:
                received[inc] = min(when, received.get(inc, when))
        return received
