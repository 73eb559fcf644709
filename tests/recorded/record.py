"""Regenerate tests/recorded/: small real run folders from the selftest, one per case.

    .venv/bin/python tests/recorded/record.py [--integration builtin|connector|all]
                                              [--mistake NAME ...] [--from REPORTS_DIR ...]

Without ``--from`` it runs the selftest (``peakready.run.selftest``: each case a real
``run_plan``) into a temporary folder; with ``--from`` it takes the run folders an earlier
``peakready selftest --reports-dir DIR`` left there. Each mistake's run folder is copied to
``tests/recorded/<integration>-<mistake>/`` and the clean run of the ``erp-down`` scenario to
``tests/recorded/<integration>-clean/``, keeping only what the checks read of the store: the
run's own files and ``evidence/`` (not its report, logs, Locust's CSVs, nor ``cpu.jsonl``).
``tests/unit/checks/test_recorded_runs.py`` judges every folder in the default test run.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CLEAN_SCENARIO = "erp-down"
#: What the checks read of the store and its witnesses; everything else in a run folder is
#: output or diagnostics. ``cpu.jsonl`` (the recording machine's own load) is left out on
#: purpose: recorded on a shared machine, its saturation would excuse the very latency and
#: error verdicts these folders are kept to prove; the default run judges the store's evidence.
KEEP = ("plan.yaml", "run.json", "control.jsonl", "checkouts.jsonl", "latency.jsonl",
        "arrivals.jsonl", "faults.jsonl", "timeline.jsonl", "evidence")


def _who(run_dir: Path) -> tuple[str, str | None, str] | None:
    """(integration, mistake or None, scenario) of a selftest run folder, from its plan."""
    plan: dict[str, Any] = yaml.safe_load((run_dir / "plan.yaml").read_text("utf-8"))
    name = str(plan.get("name", ""))
    if not name.startswith("selftest-"):
        return None
    target = plan.get("target", {})
    connector = target.get("connector")
    if connector:
        mistake = connector.get("env", {}).get("CONNECTOR_MISTAKES") or None
        integration = "connector"
    else:
        flags = target.get("integration", {}).get("flags") or []
        mistake = flags[0] if flags else None
        integration = "builtin"
    scenario = name.removeprefix(f"selftest-{integration}-")
    return integration, mistake, scenario


def _copy(run_dir: Path, name: str) -> Path:
    target = HERE / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    for part in KEEP:
        source = run_dir / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def record(folders: list[Path], integrations: set[str], mistakes: set[str] | None) -> None:
    chosen: dict[str, Path] = {}
    for run_dir in sorted(folders, key=lambda p: p.name):   # by time: the latest run wins
        who = _who(run_dir) if (run_dir / "plan.yaml").is_file() else None
        if who is None or who[0] not in integrations:
            continue
        integration, mistake, scenario = who
        if mistake is None:
            if scenario.startswith(CLEAN_SCENARIO):
                chosen[f"{integration}-clean"] = run_dir
        elif mistakes is None or mistake in mistakes:
            chosen[f"{integration}-{mistake}"] = run_dir
    for name, run_dir in sorted(chosen.items()):
        copied = _copy(run_dir, name)
        size = sum(p.stat().st_size for p in copied.rglob("*") if p.is_file())
        print(f"{name:<40} {size / 1024:7.0f} KiB  from {run_dir}")


def _run_selftest(integrations: set[str], mistakes: set[str] | None, into: Path) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from peakready.run.selftest import run_selftest
    from peakready.run.selftest_cases import cases

    for integration in sorted(integrations):
        known = cases(integration)  # type: ignore[arg-type]
        names = [m for m in known if mistakes is None or m in mistakes]
        if not any(known[m].scenario == CLEAN_SCENARIO for m in names):
            names.append(next(m for m, c in known.items() if c.scenario == CLEAN_SCENARIO))
        asyncio.run(run_selftest(integration, names, into,  # type: ignore[arg-type]
                                 connector=REPO / "examples" / "connector" / "connector.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--integration", choices=("builtin", "connector", "all"),
                        default="all")
    parser.add_argument("--mistake", action="append", help="only these cases (repeatable)")
    parser.add_argument("--from", dest="sources", action="append", type=Path,
                        help="selftest reports dirs to take the run folders from")
    args = parser.parse_args()
    integrations = {"builtin", "connector"} if args.integration == "all" \
        else {args.integration}
    mistakes = set(args.mistake) if args.mistake else None
    if args.sources:
        folders = [d for source in args.sources for d in source.iterdir() if d.is_dir()]
        record(folders, integrations, mistakes)
        return 0
    with tempfile.TemporaryDirectory(prefix="peakready-record-") as tmp:
        _run_selftest(integrations, mistakes, Path(tmp))
        record([d for d in Path(tmp).iterdir() if d.is_dir()], integrations, mistakes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
