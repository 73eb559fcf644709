"""The run folder: its name, ``plan.yaml`` and ``run.json`` (docs/run-folder.md).

``reports/<UTC yyyymmddTHHMMSSZ>-<plan name>/``; the plan is written resolved with secrets
redacted; ``run.json`` is rewritten whole (atomically) as the run moves on, so a killed run
leaves the last state it reached.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from peakready import __version__
from peakready.config import Plan
from peakready.safety import redact, redact_mapping

__all__ = ["RunRecord", "new_run_dir", "now_iso", "write_json", "write_plan"]

Status = Literal["running", "complete", "interrupted", "error"]


def now_iso(wall: float | None = None) -> str:
    moment = datetime.now(UTC) if wall is None else datetime.fromtimestamp(wall, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_dir(reports_dir: Path, plan_name: str) -> Path:
    """A fresh folder; a second run in the same second gets a ``-2`` suffix."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = reports_dir / f"{stamp}-{plan_name}"
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")


def write_json(path: Path, data: Any, secrets: list[str] | None = None) -> None:
    """Write JSON atomically (tmp + rename); known secret values are redacted on the way."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    if secrets:
        text = redact(text, secrets)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def write_plan(run_dir: Path, plan: Plan, secrets: list[str] | None = None) -> Path:
    path = run_dir / "plan.yaml"
    text = yaml.safe_dump(redact_mapping(plan.to_json()), sort_keys=False)
    path.write_text(redact(text, secrets or []), "utf-8")
    return path


@dataclass
class RunRecord:
    """``run.json``: timings and outcome of one run (one load phase)."""

    plan: str
    status: Status = "running"
    schema_version: int = 1
    peakready_version: str = __version__
    started_at: str = field(default_factory=now_iso)
    test_start_wall: float | None = None
    test_stop_wall: float | None = None
    load_duration_s: float | None = None
    drain: dict[str, Any] = field(default_factory=dict)
    ended_at: str | None = None
    workers: int = 0
    worker_losses: list[dict[str, Any]] = field(default_factory=list)
    components: dict[str, str] = field(default_factory=dict)
    proxies: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)  # the children, for a human or a test
    target: str = "embedded"
    fault_proxy: str = "embedded"
    flash_skus: list[str] = field(default_factory=list)
    interrupted_by: str | None = None
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds each step took
    error: str | None = None

    def write(self, run_dir: Path, secrets: list[str] | None = None) -> None:
        write_json(run_dir / "run.json", asdict(self), secrets)
