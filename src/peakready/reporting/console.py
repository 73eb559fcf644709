"""The console summary: the verdict table, checkout latency per window and the capacity line.

::

    peakready black-friday: FAIL (exit 1)  ·  120 s load, 2 faults  ·  reports/…/report.html
      PASS  no_lost_orders        1,204 orders placed, all 1,204 reached the ERP once
      FAIL  retry_discipline      14 orders retried more than 10 times (max 31)
      checkout  baseline p95 412 ms err 0.00 %  ·  erp down p95 2,310 ms err 0.40 %  · …
      capacity  1,380 orders/min sustainable (knee 1,520) · target 1,200 · headroom +15 %
"""

from __future__ import annotations

from peakready.reporting.result import CapacityResult, RunResult

__all__ = ["capacity_line", "render_console", "verdict_word"]

_WORD = {0: "PASS", 1: "FAIL", 3: "ERROR"}
_STATUS_WORD = {"not_judged": "SKIP"}   # the summary itself starts "not judged: <reason>"


def verdict_word(result: RunResult) -> str:
    return _WORD.get(result.exit_code, "ERROR")


def capacity_line(capacity: CapacityResult) -> str:
    if capacity.below_lowest_step or capacity.sustainable_orders_per_minute is None:
        first = capacity.steps[0] if capacity.steps else None
        detail = (f": {first.orders_per_minute:,.0f} orders/min already broke it "
                  f"({'; '.join(first.reasons) or 'SLO'})") if first else ""
        return f"capacity  below the lowest step{detail}"
    parts = [f"{capacity.sustainable_orders_per_minute:,.0f} orders/min sustainable"]
    if capacity.knee_orders_per_minute is not None:
        parts[0] += f" (knee {capacity.knee_orders_per_minute:,.0f})"
    if capacity.target_orders_per_minute is not None:
        parts.append(f"target {capacity.target_orders_per_minute:,.0f}")
    if capacity.headroom is not None:
        parts.append(f"headroom {capacity.headroom:+.0%}")
    if capacity.saturated_first:
        parts.append(f"saturated first: {capacity.saturated_first}")
    if capacity.predicted_orders_per_minute is not None:
        parts.append(f"model predicts {capacity.predicted_orders_per_minute:,.0f}")
    return "capacity  " + " · ".join(parts)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def render_console(result: RunResult) -> str:
    faults = sum(1 for w in result.windows if w.kind == "fault")
    duration = result.timings.duration_s or 0.0
    where = f"  ·  {result.run_dir}/report.html" if result.run_dir else ""
    lines = [f"peakready {result.plan_name}: {verdict_word(result)} (exit {result.exit_code})"
             f"  ·  {duration:,.0f} s load, {faults} fault{'s' * (faults != 1)}{where}"]
    if result.status != "complete":
        lines.append(f"  run {result.status}: {result.error or 'no error given'}")
    width = max((len(v.check) for v in result.verdicts), default=0)
    for verdict in result.verdicts:
        word = _STATUS_WORD.get(verdict.status, verdict.status.upper())
        lines.append(f"  {word:<5} {verdict.check:<{width}}  {verdict.summary}")
    parts = []
    for stats in result.stats:
        if stats.checkout.count:
            parts.append(f"{stats.window} p95 {_ms(stats.checkout.p95_ms)} "
                         f"err {stats.checkout.error_rate:.2%}")
    if parts:
        lines.append("  checkout  " + "  ·  ".join(parts))
    if result.capacity is not None:
        lines.append("  " + capacity_line(result.capacity))
    for note in result.notes[:5]:
        lines.append(f"  note: {note}")
    return "\n".join(lines) + "\n"
