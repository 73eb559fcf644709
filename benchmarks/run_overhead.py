"""Orchestrator overhead: a run's wall time minus its load (start-up + drain + export + report).

Runs ``peakready run PLAN`` (default: the smoke plan) once as a user does, and prints the wall
time against the baseline measured in the same run, Locust's own test_start → test_stop (the
plan's load), split into start-up (estate, seed, Locust until test_start) and the tail (drain,
evidence export, teardown, report). Target: overhead ≤ 20 s with the integration drained.

    .venv/bin/python benchmarks/run_overhead.py [PLAN]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 20.0


def main(plan: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.time()
        completed = subprocess.run(
            [sys.executable, "-m", "peakready.cli", "run", str(plan), "--reports-dir", tmp,
             "--quiet"], cwd=REPO, capture_output=True, text=True)
        ended = time.time()
        runs = list(Path(tmp).iterdir())
        if not runs or not (runs[0] / "run.json").exists():
            print(completed.stdout, completed.stderr)
            return 3
        run = json.loads((runs[0] / "run.json").read_text())
    load = run["test_stop_wall"] - run["test_start_wall"]
    wall = ended - started
    overhead = wall - load
    print(f"plan {run['plan']}: exit {completed.returncode}, run.json {run['status']}, "
          f"drained {run['drain'].get('drained')} after {run['drain'].get('waited_s')} s")
    print(f"  wall {wall:6.1f} s   load (baseline, Locust test_start -> test_stop) {load:6.1f} s"
          f"   = {wall / load:.2f} x")
    print(f"  start-up (process start -> test_start)   {run['test_start_wall'] - started:6.1f} s")
    print(f"  tail (test_stop -> process exit)         {ended - run['test_stop_wall']:6.1f} s"
          f"   steps {run['phases']}")
    print(f"overhead {overhead:.1f} s = {overhead / TARGET_S:.2f} x the {TARGET_S:.0f} s target")
    return 0 if overhead <= TARGET_S and run["drain"].get("drained") else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", default=str(REPO / "fixtures/plans/smoke.yaml"))
    raise SystemExit(main(Path(parser.parse_args().plan)))
