"""The evidence recorder's master half: merges the workers' batches into the run folder.

::

    Sink(run_dir, t0, workers)
      add(batch)     checkouts.jsonl at once; arrivals and histograms held per second
      flush()        writes every second that all live workers have completed:
                     arrivals.jsonl (offered / started / dropped per journey) and
                     latency.jsonl (one merged HDR histogram per second, kind and name)
      lose(worker)   a dead worker no longer holds the seconds back
      last_second    the newest written second's totals (the control snapshot reads it)
    Control(path)    control.jsonl: test_start, snapshot, worker_lost, test_stop

Lines are appended and flushed one batch at a time, so a killed run leaves what it had; only
the seconds not yet complete are held in memory (docs/run-folder.md has the formats).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import IO, Any

from hdrh.histogram import HdrHistogram

from peakready.scenario.recorder import CHECKOUT_KINDS, new_histogram

__all__ = ["Control", "SecondTotals", "Sink", "dumps"]


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


class _Lines:
    def __init__(self, path: Path) -> None:
        self.file: IO[str] = path.open("a", encoding="utf-8")

    def write(self, records: list[dict[str, Any]]) -> None:
        if records:
            self.file.write("".join(dumps(r) + "\n" for r in records))
            self.file.flush()

    def close(self) -> None:
        self.file.close()


class Control(_Lines):
    """control.jsonl: the orchestrator tails it (t = 0, progress, end)."""

    def event(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {"event": event, "wall": round(fields.pop("wall", time.time()), 6), **fields}
        self.write([record])
        return record


class SecondTotals:
    """One written second, all journeys and workers together (for the control snapshot)."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.offered = 0
        self.started = 0
        self.dropped = 0
        self.requests = 0
        self.errors = 0
        self.journeys = new_histogram()
        self.checkouts = new_histogram()

    def percentiles_ms(self, *ps: float, checkouts: bool = False) -> dict[float, float | None]:
        """Several percentiles in one pass over the histogram (each pass is ~1 ms)."""
        hist = self.checkouts if checkouts else self.journeys
        if not hist.get_total_count():
            return dict.fromkeys(ps)
        values = hist.get_percentile_to_value_dict(list(ps))
        return {p: round(float(values[p]) / 1000.0, 3) for p in ps}

    def percentile_ms(self, p: float, *, checkouts: bool = False) -> float | None:
        return self.percentiles_ms(p, checkouts=checkouts)[p]


class Sink:
    def __init__(self, run_dir: Path, t0: float, workers: list[str]) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.t0 = t0
        self.checkouts = _Lines(run_dir / "checkouts.jsonl")
        self.latency = _Lines(run_dir / "latency.jsonl")
        self.arrivals = _Lines(run_dir / "arrivals.jsonl")
        self._arrivals_below = {w: 0.0 for w in workers}
        self._latency_below = {w: 0.0 for w in workers}
        self._pending_arrivals: dict[tuple[int, str], list[int]] = {}
        self._pending_hist: dict[tuple[int, str, str], list[Any]] = {}
        self.in_flight: dict[str, int] = {w: 0 for w in workers}
        self.offered: dict[str, int] = {w: 0 for w in workers}
        self.dropped: dict[str, int] = {w: 0 for w in workers}
        self.done: set[str] = set()
        self.checkout_count = 0
        self.last_second: SecondTotals | None = None
        self.complete_below = 0
        self._seconds: dict[int, SecondTotals] = {}

    # ---------------------------------------------------------------------- input
    def add(self, batch: dict[str, Any]) -> None:
        worker = str(batch["worker"])
        self.checkouts.write(batch["checkouts"])
        self.checkout_count += len(batch["checkouts"])
        for t, journey, offered, started, dropped in batch["arrivals"]:
            row = self._pending_arrivals.setdefault((int(t), journey), [0, 0, 0])
            row[0] += offered
            row[1] += started
            row[2] += dropped
        for t, kind, name, count, errors, hdr in batch["hist"]:
            slot = self._pending_hist.get((int(t), kind, name))
            decoded = HdrHistogram.decode(hdr)
            if slot is None:
                self._pending_hist[(int(t), kind, name)] = [decoded, count, errors]
            else:
                slot[0].add(decoded)
                slot[1] += count
                slot[2] += errors
        if worker in self._arrivals_below:
            self._arrivals_below[worker] = float(batch["arrivals_below"])
            self._latency_below[worker] = float(batch["latency_below"])
        self.in_flight[worker] = int(batch["in_flight"])
        self.offered[worker] = int(batch["offered"])
        self.dropped[worker] = int(batch["dropped"])
        if batch.get("done"):
            self.done.add(worker)

    def lose(self, worker: str) -> None:
        """A worker died: its seconds no longer hold the others back."""
        self._arrivals_below.pop(worker, None)
        self._latency_below.pop(worker, None)
        self.in_flight[worker] = 0

    # --------------------------------------------------------------------- output
    def _second(self, t: int) -> SecondTotals:
        totals = self._seconds.get(t)
        if totals is None:
            totals = self._seconds[t] = SecondTotals(t)
        return totals

    def flush(self, *, final: bool = False) -> None:
        arrivals_below = math.inf if final else min(self._arrivals_below.values(),
                                                    default=math.inf)
        latency_below = math.inf if final else min(self._latency_below.values(),
                                                   default=math.inf)
        lines = []
        for key in sorted(k for k in self._pending_arrivals if k[0] < arrivals_below):
            offered, started, dropped = self._pending_arrivals.pop(key)
            t = key[0]
            lines.append({"t": t, "wall": round(self.t0 + t, 3), "journey": key[1],
                          "offered": offered, "started": started, "dropped": dropped})
            totals = self._second(t)
            totals.offered += offered
            totals.started += started
            totals.dropped += dropped
        self.arrivals.write(lines)
        lines = []
        for hist_key in sorted(k for k in self._pending_hist if k[0] < latency_below):
            hist, count, errors = self._pending_hist.pop(hist_key)
            t, kind, name = hist_key
            lines.append({"t": t, "wall": round(self.t0 + t, 3), "kind": kind, "name": name,
                          "count": count, "errors": errors,
                          "hdr": hist.encode().decode("ascii")})
            totals = self._second(t)
            if kind == "journey":
                totals.journeys.add(hist)
                if name in CHECKOUT_KINDS:
                    totals.checkouts.add(hist)
            else:
                totals.requests += count
                totals.errors += errors
        self.latency.write(lines)
        complete_below = min(arrivals_below, latency_below)
        if math.isfinite(complete_below):
            self.complete_below = int(complete_below)
        for t in sorted(self._seconds):
            if t < complete_below:
                self.last_second = self._seconds.pop(t)

    def latest(self) -> SecondTotals:
        """The newest complete second (zeros when nothing happened in it)."""
        t = self.complete_below - 1
        if self.last_second is not None and self.last_second.t == t:
            return self.last_second
        return SecondTotals(t)

    def close(self) -> None:
        self.flush(final=True)
        for lines in (self.checkouts, self.latency, self.arrivals):
            lines.close()
