"""``peakready selftest [--connector [PATH]] [--quick] [--flag NAME ...]``: prove the checks.

Prints one line per run as it finishes, then the matrix (mistake x check: the expected check's
cell says CAUGHT or MISS:<status>, the others show what was observed; clean runs show pass or
FALSE:<status>) and the figures: mistakes caught / total, false alarms on the clean runs. Exit
0 when every mistake was caught and the clean runs passed everything, 1 on a miss or a false
alarm, 3 when no run produced verdicts at all.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from peakready.checks.verdict import CHECKS
from peakready.errors import ConfigError
from peakready.run.selftest import Matrix, RunOutcome, run_selftest
from peakready.run.selftest_cases import QUICK, SCENARIOS, Integration, cases, default_connector

__all__ = ["main", "render"]

_SHORT = {"no_oversell": "oversell", "no_lost_orders": "lost", "no_duplicate_orders": "dup",
          "retry_discipline": "retry", "inventory_convergence": "stock",
          "crm_integrity": "crm", "checkout_slo": "slo", "fallback_effective": "fallback",
          "sync_efficiency": "sync", "export_lag": "lag"}


def _line(run: RunOutcome) -> str:
    who = run.mistake or "clean"
    folder = run.run_dir.name if run.run_dir else "no folder"
    if run.error:
        return (f"  {run.scenario:<15} {who:<26} RUN ERROR {run.error}  "
                f"({run.seconds:.0f} s, {folder})")
    bad = [f"{v.check}={v.status}" for v in run.verdicts if v.status != "pass"]
    return (f"  {run.scenario:<15} {who:<26} {', '.join(bad) or 'all pass'}  "
            f"({run.seconds:.0f} s, {folder})")


def render(matrix: Matrix) -> str:
    checks = list(CHECKS.names())
    labels = [f"{case.mistake} ({case.scenario})" for case, _ in matrix.mistake_runs()]
    labels += [f"clean ({run.scenario})" for run in matrix.clean_runs()]
    width = max([44, *(len(label) + 1 for label in labels)])
    # a cell holds a status ("not_judged" is the longest) and a space before it
    head = f"{'run':<{width}}" + "".join(f"{_SHORT.get(c, c)[:10]:>11}" for c in checks)
    rows = [f"integration: {matrix.integration}", head, "-" * len(head)]
    for case, run in matrix.mistake_runs():
        cells = []
        for check in checks:
            status = run.status(check)
            if check == case.check:
                cells.append("CAUGHT" if status == "fail" else f"MISS:{status}"[:10])
            else:
                cells.append(status[:10])
        rows.append(f"{case.mistake + ' (' + case.scenario + ')':<{width}}"
                    + "".join(f"{c:>11}" for c in cells))
    for run in matrix.clean_runs():
        cells = [s if s in ("pass", "not_judged") else f"FALSE:{s}"[:10] for s in
                 (run.status(c) for c in checks)]
        rows.append(f"{'clean (' + run.scenario + ')':<{width}}"
                    + "".join(f"{c:>11}" for c in cells))
    caught, total = len(matrix.caught()), len(matrix.cases)
    alarms = matrix.false_alarms()
    rows.append("")
    rows.append(f"detection ({matrix.integration}): {caught}/{total} mistakes caught by their "
                f"check; {len(alarms)} false alarms over {len(matrix.clean_runs())} clean runs")
    runs = dict((c.mistake, r) for c, r in matrix.mistake_runs())
    for mistake in matrix.misses():
        case = next(c for c in matrix.cases if c.mistake == mistake)
        verdict = runs[mistake].verdict(case.check)
        why = verdict.summary if verdict else runs[mistake].error or "no verdict"
        rows.append(f"  MISSED {mistake}: {case.check} {runs[mistake].status(case.check)}: "
                    f"{why}")
    for scenario, check, status in alarms:
        rows.append(f"  FALSE ALARM clean/{scenario}: {check} {status}")
    unjudged = matrix.unjudged()
    if unjudged:
        rows.append(f"not judged ({len(unjudged)} verdicts, neither caught nor false alarms):")
        rows.extend(f"  {who}: {check}: {why}" for who, check, why in unjudged)
    return "\n".join(rows)


def main(args: argparse.Namespace) -> int:
    integration: Integration = "connector" if args.connector else "builtin"
    connector = Path(args.connector) if isinstance(args.connector, str) else None
    if integration == "connector":
        connector = connector or default_connector()
        if not connector.is_file():
            raise ConfigError(f"--connector {connector}: no such file (run from a peakready "
                              f"checkout, or give the example connector's path)")
    known = cases(integration)
    mistakes = list(args.flag or (QUICK if args.quick else known))
    unknown = [m for m in mistakes if m not in known]
    if unknown:
        raise ConfigError(f"--flag {unknown[0]}: not in the {integration} selftest matrix; "
                          f"mistakes: {', '.join(known)}")
    scenarios = list(dict.fromkeys(known[m].scenario for m in mistakes))
    print(f"peakready selftest ({integration}"
          f"{': ' + str(connector) if connector else ''}): {len(mistakes)} mistakes, "
          f"{len(scenarios)} scenarios, {len(mistakes) + len(scenarios)} runs "
          f"(run folders in {args.reports_dir})")
    for name in scenarios:
        print(f"  {name}: {SCENARIOS[name].what}")
    matrix = asyncio.run(run_selftest(integration, mistakes, Path(args.reports_dir),
                                      connector=connector,
                                      on_run=lambda run: print(_line(run), flush=True)))
    print()
    print(render(matrix))
    if not any(r.verdicts for r in matrix.runs):
        return 3
    return 0 if matrix.ok else 1
