"""When the harness itself was the bottleneck: saturated spans from ``cpu.jsonl``.

::

    Saturation.load(run_dir)         cpu.jsonl (peakready.run.cpu) → spans
      Span(who="magento", start, end, peak)    a process of ours at ≥ 95 % of a core, or the
                                               machine at ≥ 95 % of all its cores, for at
                                               least MIN_SPAN_S in a row
      during(start, end)             the spans overlapping an interval
      reason(start, end, t0)         when they cover ≥ MIN_OVERLAP_S and ≥ MIN_SHARE of it:
                                     "the simulator was at 100 % CPU from 40 s to 75 s:
                                      latency in this window is the harness's, not the store's"
      shares(start, end)             mean CPU share of each process over an interval

A single-threaded event loop (the simulator, a mock, a Locust worker, the fault proxy) at one
full core queues every request behind the others: latency measured then is the harness's.
The machine at 100 % (anyone's work) starves our processes the same way. The user's
connector is the suspect, never an excuse: its CPU is recorded but does not count here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CPU_FILE", "MACHINE", "MAX_GAP_S", "MIN_OVERLAP_S", "MIN_SHARE", "MIN_SPAN_S",
           "SATURATED", "Saturation", "Span", "display_name"]

CPU_FILE = "cpu.jsonl"
MACHINE = "machine"
#: A share of one core (a process) or of all cores (the machine) at which it is saturated.
SATURATED = 0.95
#: Saturated for at least this long in a row (one busy second is a hiccup, not a bottleneck).
MIN_SPAN_S = 2.0
#: Two saturated spans of one consumer this close are one.
MAX_GAP_S = 2.0
#: A window is affected when a span covers at least this much of it.
MIN_OVERLAP_S = 2.0
#: ... and for at least this share of it. Half, not the 5 % a p95 needs: a saturation of 5 %
#: *could* make a p95 breach alone, but so could the store, and an excused breach is a red gate
#: turned green. Below half, the window's clean seconds outnumber the saturated ones and the
#: breach is judged (the spans are named beside it); at half or more, too little is left clean.
MIN_SHARE = 0.5
#: Recorded but never an excuse for latency: the user's own code is what is being judged.
_NOT_OURS = frozenset({"connector"})

_NAMES = {"magento": "simulator", "faultproxy": "fault proxy", "erp": "ERP mock",
          "crm": "CRM mock", "payment": "payment mock", "shipping": "shipping mock",
          "locust-master": "Locust master", "orchestrator": "orchestrator",
          "connector": "connector", MACHINE: "machine"}


def display_name(who: str) -> str:
    """``magento`` → ``simulator``, ``locust-worker-2`` → ``Locust worker 2``."""
    if who.startswith("locust-worker-"):
        return f"Locust worker {who.removeprefix('locust-worker-')}"
    return _NAMES.get(who, who)


@dataclass(frozen=True)
class Span:
    """``who`` saturated from ``start`` to ``end`` (wall seconds), its share at most ``peak``."""

    who: str
    start: float
    end: float
    peak: float

    def overlap(self, start: float, end: float) -> float:
        return max(0.0, min(self.end, end) - max(self.start, start))

    def text(self, t0: float, cores: int, clip: tuple[float, float] | None = None) -> str:
        what = f"the machine (all {cores} cores)" if self.who == MACHINE \
            else f"the {display_name(self.who)}"
        start, end = (max(self.start, clip[0]), min(self.end, clip[1])) if clip \
            else (self.start, self.end)
        return (f"{what} was at {min(self.peak, 1.0):.0%} CPU from {start - t0:.0f} s "
                f"to {end - t0:.0f} s")

    def to_json(self, t0: float) -> dict[str, Any]:
        return {"who": self.who, "from_s": round(self.start - t0, 1),
                "to_s": round(self.end - t0, 1), "peak": round(self.peak, 3)}


@dataclass
class Saturation:
    """The saturated spans of one run folder (none when ``cpu.jsonl`` is missing)."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    cores: int = 1

    @property
    def sampled(self) -> bool:
        return bool(self.samples)

    @classmethod
    def load(cls, run_dir: Path | str) -> Saturation:
        path = Path(run_dir) / CPU_FILE
        if not path.exists():
            return cls()
        lines = []
        for raw in path.read_text("utf-8", errors="replace").splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue        # a line cut short by a killed run
            if isinstance(line, dict) and isinstance(line.get("wall"), int | float):
                lines.append(line)
        return cls.from_samples(lines)

    @classmethod
    def from_samples(cls, samples: list[dict[str, Any]]) -> Saturation:
        samples = sorted(samples, key=lambda s: float(s["wall"]))
        cores = max((int(s.get("cores") or 1) for s in samples), default=1)
        return cls(samples, _spans(samples), cores)

    def during(self, start: float, end: float) -> list[Span]:
        """The spans overlapping ``[start, end)``."""
        return [s for s in self.spans if s.overlap(start, end) > 0]

    def culprits(self, start: float, end: float) -> list[Span]:
        """The spans that make latency in ``[start, end)`` not the store's (ours first, at most
        three), or none when nothing of ours (nor the machine) was saturated long enough then:
        for MIN_OVERLAP_S, and for at least MIN_SHARE of the interval (see MIN_SHARE)."""
        spans = self.during(start, end)
        length = max(end - start, 0.0)
        need = min(length, max(MIN_OVERLAP_S, MIN_SHARE * length))
        covered = _union((max(s.start, start), min(s.end, end)) for s in spans)
        if covered <= 0 or covered < need:
            return []
        ours = [s for s in spans if s.who != MACHINE]
        return (ours or spans)[:3]

    def explain(self, spans: list[Span], t0: float, where: str,
                clip: tuple[float, float] | None = None) -> str:
        """"the simulator was at 100% CPU from 40 s to 75 s: latency in <where> is the
        harness's, not the store's" (times since ``t0``, cut to ``clip``)."""
        whose = "the host's" if all(s.who == MACHINE for s in spans) else "the harness's"
        told = "; ".join(s.text(t0, self.cores, clip) for s in spans)
        return f"{told}: latency in {where} is {whose}, not the store's"

    def reason(self, start: float, end: float, t0: float, *,
               where: str = "this window") -> str | None:
        """:meth:`explain` of :meth:`culprits`, or None when there are none."""
        spans = self.culprits(start, end)
        return self.explain(spans, t0, where, (start, end)) if spans else None

    def shares(self, start: float, end: float) -> dict[str, float]:
        """Mean CPU share of each process (of one core) and of the machine (of all cores)
        over the samples inside ``[start, end]``."""
        inside = [s for s in self.samples if start <= float(s["wall"]) <= end]
        sums: dict[str, float] = {}
        counts: dict[str, int] = {}
        for sample in inside:
            values = {**(sample.get("procs") or {}), MACHINE: sample.get("machine")}
            for who, value in values.items():
                if isinstance(value, int | float):
                    sums[who] = sums.get(who, 0.0) + float(value)
                    counts[who] = counts.get(who, 0) + 1
        return {who: round(sums[who] / counts[who], 4) for who in sums}


