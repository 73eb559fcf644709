"""retry_discipline: retries bounded, backed off, jittered, after Retry-After, not amplified.

Witness: the ERP's request log (every ``POST /api/orders``, faulted ones included), folded per
order. Judged on it:

* attempts per order ≤ ``thresholds.max_attempts_per_order``;
* backoff: among orders retried at least three times, the later gaps are longer than the first
  ones (median ratio ≥ 1.15) and retries are not immediate (median gap ≥ 20 ms);
* jitter: no more than half the retried orders wait the same first gap (10 ms buckets), i.e.
  the orders do not retry in lock-step;
* Retry-After: no attempt earlier than the ``Retry-After`` the previous answer carried;
* amplification in each fault window: the requests the client chose to send per order ≤
  ``thresholds.max_amplification``. A retry that waited out the ``Retry-After`` its previous
  answer served was asked for by the server and is not counted; every other request is (first
  attempts, retries after answers without a Retry-After, retries that did not wait). So a
  client honouring a 20 s 429 window with Retry-After 2 s passes, and a storm fails.

Gaps that follow an answer with a Retry-After are floored by it on purpose, so they are left
out of the backoff and jitter figures and judged by the Retry-After rule alone.

Needs: ERP order requests (none: not judged); backoff and jitter need five orders retried
without a Retry-After, and say "not judged: N retried orders" with fewer.
"""

from __future__ import annotations

import math
import statistics
from array import array
from bisect import bisect_left
from collections import Counter
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from peakready.checks._util import MAX_EXAMPLES, examples, few, percentile
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["lock_step_share", "retry_discipline"]

_MIN_ORDERS = 5           # fewer retried orders than this say nothing about backoff or jitter
# Gaps include the time the client waited for an answer (a timeout under ERP latency), which
# does not grow, so a true backoff can show as little as ~1.3x; flat retries show ~1.0x.
_MIN_GROWTH = 1.15
_MIN_GAP_S = 0.02
_MAX_LOCK_STEP = 0.5     # above this share of orders in one bucket, retries are in lock-step
_BUCKET_S = 0.01
_RA_TOLERANCE_S = 0.05    # timer granularity: both times are the ERP's own clock


def lock_step_share(first_gaps: list[float]) -> float | None:
    """The largest share of orders whose first retry gap falls in the same 10 ms bucket
    (None: too few orders). Jittered backoff spreads them; a fixed schedule piles them up."""
    if len(first_gaps) < _MIN_ORDERS:
        return None
    buckets = Counter(round(gap / _BUCKET_S) for gap in first_gaps)
    return buckets.most_common(1)[0][1] / len(first_gaps)


