"""Stats and chart series from the per-second lines of ``latency.jsonl`` and ``arrivals.jsonl``.

::

    latency lines ──decode once──► {(kind, name): {second: (Latency, count, errors)}}
        ├── per window x request name / journey / checkout ──► LatencyStats (merged HDR)
        └── per second ──► series: traffic, checkout latency, errors, p95 per request name
    arrivals lines ──► per window offered / started / dropped, per second arrivals

Every percentile is computed from the HDR histograms (docs/run-folder.md), never averaged from
per-second percentiles. A line belongs to a window when its second starts inside it.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peakready.checks.evidence import LatencyLine
from peakready.config import CHECKOUT_JOURNEYS
from peakready.reporting.hdr import HdrDecodeError, Latency, decode
from peakready.reporting.result import LatencyStats, Series, WindowRecord, WindowStats

__all__ = ["Samples", "build_series", "collect", "window_stats"]

log = logging.getLogger("peakready.reporting.stats")
_QUANTILES = (50.0, 95.0, 99.0)


@dataclass
class _Second:
    latency: Latency
    count: int
    errors: int


@dataclass
class Samples:
    """The decoded per-second lines, keyed by ``(kind, name)`` then by second ``t``."""

    lines: dict[tuple[str, str], dict[int, _Second]] = field(default_factory=dict)
    arrivals: dict[int, dict[str, int]] = field(default_factory=dict)
    unreadable: int = 0

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self.lines if k == kind)

    def seconds(self) -> list[int]:
        seen: set[int] = set(self.arrivals)
        for per_second in self.lines.values():
            seen.update(per_second)
        return sorted(seen)

    def checkout(self) -> dict[int, _Second]:
        """Both checkout journeys as one line per second (the ``checkout`` SLO subject)."""
        merged: dict[int, _Second] = {}
        for journey in CHECKOUT_JOURNEYS:
            for t, sec in self.lines.get(("journey", journey), {}).items():
                into = merged.get(t)
                if into is None:
                    merged[t] = _Second(Latency(sec.latency.params, dict(sec.latency.counts)),
                                        sec.count, sec.errors)
                else:
                    into.latency.merge(sec.latency)
                    into.count += sec.count
                    into.errors += sec.errors
        return merged


def collect(latency: Iterable[LatencyLine], arrivals: Iterable[dict[str, Any]],
            test_start: float) -> Samples:
    """Decode each line once; ``t`` is the second since test_start its ``wall`` starts.

    A line that cannot be decoded is counted and skipped (the count goes into the notes).
    """
    samples = Samples()
    for line in latency:
        try:
            hist = decode(line.hdr)
        except HdrDecodeError:
            samples.unreadable += 1
            continue
        per_second = samples.lines.setdefault((line.kind, line.name), {})
        t = math.floor(line.wall - test_start + 1e-6)
        if t in per_second:  # two lines for one second (e.g. a late flush): add them up
            per_second[t].latency.merge(hist)
            per_second[t].count += line.count
            per_second[t].errors += line.errors
        else:
            per_second[t] = _Second(hist, line.count, line.errors)
    for record in arrivals:
        wall = record.get("wall")
        t = math.floor(float(wall) - test_start + 1e-6) if isinstance(wall, int | float) \
            else int(record.get("t") or 0)
        row = samples.arrivals.setdefault(t, {"offered": 0, "started": 0, "dropped": 0})
        for key in row:
            value = record.get(key, 0)
            row[key] += int(value) if isinstance(value, int | float) else 0
    if samples.unreadable:
        log.warning("%d latency lines could not be decoded and were skipped", samples.unreadable)
    return samples


def _stats(seconds: Iterable[_Second], span_s: float) -> LatencyStats:
    parts = list(seconds)
    if not parts:
        return LatencyStats()
    merged = Latency.merged(p.latency for p in parts)
    count = sum(p.count for p in parts)
    errors = sum(p.errors for p in parts)
    p50, p95, p99 = merged.percentiles_ms(_QUANTILES)
    return LatencyStats(count=count, errors=errors,
                        error_rate=round(errors / count, 6) if count else 0.0,
                        per_second=round(count / span_s, 3) if span_s > 0 else 0.0,
                        p50_ms=p50, p95_ms=p95, p99_ms=p99, max_ms=merged.max_ms(),
                        mean_ms=_round(merged.mean_ms()))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _inside(per_second: Mapping[int, _Second], window: WindowRecord) -> list[_Second]:
    return [sec for t, sec in per_second.items() if window.start_t <= t < window.end_t]


def window_stats(samples: Samples, windows: Sequence[WindowRecord],
                 load_s: float) -> list[WindowStats]:
    """Per window; rates are per second of load inside it (the drain carries no load)."""
    checkout = samples.checkout()
    out = []
    for window in windows:
        span = max(min(window.end_t, load_s) - max(window.start_t, 0.0), 1e-9)
        stats = WindowStats(window=window.name)
        for (kind, name), per_second in sorted(samples.lines.items()):
            target = stats.requests if kind == "request" else stats.journeys
            target[name] = _stats(_inside(per_second, window), span)
        stats.checkout = _stats(_inside(checkout, window), span)
        totals = {"offered": 0, "started": 0, "dropped": 0}
        for t, row in samples.arrivals.items():
            if window.start_t <= t < window.end_t:
                for key in totals:
                    totals[key] += row[key]
        stats.arrivals = totals
        out.append(stats)
    return out


def build_series(samples: Samples) -> dict[str, Series]:
    """Per-second chart data; a second without samples is ``None`` (a gap, not a zero)."""
    seconds = samples.seconds()
    if not seconds:
        return {}
    t_axis = [float(t) for t in seconds]
    checkout = samples.checkout()
    requests: dict[int, list[_Second]] = defaultdict(list)
    for (kind, _), per_second in samples.lines.items():
        if kind == "request":
            for t, sec in per_second.items():
                requests[t].append(sec)

    def dense(values: Mapping[int, float]) -> list[float | None]:
        return [values.get(t, 0.0) for t in seconds]

    traffic: dict[str, list[float | None]] = {}
    if samples.arrivals:
        for key in ("offered", "started", "dropped"):
            traffic[f"{key}/s"] = dense({t: float(r[key]) for t, r in samples.arrivals.items()})
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
