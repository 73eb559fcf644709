"""Stats and chart series from the per-second lines of ``latency.jsonl`` and ``arrivals.jsonl``.

::

    RunEvidence.samples() (peakready.measure.latency: decoded once, shared with the SLO gates)
        ├── per window x request name / journey / checkout ──► LatencyStats
        │   (measure.window_latency: the same figures the gates judge)
        └── per second ──► series: traffic, checkout latency, errors, p95 per request name
    arrivals ──► per window offered / started / dropped, per second arrivals

Every percentile is computed from the HDR histograms (docs/run-folder.md), never averaged from
per-second percentiles. A line belongs to a window when its second's wall is inside it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence

from peakready.config import CHECKOUT_JOURNEYS
from peakready.measure.latency import (
    QUANTILES,
    Samples,
    Second,
    WindowLatency,
    collect,
    window_latency,
)
from peakready.measure.windows import Window
from peakready.reporting.result import LatencyStats, Series, WindowStats

__all__ = ["Samples", "build_series", "collect", "window_stats"]

log = logging.getLogger("peakready.reporting.stats")
_QUANTILES = QUANTILES


def _stats(figures: WindowLatency, span_s: float) -> LatencyStats:
    if not figures.count and not figures.dropped:
        return LatencyStats()
    merged = figures.latency
    p50, p95, p99 = figures.percentiles_ms(_QUANTILES)
    rate = figures.error_rate
    return LatencyStats(count=figures.count, errors=figures.errors, dropped=figures.dropped,
                        error_rate=round(rate, 6) if rate is not None else 0.0,
                        per_second=round(figures.count / span_s, 3) if span_s > 0 else 0.0,
                        p50_ms=p50, p95_ms=p95, p99_ms=p99, max_ms=merged.max_ms(),
                        mean_ms=_round(merged.mean_ms()))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def window_stats(samples: Samples, windows: Sequence[Window], load_s: float) -> list[WindowStats]:
    """Per window, measured by peakready.measure.latency (the SLO gates' own figures); rates
    are per second of load inside the window (the drain carries no load)."""
    start = samples.test_start
    per_name: dict[tuple[str, str], dict[str, WindowLatency]] = {
        key: window_latency(samples, key[0], [key[1]], windows) for key in sorted(samples.lines)}
    checkout = window_latency(samples, "journey", CHECKOUT_JOURNEYS, windows)
    totals = samples.arrival_totals()
    out = []
    for window in windows:
        span = max(min(window.end - start, load_s) - max(window.start - start, 0.0), 1e-9)
        stats = WindowStats(window=window.name)
        for (kind, name), figures in per_name.items():
            target = stats.requests if kind == "request" else stats.journeys
            target[name] = _stats(figures[window.name], span)
        stats.checkout = _stats(checkout[window.name], span)
        arrivals = {"offered": 0, "started": 0, "dropped": 0}
        for row in totals.values():
            if window.contains(row.wall):
                arrivals["offered"] += row.offered
                arrivals["started"] += row.started
                arrivals["dropped"] += row.dropped
        stats.arrivals = arrivals
        out.append(stats)
    return out


def build_series(samples: Samples) -> dict[str, Series]:
    """Per-second chart data; a second without samples is ``None`` (a gap, not a zero)."""
    seconds = samples.seconds()
    if not seconds:
        return {}
    t_axis = [float(t) for t in seconds]
    checkout = samples.checkout()
    arrivals = samples.arrival_totals()
    requests: dict[int, list[Second]] = defaultdict(list)
    for (kind, _), per_second in samples.lines.items():
        if kind == "request":
            for t, sec in per_second.items():
                requests[t].append(sec)

    def dense(values: Mapping[int, float]) -> list[float | None]:
        return [values.get(t, 0.0) for t in seconds]

    traffic: dict[str, list[float | None]] = {}
    if arrivals:
        for key in ("offered", "started", "dropped"):
            traffic[f"{key}/s"] = dense({t: float(getattr(r, key)) for t, r in arrivals.items()})
    if requests:
        traffic["requests/s"] = dense({t: float(sum(s.count for s in v))
                                       for t, v in requests.items()})
    if checkout:
        traffic["checkouts/s"] = dense({t: float(s.count) for t, s in checkout.items()})
    series = {"traffic": Series(t=t_axis, values=traffic)}
    if checkout:
        quantiles = {t: sec.latency.percentiles_ms(_QUANTILES) for t, sec in checkout.items()}
        series["latency"] = Series(t=t_axis, values={
            f"checkout p{int(q)}": [quantiles[t][i] if t in quantiles else None
                                    for t in seconds] for i, q in enumerate(_QUANTILES)})
    errors: dict[str, list[float | None]] = {}
    if requests:
        errors["request errors/s"] = dense({t: float(sum(s.errors for s in v))
                                            for t, v in requests.items()})
    if checkout:
        errors["checkout errors/s"] = dense({t: float(s.errors) for t, s in checkout.items()})
    if errors:
        series["errors"] = Series(t=t_axis, values=errors)
    by_name: dict[str, list[float | None]] = {}
    for name in samples.names("request"):
        line = samples.lines[("request", name)]
        by_name[name] = [line[t].latency.percentiles_ms((95.0,))[0] if t in line else None
                         for t in seconds]
    if by_name:
        series["requests_p95"] = Series(t=t_axis, values=by_name)
    return series
