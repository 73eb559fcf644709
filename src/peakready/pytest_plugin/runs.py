"""Running a plan from a test: ``peakready run`` as a child process, its result.json read back.

::

    resolve_plan(plan, base)   a path (relative to the test's folder, then the rootdir), a
                               bundled plan's name ("ci", "smoke") or a mapping (written out)
    run_plan(path, reports)    `python -m peakready.cli run PATH --reports-dir DIR -q`
                               ─► PlanRun(run_dir, exit_code, result: RunResult)
    failure_message(run, checks)   the failed or unjudged verdicts: summary and examples

A child process, as in CI: the run's estate, Locust and signals are the command's own, and
the test process never imports locust.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peakready.errors import ConfigError, HarnessError

if TYPE_CHECKING:
    from peakready.reporting.result import RunResult, VerdictRecord

__all__ = ["PlanRun", "failure_message", "resolve_plan", "run_plan"]

_EXAMPLES_SHOWN = 5


@dataclass(frozen=True)
class PlanRun:
    run_dir: Path
    exit_code: int
    result: RunResult
    output: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def verdict(self, check: str) -> VerdictRecord:
        for verdict in self.result.verdicts:
            if verdict.check == check:
                return verdict
        raise KeyError(f"no verdict {check!r} in this run; verdicts: "
                       f"{', '.join(v.check for v in self.result.verdicts)}")

    @property
    def verdicts(self) -> dict[str, VerdictRecord]:
        return {v.check: v for v in self.result.verdicts}


def resolve_plan(plan: str | os.PathLike[str] | Mapping[str, Any], bases: Sequence[Path],
                 scratch: Path) -> Path:
    if isinstance(plan, Mapping):
        import yaml

        path = scratch / f"{plan.get('name', 'plan')}.yaml"
        path.write_text(yaml.safe_dump(dict(plan), sort_keys=False), "utf-8")
        return path
    candidate = Path(plan)
    if candidate.is_absolute():
        return candidate
    for base in bases:
        if (base / candidate).is_file():
            return (base / candidate).resolve()
    if candidate.suffix == "" and len(candidate.parts) == 1:
        from peakready.content import find_content_dir

        bundled = find_content_dir("fixtures") / "plans" / f"{candidate}.yaml"
        if bundled.is_file():
            return bundled
    raise ConfigError(f"resilience plan {str(plan)!r}: no such file under "
                      f"{', '.join(str(b) for b in bases)} and no bundled plan of that name")


def run_plan(path: Path, reports_dir: Path, *, timeout: float = 1800.0,
             env: Mapping[str, str] | None = None) -> PlanRun:
    from peakready.reporting.result import RunResult

    reports_dir.mkdir(parents=True, exist_ok=True)
    before = set(reports_dir.iterdir())
    argv = [sys.executable, "-m", "peakready.cli", "run", str(path),
            "--reports-dir", str(reports_dir), "-q"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, check=False)
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"peakready run {path} did not end in {timeout:g} s") from exc
    output = done.stdout + done.stderr
    made = sorted(set(reports_dir.iterdir()) - before)
    if done.returncode == 2 or not made:
        raise ConfigError(f"peakready run {path} refused the plan (exit {done.returncode}):\n"
                          f"{output.strip()[-2000:]}")
    run_dir = made[-1]
    result_path = run_dir / "result.json"
    if not result_path.is_file():
        raise HarnessError(f"peakready run {path} (exit {done.returncode}) wrote no "
                           f"result.json in {run_dir}:\n{output.strip()[-2000:]}")
    result = RunResult.model_validate_json(result_path.read_text("utf-8"))
    return PlanRun(run_dir=run_dir, exit_code=done.returncode, result=result, output=output)


def failure_message(run: PlanRun, checks: Sequence[str] | None) -> str | None:
    """None when every wanted verdict passed; else what failed, with its examples."""
    verdicts = run.verdicts
    wanted = list(checks) if checks else list(verdicts)
    lines = []
    for name in wanted:
        verdict = verdicts.get(name)
        if verdict is None:
            lines.append(f"{name}: no such verdict in the run (verdicts: "
                         f"{', '.join(verdicts) or 'none'}); add it to the plan's checks")
            continue
        if verdict.status == "pass":
            continue
        lines.append(f"{name} {verdict.status.upper()}: {verdict.summary}")
        for example in verdict.examples[:_EXAMPLES_SHOWN]:
            lines.append(f"    e.g. {json.dumps(example, sort_keys=True, default=str)}")
        if len(verdict.examples) > _EXAMPLES_SHOWN:
            lines.append(f"    ... {len(verdict.examples) - _EXAMPLES_SHOWN} more examples "
                         f"in result.json")
    if run.result.status != "complete":
        lines.append(f"the run is {run.result.status}: {run.result.error or 'see run.json'}")
    if not lines:
        return None
    lines.append(f"run folder: {run.run_dir} (report.html, junit.xml)")
    return "resilience checks failed:\n  " + "\n  ".join(lines)
