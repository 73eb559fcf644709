"""``peakready report DIR``: re-judge a finished run folder and redraw every report from it.

::

    DIR/result.json   must exist and carry this peakready's schema_version (else exit 2)
    DIR/run.json      must exist (the run folder's own record) and DIR/evidence/ too
    └── finalize(DIR) ──► result.json, report.html, junit.xml, console ──► exit_code
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from peakready.errors import ConfigError
from peakready.reporting.finalize import finalize
from peakready.reporting.result import SCHEMA_VERSION

__all__ = ["check_run_folder", "main"]

#: The run folder's own format (run.json's schema_version, docs/run-folder.md).
RUN_SCHEMA_VERSION = 1


def _version(path: Path, expected: int, what: str) -> None:
    if not path.is_file():
        raise ConfigError(f"{path}: missing; `peakready report` redraws a finished run folder, "
                          f"which has {path.name} (schema_version {expected}) — {what}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); expected schema_version "
                          f"{expected}") from None
    found = data.get("schema_version") if isinstance(data, dict) else None
    if found != expected:
        raise ConfigError(
            f"{path}: schema_version {found!r}, this peakready reads schema_version {expected}"
            f"; {'an older' if isinstance(found, int) and found < expected else 'another'} "
            f"peakready wrote it: report it with that version, or run the plan again")


def check_run_folder(run_dir: Path) -> None:
    """Refuse (ConfigError, exit 2) a folder that is not a finished run of this version."""
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such run folder (runs are written under reports/)")
    _version(run_dir / "result.json", SCHEMA_VERSION, "the run never reached its report")
    _version(run_dir / "run.json", RUN_SCHEMA_VERSION, "the orchestrator did not finish it")
    if not (run_dir / "evidence").is_dir():
        raise ConfigError(f"{run_dir / 'evidence'}: missing; the run's evidence was never "
                          f"exported, so there is nothing to re-judge")


def main(args: argparse.Namespace) -> int:
    run_dir = Path(args.dir)
    check_run_folder(run_dir)
    return finalize(run_dir, console=not args.quiet).exit_code