@CHECKS.add("retry_discipline")
def retry_discipline(evidence: RunEvidence, plan: Plan) -> Verdict:
    limits = plan.thresholds
    attempts = evidence.erp_attempts()
    windows = evidence.fault_windows()
    over_cap: list[dict[str, Any]] = []
    early: list[dict[str, Any]] = []
    growths: list[float] = []
    plain_gaps = array("d")                              # every free gap: compact
    first_gaps: list[float] = []
    in_window = {w.name: [0, 0, 0] for w in windows}     # requests, orders, asked for
    bounds = [(w.start, w.end, in_window[w.name]) for w in windows]
    counts: list[int] = []
    cap = limits.max_attempts_per_order
    n_over = n_early = 0                   # the lists keep examples only: a storm is huge
    if not attempts:
        return Verdict.not_judged("retry_discipline", "the ERP saw no order request", orders=0,
                                  requests=0)
    for key, seen in attempts.items():
        ts = seen.ts
        n = len(ts)
        counts.append(n)
        first, last = ts[0], ts[-1]
        for start, end, tally in bounds:
            if first < end and last >= start:
                inside = bisect_left(ts, end) - bisect_left(ts, start)
                if inside:
                    tally[0] += inside
                    tally[1] += 1
        if n < 2:
            continue
        if n > cap:
            n_over += 1
            if len(over_cap) < MAX_EXAMPLES:
                over_cap.append({"order": key, "attempts": n,
                                 "statuses": sorted(set(seen.status))})
        if not seen.waited:                    # the common case: no Retry-After served
            free = [b - a for a, b in pairwise(ts)]
        else:
            free = []                          # gaps not floored by a Retry-After
            for i in range(1, n):
                gap = ts[i] - ts[i - 1]
                wait = seen.retry_after[i - 1]
                if not math.isnan(wait):
                    if gap + _RA_TOLERANCE_S < wait:
                        n_early += 1
                        if len(early) < MAX_EXAMPLES:
                            early.append({"order": key, "attempt": i + 1,
                                          "gap_s": round(gap, 3), "retry_after_s": wait,
                                          "status": seen.status[i - 1]})
                    else:                      # the server asked for this one: not amplification
                        at = ts[i]
                        for start, end, tally in bounds:
                            if start <= at < end:
                                tally[2] += 1
                else:
                    free.append(gap)
        if free:
            first_gaps.append(free[0])
            plain_gaps.extend(free)
        if len(free) >= 3:                     # two gaps are too noisy under full jitter
            half = len(free) // 2
            head = sum(free[:half]) / half
            tail = sum(free[half:]) / (len(free) - half)
            growths.append(tail / head if head > 0 else math.inf)
    growth = statistics.median(growths) if len(growths) >= _MIN_ORDERS else None
    median_gap = statistics.median(plain_gaps) if len(plain_gaps) >= _MIN_ORDERS else None
    lock_step = lock_step_share(first_gaps)
    amplification = {name: {"requests": r, "asked_by_retry_after": asked,
                            "counted": r - asked, "orders": o,
                            "ratio": round((r - asked) / o, 2)}
                     for name, (r, o, asked) in in_window.items() if o}
    amplified = {name: a for name, a in amplification.items()
                 if a["ratio"] > limits.max_amplification}
    backoff_unjudged = None if growth is not None else (
        f"backoff not judged: {len(growths)} orders retried three times or more (at least "
        f"{_MIN_ORDERS} needed)")
    jitter_unjudged = None if lock_step is not None else (
        f"jitter not judged: {len(first_gaps)} retried orders (at least {_MIN_ORDERS} needed)")
    figures = {"orders": len(attempts), "requests": sum(counts),
               "orders_retried": sum(1 for c in counts if c > 1),
               "backoff_judged": backoff_unjudged is None,
               "jitter_judged": jitter_unjudged is None,
               "max_attempts": max(counts, default=0),
               "p95_attempts": percentile([float(c) for c in counts], 95),
               "attempt_cap": limits.max_attempts_per_order,
               "backoff_growth": None if growth is None else round(growth, 2),
               "median_retry_gap_s": None if median_gap is None else round(median_gap, 4),
               "lock_step_share": None if lock_step is None else round(lock_step, 3),
               "orders_over_cap": n_over,
               "retry_after_violations": n_early, "amplification": amplification,
               "amplification_limit": limits.max_amplification}
    problems = []
    if over_cap:
        names = few([r["order"] for r in over_cap], total=n_over)
        problems.append(f"{n_over} orders over {limits.max_attempts_per_order} attempts "
                        f"(max {figures['max_attempts']}): {names}")
    if median_gap is not None and median_gap < _MIN_GAP_S:
        problems.append(f"retries are immediate (median gap {median_gap * 1000:.1f} ms)")
    elif growth is not None and growth < _MIN_GROWTH:
        problems.append(f"no backoff: later gaps are {growth:.2f}x the first ones")
    if lock_step is not None and lock_step > _MAX_LOCK_STEP:
        problems.append(f"no jitter: {lock_step:.0%} of {len(first_gaps)} retried orders "
                        f"waited the same first gap (within 10 ms)")
    if early:
        problems.append(f"{n_early} attempts earlier than the Retry-After served "
                        f"({few([r['order'] for r in early], total=n_early)})")
    for name, a in amplified.items():
        asked = (f" ({a['asked_by_retry_after']} more waited out a Retry-After)"
                 if a["asked_by_retry_after"] else "")
        problems.append(f"{name}: {a['counted']} requests for {a['orders']} orders{asked} "
                        f"({a['ratio']:g}x > {limits.max_amplification:g}x)")
    unjudged = [t for t in (backoff_unjudged, jitter_unjudged) if t is not None]
    judged = ["whole", *amplification]
    if problems:
        rows = examples([*over_cap, *early, *({"window": n, **a} for n, a in amplified.items())])
        return Verdict("retry_discipline", "fail", "; ".join([*problems, *unjudged]), figures,
                       rows, judged)
    worst = max((a["ratio"] for a in amplification.values()), default=None)
    parts = [f"{figures['requests']} ERP requests for {len(attempts)} orders, "
             f"{figures['orders_retried']} retried, max {figures['max_attempts']} attempts"]
    if growth is not None:
        parts.append(f"backoff {growth:.1f}x")
    if lock_step is not None:
        parts.append(f"at most {lock_step:.0%} of retried orders in lock-step")
    parts.append("no attempt before its Retry-After")
    if worst is not None:
        parts.append(f"worst fault-window amplification {worst:g}x")
    parts.extend(unjudged)
    return Verdict("retry_discipline", "pass", "; ".join(parts), figures, [], judged)
