"""``faults.jsonl``: each fault as applied and cleared (DESIGN §4), one JSON object a line.

Appended and closed per record, so a run that dies mid-fault still leaves what it applied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FaultLog"]


class FaultLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, event: str, proxy: str, spec: dict[str, Any], outcome: str) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                  "event": event, "target": f"proxy:{proxy}", "spec": spec, "outcome": outcome}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
