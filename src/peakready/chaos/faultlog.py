"""``faults.jsonl``: each fault as applied and cleared (docs/run-folder.md), one JSON line each.

Appended, flushed and closed per record, so a run that dies mid-fault still leaves what it
applied. ``t`` is seconds since Locust's test_start (the timeline's t = 0).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FaultLog"]


class FaultLog:
    """``FaultLog(path, t0=wall)``; ``record("applied", ...)`` appends one line."""

    def __init__(self, path: Path, t0: float | None = None) -> None:
        self.path = path
        self.t0 = t0
        self._lock = threading.Lock()  # records come from the event loop and worker threads
        # The file exists from the timeline's start: an empty one says "no fault was applied",
        # an absent one "the run never reached its timeline".
        path.touch()

    def record(self, event: str, *, fault: int, label: str, target: str, planned_at: float,
               planned_for: float, spec: dict[str, Any], outcome: str,
               wall: float | None = None) -> dict[str, Any]:
        wall = time.time() if wall is None else wall
        record = {
            "time": datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "wall": round(wall, 6),
            "t": None if self.t0 is None else round(wall - self.t0, 6),
            "event": event, "fault": fault, "label": label, "target": target,
            "planned_at": planned_at, "planned_for": planned_for, "spec": spec,
            "outcome": outcome,
        }
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
        return record

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line]
