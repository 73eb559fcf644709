"""Inline SVG charts drawn from result.json's series: no library, no script, opens offline.

::

    line_chart(id, title, Series, bands)     time on x; one path per named value list; None
    │                                        breaks the line; fault windows shaded + labelled
    └── downsample: at most ``max_points`` per line, keeping each bucket's maximum (a spike
        is never averaged away)
    xy_chart(id, title, points, ...)         the capacity curve: offered orders/min on x,
                                             p95 on y, the SLO line and the knee marked

Every chart carries ``data-points`` (the points drawn) and every band ``class="fault-band"``,
so a browser test can check that each chart has data and the faults are shaded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from peakready.reporting.result import Series

__all__ = ["PALETTE", "Band", "line_chart", "xy_chart"]

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563",
           "#db2777", "#65a30d", "#7c3aed", "#0d9488", "#b45309")
_W, _H = 920, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 26, 34


@dataclass(frozen=True)
class Band:
    start: float
    end: float
    label: str


def _step(span: float) -> float:
    """A round tick step giving at most 5 intervals over ``span``."""
    exponent = math.floor(math.log10(span))
    for base in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0):
        step = base * 10.0 ** exponent
        if span / step <= 5:
            return step
    return span


def _nice(limit: float) -> tuple[float, list[float]]:
    """A round upper bound above ``limit`` and 4-6 ticks from 0 up to it."""
    if limit <= 0 or not math.isfinite(limit):
        return 1.0, [0.0, 0.5, 1.0]
    step = _step(limit)
    top = math.ceil(limit / step - 1e-9) * step
    return top, [i * step for i in range(round(top / step) + 1)]


def _ticks(low: float, high: float) -> list[float]:
    """Round tick values inside [low, high] (on round numbers, whatever ``low`` is)."""
    step = _step(high - low)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{round(value, 6):g}"


def _downsample(t: Sequence[float], values: Sequence[float | None],
                buckets: int) -> list[tuple[float, float | None]]:
    if len(t) <= buckets:
        return list(zip(t, values, strict=True))
    lo, hi = t[0], t[-1]
    width = (hi - lo) / buckets or 1.0
    out: dict[int, tuple[float, float | None]] = {}
    for x, y in zip(t, values, strict=True):
        b = min(int((x - lo) / width), buckets - 1)
        seen = out.get(b)
        if seen is None or (y is not None and (seen[1] is None or y > seen[1])):
            out[b] = (lo + (b + 0.5) * width, y)
    return [out[b] for b in sorted(out)]


class _Frame:
    def __init__(self, x0: float, x1: float, y1: float) -> None:
        self.x0, self.x1 = x0, x1 if x1 > x0 else x0 + 1
        self.ytop, self.yticks = _nice(y1)
        self.pw, self.ph = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(self, value: float) -> float:
        return _LEFT + (value - self.x0) / (self.x1 - self.x0) * self.pw

    def y(self, value: float) -> float:
        return _TOP + self.ph - min(value, self.ytop) / self.ytop * self.ph

    def axes(self, x_unit: str, y_unit: str) -> list[str]:
        parts = [f'<rect x="{_LEFT}" y="{_TOP}" width="{self.pw}" height="{self.ph}" '
                 f'class="plot"/>']
        for tick in self.yticks:
            y = self.y(tick)
            parts.append(f'<line x1="{_LEFT}" x2="{_LEFT + self.pw}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'class="grid"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" '
                         f'class="tick" text-anchor="end">{_label(tick)}</text>')
        for tick in _ticks(self.x0, self.x1):
            parts.append(f'<text x="{self.x(tick):.1f}" y="{_TOP + self.ph + 16}" class="tick" '
                         f'text-anchor="middle">{_label(tick)}</text>')
        parts.append(f'<text x="{_LEFT + self.pw}" y="{_H - 4}" class="unit" '
                     f'text-anchor="end">{escape(x_unit)}</text>')
        parts.append(f'<text x="8" y="{_TOP - 8}" class="unit">{escape(y_unit)}</text>')
        return parts


def _path(frame: _Frame, points: Sequence[tuple[float, float | None]]) -> tuple[str, int]:
    """SVG path data; a gap (None) lifts the pen, and a point alone between gaps becomes a
    dot (a zero-length segment with a round cap), so sparse seconds still show."""
    commands: list[str] = []
    drawn, run = 0, 0
    for x, y in points:
        if y is None:
            if run == 1:
                commands.append("l0.01 0")
            run = 0
            continue
        commands.append(f"{'L' if run else 'M'}{frame.x(x):.1f} {frame.y(y):.1f}")
        run, drawn = run + 1, drawn + 1
    if run == 1:
        commands.append("l0.01 0")
    return " ".join(commands), drawn


def _legend(names: Sequence[str]) -> str:
    items = "".join(f'<span class="key"><i style="background:{PALETTE[i % len(PALETTE)]}">'
                    f'</i>{escape(name)}</span>' for i, name in enumerate(names))
    return f'<div class="legend">{items}</div>'


def _svg(chart_id: str, title: str, points: int, parts: list[str]) -> str:
    return (f'<svg class="chart" id="chart-{escape(chart_id)}" data-chart="{escape(chart_id)}" '
            f'data-points="{points}" viewBox="0 0 {_W} {_H}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            + "".join(parts) + "</svg>")


def line_chart(chart_id: str, title: str, series: Series, bands: Sequence[Band] = (), *,
               y_unit: str = "", names: Sequence[str] | None = None,
               max_points: int = 900, x_end: float | None = None) -> str:
    """One chart over time (seconds since test_start), fault windows shaded behind the lines.

    The axis starts at test_start (samples before it, such as a witness's first reading, are
    left out) and ``x_end`` gives every chart of a report the same end, so a band sits at the
    same place on each."""
    names = list(names if names is not None else series.values)
    keep = [i for i, x in enumerate(series.t) if x >= 0]
    t = [series.t[i] for i in keep]
    values_of = {n: [v[i] for i in keep] for n, v in series.values.items()
                 if len(v) == len(series.t)}
    x0 = 0.0
    x1 = max([*t[-1:], *(b.end for b in bands), x0 + 1, x_end or 0.0])
    y1 = max((v for n in names for v in values_of.get(n, ()) if v is not None), default=0.0)
    frame = _Frame(x0, x1, y1 * 1.05)
    parts = frame.axes("s since test start", y_unit)
    for band in bands:
        left, right = frame.x(max(band.start, x0)), frame.x(min(band.end, x1))
        parts.append(f'<g class="fault-band" data-label="{escape(band.label)}">'
                     f'<rect x="{left:.1f}" y="{_TOP}" width="{max(right - left, 1.5):.1f}" '
                     f'height="{frame.ph}"/><text x="{left + 3:.1f}" y="{_TOP + 12}" '
                     f'class="band-label">{escape(band.label)}</text></g>')
    total = 0
    for i, name in enumerate(names):
        values = values_of.get(name)
        if not values:
            continue
        d, drawn = _path(frame, _downsample(t, values, max_points))
        total += drawn
        if d:
            parts.append(f'<path class="series" data-name="{escape(name)}" '
                         f'data-points="{drawn}" d="{d}" stroke="{PALETTE[i % len(PALETTE)]}"/>')
    return (f'<figure class="figure"><figcaption>{escape(title)}</figcaption>'
            + _svg(chart_id, title, total, parts) + _legend(names) + "</figure>")


def xy_chart(chart_id: str, title: str, points: Sequence[tuple[float, float, bool]], *,
             x_unit: str, y_unit: str, threshold: float | None = None,
             knee: float | None = None, sustainable: float | None = None) -> str:
    """Scatter + line of (x, y, ok) sorted by x; failing points drawn hollow red."""
    ordered = sorted(points)
    x1 = max([p[0] for p in ordered] + [knee or 0.0, sustainable or 0.0, 1.0])
    y1 = max([p[1] for p in ordered] + [threshold or 0.0, 1.0])
    frame = _Frame(0.0, x1 * 1.05, y1 * 1.1)
    parts = frame.axes(x_unit, y_unit)
    if threshold is not None:
        y = frame.y(threshold)
        parts.append(f'<line class="threshold" x1="{_LEFT}" x2="{_LEFT + frame.pw}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/><text class="band-label" '
                     f'x="{_LEFT + 4}" y="{y - 4:.1f}">SLO {threshold:g}</text>')
    for value, css, row in ((sustainable, "sustainable", 0), (knee, "knee", 1)):
        if value is not None:
            x = frame.x(value)
            parts.append(f'<line class="{css}" x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" '
                         f'y2="{_TOP + frame.ph}"/><text class="band-label" x="{x + 3:.1f}" '
                         f'y="{_TOP + 14 + 14 * row}">{css} {value:,.0f}</text>')
    d, drawn = _path(frame, [(x, y) for x, y, _ in ordered])
    if d:
        parts.append(f'<path class="series" data-name="p95" data-points="{drawn}" d="{d}" '
                     f'stroke="{PALETTE[0]}"/>')
    for x, y, ok in ordered:
        parts.append(f'<circle class="point {"ok" if ok else "bad"}" cx="{frame.x(x):.1f}" '
                     f'cy="{frame.y(y):.1f}" r="4"><title>{x:,.0f}: {y:,.0f} {escape(y_unit)}'
                     f'</title></circle>')
    return (f'<figure class="figure"><figcaption>{escape(title)}</figcaption>'
            + _svg(chart_id, title, drawn, parts) + "</figure>")
