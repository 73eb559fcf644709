"""The messages between the peakready plugin's master and worker halves, and the launch file.

::

    master ── START  {plan, targets, token, t0, index, count, shape, fixtures_dir} ──► worker
    master ◄─ BATCH  {worker, done, arrivals, hist, checkouts, in_flight, offered,
                      dropped, arrivals_below, latency_below[, error]} ───────────── worker
    master ── STOP   {} ─────────────────────────────────────────────────────────────► worker

Both halves (``worker.py``, ``coordinator.py``) import the names from here; the plugin module
only wires Locust's events to them, so no half imports the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peakready.config import parse_plan

__all__ = ["BATCH", "START", "STOP", "failed_start", "hook", "read_launch"]

START, BATCH, STOP = "peakready_start", "peakready_batch", "peakready_stop"


def hook(event: Any) -> Any:
    """Locust's EventHook is untyped: one place says so."""
    return event


def read_launch(path: Path) -> dict[str, Any]:
    """The launch file ``prepare_locust`` wrote, with its plan validated (``plan_model``)."""
    launch: dict[str, Any] = json.loads(path.read_text("utf-8"))
    launch["plan_model"] = parse_plan(launch["plan"], source=str(path))
    return launch


def failed_start(worker: str, error: str) -> dict[str, Any]:
    """The final BATCH of a worker whose share could not start: the master counts it lost."""
    return {"worker": worker, "error": error, "done": True, "arrivals": [], "hist": [],
            "checkouts": [], "in_flight": 0, "offered": 0, "dropped": 0,
            "arrivals_below": float("inf"), "latency_below": float("inf")}
