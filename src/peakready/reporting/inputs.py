"""What the report takes from a run folder, all through the checks' one reader (RunEvidence).

::

    RunEvidence ──► test_start / stop, windows, faults.jsonl lines, run.json
                ──► latency() · arrivals()              per-second HDR lines, offered/started
                ──► timeline()                          witness samples (ERP backlog, divergence)
                ──► acknowledged() · erp_received()     export lag per order (measure)

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
        """increment_id → when Magento acknowledged it: the checks' own definition
        (peakready.measure.orders, through RunEvidence.acknowledged)."""
        try:
            return self.evidence.acknowledged().timed()
        except EvidenceError as exc:
            self.notes.append(str(exc))
            return {}

    def erp_refused(self) -> dict[str, float]:
        """increment_id → when the ERP refused it for its data, for the orders the harness
        placed with data a strict ERP refuses (the recorder's edge cases) and the ERP never
        created: they leave the export backlog. Any other refusal keeps the order waiting
        (lost, for the checks)."""
        try:
            edge = {c.increment_id for c in self.evidence.checkouts()
                    if c.ok and c.edge_case and c.increment_id}
            if not edge:
                return {}
            attempts = self.evidence.erp_attempts()
        except EvidenceError as exc:
            self.notes.append(str(exc))
            return {}
        refused: dict[str, float] = {}
        for inc in edge:
            seen = attempts.get(inc)
            if seen is not None and seen.refusal is not None and not seen.succeeded:
                at = seen.refusal.get("at")
                if isinstance(at, int | float):
                    refused[inc] = float(at)
        return refused

    def erp_received(self) -> dict[str, float]:
        """increment_id → the first time the ERP received it (the ERP's witness)."""
        try:
            return self.evidence.erp_received()
        except EvidenceError as exc:
            self.notes.append(str(exc))
            return {}
