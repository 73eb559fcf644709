"""``peakready selftest [--quick] [--flag F ...]``: prove each check catches its mistake.

Prints one line per run as it finishes, then the matrix (flag x check: the expected check's
cell says CAUGHT or MISSED, the others show what was observed; good runs show pass or FALSE
ALARM) and the figures: flags caught / total, false alarms on good. Exit 0 when every flag
was caught and good passed everything, 1 on a miss or a false alarm, 3 when a run could not be
made at all (no verdicts).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from peakready.checks.selftest import Matrix, RunOutcome, run_selftest
from peakready.checks.selftest_plans import CASES, QUICK, SCENARIOS
from peakready.checks.verdict import CHECKS
from peakready.errors import ConfigError

__all__ = ["main", "render"]

_SHORT = {"no_oversell": "oversell", "no_lost_orders": "lost", "no_duplicate_orders": "dup",
          "retry_discipline": "retry", "inventory_convergence": "stock",
          "crm_integrity": "crm", "checkout_slo": "slo", "fallback_effective": "fallback",
          "sync_efficiency": "sync", "export_lag": "lag"}


def _line(run: RunOutcome) -> str:
    who = run.flag or "good"
    if run.error:
        return f"  {run.scenario:<15} {who:<26} RUN ERROR {run.error}  ({run.seconds:.0f} s)"
    bad = [f"{v.check}={v.status}" for v in run.verdicts if v.status != "pass"]
    return (f"  {run.scenario:<15} {who:<26} {', '.join(bad) or 'all pass'}  "
            f"({run.seconds:.0f} s, {run.run_dir.name})")


def render(matrix: Matrix) -> str:
    checks = list(CHECKS.names())
    head = f"{'run':<42}" + "".join(f"{_SHORT.get(c, c)[:9]:>10}" for c in checks)
    rows = [head, "-" * len(head)]
    for case, run in matrix.flag_runs():
        cells = []
        for check in checks:
            status = run.status(check)
            if check == case.check:
                cells.append("CAUGHT" if status == "fail" else f"MISS:{status}")
            else:
                cells.append(status)
        rows.append(f"{case.flag + ' (' + case.scenario + ')':<42}"
                    + "".join(f"{c:>10}" for c in cells))
    for run in matrix.good_runs():
        cells = [s if s == "pass" else f"FALSE:{s}"[:9] for s in
                 (run.status(c) for c in checks)]
        rows.append(f"{'good (' + run.scenario + ')':<42}" + "".join(f"{c:>10}" for c in cells))
    caught, total = len(matrix.caught()), len(matrix.cases)
    alarms = matrix.false_alarms()
    rows.append("")
    rows.append(f"detection: {caught}/{total} flags caught by their check; "
                f"{len(alarms)} false alarms on good over {len(matrix.good_runs())} runs")
    for flag in matrix.misses():
        case = CASES[flag]
        run = dict((c.flag, r) for c, r in matrix.flag_runs())[flag]
        verdict = run.verdict(case.check)
        why = verdict.summary if verdict else run.error or "no verdict"
        rows.append(f"  MISSED {flag}: {case.check} {run.status(case.check)}: {why}")
    for scenario, check, status in alarms:
        rows.append(f"  FALSE ALARM good/{scenario}: {check} {status}")
    return "\n".join(rows)


def main(args: argparse.Namespace) -> int:
    flags = list(args.flag or (QUICK if args.quick else CASES))
    unknown = [f for f in flags if f not in CASES]
    if unknown:
        raise ConfigError(f"--flag {unknown[0]}: not in the selftest matrix; flags: "
                          f"{', '.join(CASES)}")
    scenarios = list(dict.fromkeys(CASES[f].scenario for f in flags))
    print(f"peakready selftest: {len(flags)} flags, {len(scenarios)} scenarios, "
          f"{len(flags) + len(scenarios)} runs (run folders in {args.reports_dir})")
    for name in scenarios:
        print(f"  {name}: {SCENARIOS[name].what}")
    matrix = asyncio.run(run_selftest(flags, Path(args.reports_dir),
                                      on_run=lambda run: print(_line(run), flush=True)))
    print()
    print(render(matrix))
    if any(r.error for r in matrix.runs) and not any(r.verdicts for r in matrix.runs):
        return 3
    return 0 if matrix.ok else 1
