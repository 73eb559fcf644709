"""Invariants and SLO verdicts (DESIGN §9): one file per check, registered by name in CHECKS.

::

    checks/
    ├── evidence.py     RunEvidence.load(run_dir): the one reader of a run folder
    │   ├── _files.py   JSONL streaming, the export manifest, EvidenceError
    │   ├── records.py  compact records (Checkout, MagentoOrder, ErpOrder, Attempts)
    │   └── peakready.measure  windows, latency per window, acknowledged orders, export lag
    │                   (the figures the report shows too)
    ├── verdict.py      Verdict: check, status pass | fail | not_judged | error, summary,
    │                   figures, examples, windows; the CHECKS registry (Verdict.not_judged)
    ├── refusals.py     an ERP refusal: deliberately rejectable edge-case data, or a lost order
    ├── judge.py        judge(evidence, plan) -> [Verdict]: plan.checks, then the SLO gates
    ├── slo.py          SLO gates per journey / request name, per window (HDR histograms)
    └── <name>.py       def <name>(evidence, plan) -> Verdict, registered as CHECKS["<name>"]

The detection self-test that proves each check on real runs lives with the run
(``peakready.run.selftest``).

A check reads only the run's evidence (the run folder) and the plan, never a live component and
never the integration's own counters, so ``peakready report DIR`` re-judges a finished run.
"""

from __future__ import annotations

# The check files register themselves in CHECKS on import.
from peakready.checks import (  # noqa: F401
    checkout_slo,
    crm_integrity,
    export_lag,
    fallback_effective,
    inventory_convergence,
    no_duplicate_orders,
    no_lost_orders,
    no_oversell,
    order_lifecycle,
    payment_integrity,
    retry_discipline,
    storefront_cache,
    sync_efficiency,
)
from peakready.checks._files import EvidenceError
from peakready.checks.evidence import RunEvidence
from peakready.checks.judge import judge, run_check
from peakready.checks.verdict import CHECKS, Check, Verdict
from peakready.measure.windows import Window

__all__ = ["CHECKS", "Check", "EvidenceError", "RunEvidence", "Verdict", "Window", "judge",
           "run_check"]
