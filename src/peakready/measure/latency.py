"""Latency and error rate per window, from the per-second HDR lines of ``latency.jsonl``.

::

    latency.jsonl lines ──collect──► Samples: lines grouped by (kind, name), each name's
                                     histograms decoded once, on first use {t: Second}
    arrivals.jsonl      ──────────────────────────► Samples.arrivals {journey: {t: Arrivals}}
        │
        └── window_latency(samples, kind, names, windows) ──► {window: WindowLatency}
            subject_latency(samples, "checkout" | journey | request name, windows)

The definitions the SLO gates and the report share, so they cannot disagree:

* a second belongs to every window whose ``[start, end)`` holds its ``wall`` (the second's
  start, as the recorder wrote it);
* percentiles come from the merged HDR histograms (never averaged per second);
* ``checkout`` is both checkout journeys together;
* a journey's arrival dropped at ``max_concurrency`` is a journey that failed: it adds to the
  count and to the errors of the error rate (``(errors + dropped) / (count + dropped)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peakready.config import CHECKOUT_JOURNEYS, JOURNEYS
from peakready.measure.hdr import HdrDecodeError, Latency, decode
from peakready.measure.windows import Window

__all__ = ["Arrivals", "LatencyLine", "Samples", "Second", "WindowLatency", "collect",
           "subject", "subject_latency", "window_latency"]

QUANTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True, slots=True)
class LatencyLine:
    """One second of one request name or journey: counts and its HDR histogram (base64, µs)."""

    wall: float
    kind: str
    name: str
    count: int
    errors: int
    hdr: str


@dataclass(slots=True)
class Second:
    """One decoded second of one request name or journey."""

    wall: float
    latency: Latency
    count: int
    errors: int


@dataclass(slots=True)
class Arrivals:
    """One second of one journey's arrivals (arrivals.jsonl)."""

    wall: float
    offered: int = 0
    started: int = 0
    dropped: int = 0


Key = tuple[str, str]     # (kind, name)


@dataclass
class Samples:
    """The per-second lines by (kind, name); ``t`` is the second since test_start a line's wall
    is in. A name's histograms are decoded when first asked for (an SLO gate reads one or two
    names of dozens; the report reads them all), so nothing is decoded twice or needlessly."""

    test_start: float = 0.0
    raw: dict[Key, list[LatencyLine]] = field(default_factory=dict)
    arrivals: dict[str, dict[int, Arrivals]] = field(default_factory=dict)
    unreadable: dict[Key, int] = field(default_factory=dict)
    _decoded: dict[Key, dict[int, Second]] = field(default_factory=dict)

    def seconds_of(self, key: Key) -> dict[int, Second]:
        """One name's decoded seconds (``t`` → Second); unreadable lines are counted."""
        decoded = self._decoded.get(key)
        if decoded is None:
            decoded = self._decoded[key] = self._decode(key)
        return decoded

    def _decode(self, key: Key) -> dict[int, Second]:
        per_second: dict[int, Second] = {}
        for line in self.raw.get(key, ()):
            try:
                hist = decode(line.hdr) if line.hdr else Latency()
            except HdrDecodeError:
                self.unreadable[key] = self.unreadable.get(key, 0) + 1
                continue
            t = _second(line.wall, self.test_start)
            sec = per_second.get(t)
            if sec is None:
                per_second[t] = Second(line.wall, hist, line.count, line.errors)
            else:   # two lines for one second (e.g. a late flush): add them up
                if hist.counts:
                    if sec.latency.counts:
                        sec.latency.merge(hist)
                    else:
                        sec.latency = hist
                sec.count += line.count
                sec.errors += line.errors
        return per_second

    @property
    def lines(self) -> dict[Key, dict[int, Second]]:
        """Every name with a readable second, all decoded (the report draws them all)."""
        out = {key: self.seconds_of(key) for key in self.raw}
        return {key: seconds for key, seconds in out.items() if seconds}

    def unreadable_of(self, keys: Iterable[Key]) -> int:
        """Lines of ``keys`` whose histogram cannot be decoded (decoding them if need be)."""
        total = 0
        for key in keys:
            self.seconds_of(key)
            total += self.unreadable.get(key, 0)
        return total

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self.lines if k == kind)

    def seconds(self) -> list[int]:
        seen: set[int] = set()
        for per_journey in self.arrivals.values():
            seen.update(per_journey)
        for per_second in self.lines.values():
            seen.update(per_second)
        return sorted(seen)

    def merged(self, kind: str, names: Iterable[str]) -> dict[int, Second]:
        """Several names as one line per second (e.g. ``checkout`` = both checkout journeys)."""
        out: dict[int, Second] = {}
        for name in names:
            for t, sec in self.seconds_of((kind, name)).items():
                into = out.get(t)
                if into is None:
                    out[t] = Second(sec.wall, Latency(sec.latency.params, dict(sec.latency.counts)),
                                    sec.count, sec.errors)
                else:
                    into.latency.merge(sec.latency)
                    into.count += sec.count
                    into.errors += sec.errors
        return out

    def checkout(self) -> dict[int, Second]:
        return self.merged("journey", CHECKOUT_JOURNEYS)

    def arrival_totals(self) -> dict[int, Arrivals]:
        """Every journey's arrivals added up per second."""
        out: dict[int, Arrivals] = {}
        for per_second in self.arrivals.values():
            for t, row in per_second.items():
                into = out.setdefault(t, Arrivals(row.wall))
                into.offered += row.offered
                into.started += row.started
                into.dropped += row.dropped
        return out


