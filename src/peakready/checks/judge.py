"""judge(evidence, plan) -> [Verdict]: the plan's checks, then its SLO gates.

A check that cannot judge (its evidence missing or cut short) is ``error`` with the reason; a
check that raises is ``error`` too (logged with its traceback), so a bug in one check never
hides the others and never becomes a pass. Gates are verdicts named ``slo:<name>``; the
``checkout`` gate is the ``checkout_slo`` check itself when the plan lists it (one verdict,
not two). Last, latency verdicts failing only where the harness's own CPU was saturated
become ``not_judged`` with the reason (``peakready.checks.saturated``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from peakready.checks._files import EvidenceError
from peakready.checks.saturated import excuse_saturation
from peakready.checks.slo import gate_names, gate_verdict
from peakready.checks.verdict import CHECKS, Verdict
from peakready.errors import ConfigError

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["judge", "run_check"]

log = logging.getLogger("peakready.checks")


def _guarded(name: str, run: object, *args: object) -> Verdict:
    try:
        verdict = run(*args)  # type: ignore[operator]
    except EvidenceError as exc:
        return Verdict(name, "error", f"could not judge: {exc}")
    except ConfigError as exc:
        return Verdict(name, "error", f"could not judge: {exc}")
    except Exception as exc:  # a bug in a check is its own error, never the run's end
        log.exception("check %s failed", name)
        return Verdict(name, "error", f"the check itself failed: {type(exc).__name__}: {exc}")
    assert isinstance(verdict, Verdict)
    return verdict


def run_check(name: str, evidence: RunEvidence, plan: Plan) -> Verdict:
    """One registered check by name, guarded as described above."""
    check = CHECKS.get(name)
    if check is None:
        return Verdict(name, "error", CHECKS.unknown(name))
    return _guarded(name, check, evidence, plan)


def judge(evidence: RunEvidence, plan: Plan) -> list[Verdict]:
    """Every check ``plan.checks`` names, in that order, then one verdict per SLO gate."""
    verdicts = [run_check(name, evidence, plan) for name in plan.checks]
    for name in gate_names(plan):
        if name == "checkout" and "checkout_slo" in plan.checks:
            continue
        verdicts.append(_guarded(f"slo:{name}", lambda n=name: gate_verdict(
            evidence, plan, n, check=f"slo:{n}")))
    # One place for every latency verdict: a window where the harness (or the machine) was
    # saturated measured the harness, not the store (peakready.checks.saturated).
    return excuse_saturation(verdicts, evidence)
