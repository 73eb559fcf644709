"""inventory_convergence: after the drain Magento's stock agrees with the ERP's, which owns it.

Witnesses: the ERP's final on-hand (evidence/erp/stock.jsonl), Magento's source items, salable
quantities and reservations after the drain, and the orchestrator's witness samples
(timeline.jsonl) for the time to converge after the last fault.

* every SKU both know: Magento's ``default`` source quantity = the ERP's on-hand. A SKU whose
  ERP level changed less than ``thresholds.sync_grace`` before the export is *in flight*
  (the integration's next poll carries it), listed but not failed;
* salable = source - open reservations (when the reservations were exported: embedded store);
* time to converge after the last fault (with no fault: after the ERP's last stock change) ≤
  ``thresholds.convergence_timeout``, from the first witness sample with no divergent SKU;
  when samples all read divergence, those taken once the ERP stopped changing stock bound it
  from below (proven late when that is already over the limit: while the ERP keeps changing
  stock, some SKU is always briefly in flight, so a divergent sample then proves nothing);
  when no sample settles it, from the witnesses' own times: for each SKU the ERP changed during
  the run and Magento now agrees with, Magento's source item update time less the later of the
  ERP's change and the fault's end.

Needs: a SKU both the ERP and Magento know (none: not judged).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from peakready.checks._files import EvidenceError, parse_time
from peakready.checks._util import examples, few
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["inventory_convergence"]

_EPS = 1e-6


def _erp_last_change(evidence: RunEvidence) -> float | None:
    stamps = [float(c["ts"]) for c in evidence.records("erp/stock_history.jsonl")
              if isinstance(c.get("ts"), int | float)]
    return max(stamps, default=None)


def _converged_since(evidence: RunEvidence) -> float:
    """The last fault's end; in a run without faults there is nothing to recover from, so the
    clock starts at the ERP's last stock change (the load's start when it changed none)."""
    last_fault = max((w.end for w in evidence.fault_windows()), default=None)
    if last_fault is not None:
        return last_fault
    return _erp_last_change(evidence) or evidence.test_start


def _time_to_converge(evidence: RunEvidence) -> tuple[float | None, float | None]:
    """(seconds from :func:`_converged_since` to the first timeline sample with no divergent
    SKU, seconds that divergence outlasted the ERP's last change when no sample read zero)."""
    since = _converged_since(evidence)
    quiet = max(since, _erp_last_change(evidence) or since)
    outlasted: float | None = None
    for sample in evidence.timeline():
        wall = parse_time(sample.get("wall"))
        divergent = sample.get("stock_divergent_skus")
        if wall is None or wall < since or not isinstance(divergent, int):
            continue
        if divergent == 0:
            return wall - since, None
        if wall >= quiet:
            outlasted = wall - quiet
    return None, outlasted


def _witness_convergence(evidence: RunEvidence, agreeing: set[str],
                         erp_changed: dict[str, float | None],
                         magento_updated: dict[str, float]) -> tuple[float | None, str | None]:
    """The slowest catch-up of a SKU the ERP changed during the run and Magento agrees with:
    its source item's update time less the later of the ERP's change and the fault's end
    (None: no SKU has both times). Returns it with that SKU."""
    since = _converged_since(evidence)
    worst: tuple[float, str] | None = None
    for sku in agreeing:
        changed, updated = erp_changed.get(sku), magento_updated.get(sku)
        if changed is None or updated is None or changed < evidence.test_start \
                or updated < changed:
            continue
        lag = max(0.0, updated - max(changed, since))
        if worst is None or lag > worst[0]:
            worst = (lag, sku)
    return (None, None) if worst is None else worst


def _not_in_flight(evidence: RunEvidence, wrong: list[dict[str, Any]],
                   physical: dict[str, float], moved: list[str]) -> list[dict[str, Any]]:
    """Drop the SKUs whose salable was read just before their latest compensating reservations
    (a shipment or cancel recorded while the export paged the store): salable then equals
    source plus every reservation but the last few positive ones. Their SKUs go to ``moved``."""
    if not wrong:
        return wrong
    skus = {str(r["sku"]) for r in wrong}
    history: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in evidence.records("magento/reservations.jsonl"):
        sku = str(r.get("sku"))
        if sku in skus:
            history[sku].append((int(r.get("reservation_id") or 0), float(r.get("quantity") or 0)))
    kept = []
    for row in wrong:
        sku = str(row["sku"])
        amounts = [q for _, q in sorted(history[sku])]
        earlier = physical.get(sku, 0.0) + sum(amounts)
        explained = False
        for amount in reversed(amounts[-5:]):       # salable read before the last j of them,
            if amount <= 0:                         # compensations (shipment, cancel) only
                break
            earlier -= amount
            if abs(float(row["salable"]) - earlier) <= _EPS:
                explained = True
                break
        (moved.append(sku) if explained else kept.append(row))
    return kept


@CHECKS.add("inventory_convergence")
def inventory_convergence(evidence: RunEvidence, plan: Plan) -> Verdict:
    limits = plan.thresholds
    exported = evidence.manifest.exported_at or evidence.end
    erp: dict[str, tuple[float, float | None]] = {}
    for level in evidence.records("erp/stock.jsonl"):
        if isinstance(level.get("qty"), int | float):
            erp[str(level.get("sku"))] = (float(level["qty"]),
                                          parse_time(level.get("updated_at")))
    source: dict[str, float] = {}
    updated: dict[str, float] = {}
    physical: dict[str, float] = defaultdict(float)
    for item in evidence.records("magento/source_items.jsonl"):
        sku, qty = str(item.get("sku")), float(item.get("quantity") or 0)
        if item.get("source_code", "default") == "default":
            source[sku] = qty
            stamp = item.get("ts")
            if isinstance(stamp, int | float):
                updated[sku] = float(stamp)
        if item.get("status", 1) == 1:
            physical[sku] += qty
    differing = [s for s, q in source.items() if s in erp and abs(q - erp[s][0]) > _EPS]
    if any(erp[s][1] is None for s in differing):
        # The export's stock rows carry no change time: the ERP's history has it.
        wanted = set(differing)
        for change in evidence.records("erp/stock_history.jsonl"):
            sku = str(change.get("sku"))
            if sku in wanted:
                erp[sku] = (erp[sku][0], parse_time(change.get("ts")))
    divergent: list[dict[str, Any]] = []
    in_flight: list[dict[str, Any]] = []
    for sku in differing:
        qty = source[sku]
        erp_qty, changed = erp[sku]
        row = {"sku": sku, "magento_source": qty, "erp_on_hand": erp_qty,
               "erp_changed_s_before_export": None if changed is None
               else round(exported - changed, 1)}
        recent = changed is not None and exported - changed < limits.sync_grace
        (in_flight if recent else divergent).append(row)
    compared = sum(1 for sku in source if sku in erp)
    if not compared:
        return Verdict.not_judged("inventory_convergence", "no SKU is in both the ERP's stock "
                                  "and Magento's source items", skus_compared=0)
    salable_wrong: list[dict[str, Any]] = []
    salable_moved: list[str] = []
    reservations_judged = evidence.has("magento/reservations.jsonl")
    if reservations_judged:
        reserved: dict[str, float] = defaultdict(float)
        for r in evidence.records("magento/reservations.jsonl"):
            reserved[str(r.get("sku"))] += float(r.get("quantity") or 0)
        salable = evidence.json("magento/salable.json")
        if not isinstance(salable, dict):
            raise EvidenceError("evidence/magento/salable.json is not a {sku: qty} object")
        for sku, qty in salable.items():
            expected = physical.get(sku, 0.0) + reserved.get(sku, 0.0)
            if isinstance(qty, int | float) and abs(float(qty) - expected) > _EPS:
                salable_wrong.append({"sku": sku, "salable": qty, "source": physical.get(sku),
                                      "open_reservations": -reserved.get(sku, 0.0)})
        salable_wrong = _not_in_flight(evidence, salable_wrong, physical, salable_moved)
    converge_s, still_divergent_s = _time_to_converge(evidence)
    time_source = "timeline" if converge_s is not None else None
    late_sku: str | None = None
    if converge_s is None and still_divergent_s is not None \
            and still_divergent_s > limits.convergence_timeout:
        converge_s, time_source = still_divergent_s, "last divergent sample"
    elif converge_s is None:
        if any(erp[s][1] is None for s in source if s in erp):
            for change in evidence.records("erp/stock_history.jsonl"):
                sku = str(change.get("sku"))
                if sku in erp and erp[sku][1] is None:
                    erp[sku] = (erp[sku][0], parse_time(change.get("ts")))
        agreeing = {s for s in source if s in erp} - {r["sku"] for r in divergent}
        converge_s, late_sku = _witness_convergence(
            evidence, agreeing, {s: erp[s][1] for s in agreeing}, updated)
        time_source = None if converge_s is None else "witness times"
    late = converge_s is not None and converge_s > limits.convergence_timeout
    figures = {"skus_compared": compared, "divergent": len(divergent),
               "in_flight": len(in_flight), "in_flight_skus": [r["sku"] for r in in_flight][:20],
               "salable_mismatches": len(salable_wrong),
               "salable_in_flight_skus": salable_moved[:20],
               "reservations_judged": reservations_judged,
               "time_to_converge_s": None if converge_s is None else round(converge_s, 1),
               "time_source": time_source, "slowest_sku": late_sku,
               "convergence_timeout_s": limits.convergence_timeout}
    problems = []
    if divergent:
        problems.append(f"{len(divergent)} of {compared} SKUs never converged on the ERP's "
                        f"on-hand: {few([r['sku'] for r in divergent])}")
    if salable_wrong:
        problems.append(f"{len(salable_wrong)} SKUs have salable ≠ source - open reservations: "
                        f"{few([r['sku'] for r in salable_wrong])}")
    if late and time_source == "last divergent sample":
        problems.append(f"stock still diverged at the last witness sample, {converge_s:.0f} s "
                        f"after the ERP's last stock change and the last fault "
                        f"(> {limits.convergence_timeout:g} s)")
    elif late:
        slowest = f" ({late_sku} by Magento's and the ERP's own times)" if late_sku else ""
        problems.append(f"converged {converge_s:.0f} s after the last fault{slowest} "
                        f"(> {limits.convergence_timeout:g} s)")
    windows = ["recovery" if evidence.fault_windows() else "whole"]
    if problems:
        return Verdict("inventory_convergence", "fail", "; ".join(problems), figures,
                       examples([*divergent, *salable_wrong]), windows)
    since = "the last fault" if evidence.fault_windows() else "the ERP's last stock change"
    when = ", time to converge not judged (no witness sample or update time)" \
        if converge_s is None else f", {converge_s:.0f} s after {since}"
    flight = f" ({len(in_flight)} in flight)" if in_flight else ""
    return Verdict("inventory_convergence", "pass",
                   f"all {compared} SKUs agree with the ERP's on-hand{flight}{when}; salable = "
                   f"source - reservations" + ("" if reservations_judged else " not judged "
                                               "(no reservations exported)"),
                   figures, examples(in_flight), windows)
