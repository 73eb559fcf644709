"""The run: a plan's estate, its load phase, and everything that makes a run folder.

::

    run/
    ├── estate.py     open_estate(plan, run_dir): safety → stack → proxies → lease → seed →
    │                 connector; an async context manager that always tears the estate down
    ├── phase.py      run_load_phase(estate, run_dir): snapshot → Locust → fault timeline →
    │                 drain → evidence export → run.json
    ├── locust.py     Locust master + workers as children; control.jsonl tailed
    ├── witness.py    Magento REST and the mocks' evidence as witnesses (samples, drain)
    ├── export.py     evidence/ after the drain, snapshot_before.json before the load
    ├── folder.py     the run folder's name, plan.yaml, run.json
    ├── progress.py   live progress (rich on a terminal, plain lines in CI, quiet)
    ├── signals.py    Interrupts: first signal stops politely, second stops now; 130 / 143
    └── selftest.py   the detection self-test: each classic mistake (built-in flag or example
        │             connector switch) caught by its check, through real runs (run_plan)
        ├── selftest_cases.py  mistake -> (check, scenario); the scenarios' plans
        └── selftest_cli.py    ``peakready selftest [--connector]``: lines, matrix, exit code

``peakready.orchestrator`` strings them together for ``peakready run`` (``run_plan``, which
the selftest runs too); the capacity search uses :func:`open_estate` and
:func:`run_load_phase` directly.
"""

from __future__ import annotations

from peakready.run.estate import Estate, open_estate
from peakready.run.folder import RunRecord, new_run_dir
from peakready.run.phase import resolve_workers, run_load_phase
from peakready.run.progress import Progress, ProgressState, make_progress
from peakready.run.signals import Interrupts, run_interruptible

__all__ = ["Estate", "Interrupts", "Progress", "ProgressState", "RunRecord", "make_progress",
           "new_run_dir", "open_estate", "resolve_workers", "run_interruptible",
           "run_load_phase"]