def _union(intervals: Iterable[tuple[float, float]]) -> float:
    """Seconds covered by the intervals (overlapping spans of several consumers count once)."""
    covered, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def _spans(samples: list[dict[str, Any]]) -> list[Span]:
    """Runs of consecutive saturated samples per consumer, at least MIN_SPAN_S long. A sample
    covers ``(wall - dt, wall]``."""
    open_: dict[str, list[float]] = {}        # who → [start, end, peak]
    spans: list[Span] = []

    def close(who: str) -> None:
        start, end, peak = open_.pop(who)
        if end - start >= MIN_SPAN_S - 1e-6:
            spans.append(Span(who, start, end, peak))

    for sample in samples:
        wall = float(sample["wall"])
        dt = float(sample.get("dt") or 1.0)
        values = {who: v for who, v in (sample.get("procs") or {}).items()
                  if who not in _NOT_OURS}
        values[MACHINE] = sample.get("machine")
        busy = {who for who, v in values.items()
                if isinstance(v, int | float) and v >= SATURATED}
        for who in list(open_):
            # A gap in the samples (a missed second) also ends a span.
            if who not in busy or wall - dt - open_[who][1] > 0.5 * dt:
                close(who)
        for who in busy:
            value = float(values[who])
            if who in open_:
                open_[who][1] = wall
                open_[who][2] = max(open_[who][2], value)
            else:
                open_[who] = [wall - dt, wall, value]
    for who in list(open_):
        close(who)
    return _bridged(sorted(spans, key=lambda s: (s.start, s.who)))


def _bridged(spans: list[Span]) -> list[Span]:
    """Spans of one consumer at most MAX_GAP_S apart are one: a machine at 100 % that dips to
    90 % for a second is saturated throughout, and one sentence says so."""
    out: list[Span] = []
    last: dict[str, int] = {}             # who → index of its latest span in out
    for span in spans:
        index = last.get(span.who)
        if index is not None and span.start - out[index].end <= MAX_GAP_S:
            before = out[index]
            out[index] = Span(span.who, before.start, max(before.end, span.end),
                              max(before.peak, span.peak))
            continue
        last[span.who] = len(out)
        out.append(span)
    return out