def _second(wall: float, test_start: float) -> int:
    return math.floor(wall - test_start + 1e-6)


def collect(latency: Iterable[LatencyLine], arrivals: Iterable[Mapping[str, Any]],
            test_start: float) -> Samples:
    """Group the lines by name (decoded on first use, each once). A line whose histogram
    cannot be decoded is counted per name in ``unreadable`` and left out (the gate of that
    name cannot judge; the report notes it)."""
    samples = Samples(test_start)
    raw = samples.raw
    for line in latency:
        key = (line.kind, line.name)
        group = raw.get(key)
        if group is None:
            group = raw[key] = []
        group.append(line)
    for record in arrivals:
        wall = record.get("wall")
        if isinstance(wall, int | float):
            t = _second(float(wall), test_start)
        else:
            t = int(record.get("t") or 0)
            wall = test_start + t
        journey = str(record.get("journey") or "")
        row = samples.arrivals.setdefault(journey, {}).setdefault(t, Arrivals(float(wall)))
        row.offered += _count(record.get("offered"))
        row.started += _count(record.get("started"))
        row.dropped += _count(record.get("dropped"))
    return samples


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


@dataclass
class WindowLatency:
    """One subject over one window: merged histogram, counts, arrivals dropped."""

    count: int = 0
    errors: int = 0
    dropped: int = 0
    latency: Latency = field(default_factory=Latency)

    @property
    def error_rate(self) -> float | None:
        total = self.count + self.dropped
        return (self.errors + self.dropped) / total if total else None

    def percentiles_ms(self, quantiles: Sequence[float] = QUANTILES) -> list[float | None]:
        return self.latency.percentiles_ms(quantiles)


def window_latency(samples: Samples, kind: str, names: Iterable[str],
                   windows: Sequence[Window]) -> dict[str, WindowLatency]:
    """Per window name: the seconds of ``names`` (of ``kind``) whose wall it holds, merged;
    for journeys, the arrivals of those journeys dropped in it."""
    wanted = tuple(names)
    out = {w.name: WindowLatency() for w in windows}
    for name in wanted:
        for sec in samples.seconds_of((kind, name)).values():
            for window in windows:
                if window.contains(sec.wall):
                    into = out[window.name]
                    into.count += sec.count
                    into.errors += sec.errors
                    if sec.latency.counts:
                        if into.latency.counts:
                            into.latency.merge(sec.latency)
                        else:
                            into.latency = Latency(sec.latency.params, dict(sec.latency.counts))
        if kind != "journey":
            continue
        for row in samples.arrivals.get(name, {}).values():
            if row.dropped:
                for window in windows:
                    if window.contains(row.wall):
                        out[window.name].dropped += row.dropped
    return out


def subject(name: str) -> tuple[str, frozenset[str]]:
    """What an SLO gate's name stands for: ``checkout`` (both checkout journeys), a journey,
    else a request name."""
    if name == "checkout":
        return "journey", frozenset(CHECKOUT_JOURNEYS)
    if name in JOURNEYS:
        return "journey", frozenset({name})
    return "request", frozenset({name})


def subject_latency(samples: Samples, name: str,
                    windows: Sequence[Window]) -> dict[str, WindowLatency]:
    kind, names = subject(name)
    return window_latency(samples, kind, sorted(names), windows)
