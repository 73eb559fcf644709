"""checkout_slo: both checkout journeys against ``slo.checkout`` (and ``slo.during_faults``)
in every window, from the latency histograms (peakready.checks.slo has the rules).

Needs: checkout journeys in latency.jsonl (none ran: not judged)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakready.checks.slo import gate_verdict
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["checkout_slo"]


@CHECKS.add("checkout_slo")
def checkout_slo(evidence: RunEvidence, plan: Plan) -> Verdict:
    return gate_verdict(evidence, plan, "checkout", check="checkout_slo")
