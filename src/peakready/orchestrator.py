"""One run of the harness: ``peakready run``.

The full pipeline (DESIGN §1, §4) is safety → stack → seed → snapshot → Locust → drain →
verdicts → report. What exists today is the *estate smoke run* (:mod:`peakready.estate_smoke`):
the embedded estate stood up and wired as DESIGN §1 draws it, a fault timeline on the ERP link,
and verdicts on what it did. This module names the run folder, writes ``result.json`` and tells
the user what happened; plans, Locust load and the report renderers arrive with their issues.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from peakready.errors import ConfigError
from peakready.estate_smoke import SmokeResult, run_estate_smoke

__all__ = ["main"]


def _print_summary(result: SmokeResult, run_dir: Path) -> None:
    print(f"peakready run: estate smoke, report in {run_dir}")
    print("  The interim run: the embedded estate, its fault machinery and one integration")
    print("  guarantee. Locust load, plans, the full checks and the capacity report are not")
    print("  built yet.")
    for name, url in result.components.items():
        via = f"  (proxy {result.proxies[name]})" if name in result.proxies else ""
        print(f"  {name:<11} {url}{via}")
    if result.missing_components:
        print(f"  not built yet: {', '.join(result.missing_components)}")
    for phase in result.phases:
        print(f"  phase {phase.phase:<20} ok {phase.ok}/{phase.requests}  "
              f"p50 {phase.p50_ms} ms  p95 {phase.p95_ms} ms")
    for verdict in result.verdicts:
        print(f"  [{'PASS' if verdict.passed else 'FAIL'}] {verdict.name}: {verdict.detail}")


def main(args: argparse.Namespace) -> int:
    if args.plan is not None:
        raise ConfigError(f"{args.plan}: plans are not supported yet; `peakready run` without a "
                          f"plan runs the estate smoke run")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    run_dir = Path(args.reports_dir) / f"{stamp}-estate-smoke"
    run_dir.mkdir(parents=True)
    result = asyncio.run(run_estate_smoke(run_dir))
    (run_dir / "result.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    _print_summary(result, run_dir)
    return 0 if result.passed else 1
