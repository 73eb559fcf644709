"""Invariants and SLO verdicts (DESIGN §9): one file per check, registered by name in CHECKS.

::

    checks/
    ├── verdict.py     Verdict: check, status pass | fail | error, summary, figures, examples,
    │                  windows
    └── <name>.py      def <name>(evidence, plan) -> Verdict, registered as CHECKS["<name>"]

A check reads only the run's evidence (the run folder) and the plan, never a live component and
never the integration's own counters, so ``peakready report DIR`` re-judges a finished run.
"""

from __future__ import annotations

from peakready.checks.verdict import CHECKS, Check, Verdict

__all__ = ["CHECKS", "Check", "Verdict"]
