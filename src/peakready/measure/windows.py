"""The windows a run is judged in (DESIGN §9), from ``faults.jsonl`` as the faults were applied.

::

    test_start ─── baseline ───┬─ fault 0 ─┬──┬─ fault 1 ─┬── recovery ── test_stop ── drain ── end
                               applied     cleared         last cleared
    whole = [test_start, end]  (end = the evidence export, else test_stop)

A fault whose application failed (``outcome`` not ``ok``) opens no window; one applied but never
cleared (a killed run) closes at test_stop and says so (``cleared: false``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Window", "WindowKind", "build_windows"]

WindowKind = Literal["baseline", "fault", "recovery", "whole"]


@dataclass(frozen=True)
class Window:
    """A judged interval of wall-clock time: ``start <= wall < end``."""

    name: str                    # "baseline", "recovery", "whole", or the fault's label
    kind: WindowKind
    start: float
    end: float
    fault: int | None = None     # the fault's index in the plan
    target: str | None = None    # "proxy:erp", "mock:shipping"
    label: str | None = None     # "erp down", "erp http 429"
    spec: dict[str, Any] = field(default_factory=dict)
    cleared: bool = True

    def contains(self, wall: float) -> bool:
        return self.start <= wall < self.end

    @property
    def service(self) -> str | None:
        """The back-end the fault sits in front of ("erp"), from ``proxy:erp`` / ``mock:erp``."""
        return None if self.target is None else self.target.split(":", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "start": self.start,
                               "end": self.end}
        if self.kind == "fault":
            out.update(fault=self.fault, target=self.target, label=self.label,
                       cleared=self.cleared)
        return out


def build_windows(fault_lines: Iterable[dict[str, Any]], start: float, stop: float,
                  end: float) -> list[Window]:
    """baseline, one per applied fault (in order of application), recovery, whole."""
    applied: dict[int, dict[str, Any]] = {}
    cleared: dict[int, float] = {}
    for line in fault_lines:
        index = line.get("fault")
        wall = line.get("wall")
        if not isinstance(index, int) or not isinstance(wall, int | float):
            continue
        if line.get("event") == "applied" and line.get("outcome", "ok") == "ok":
            applied.setdefault(index, line)
        elif line.get("event") == "cleared":
            cleared.setdefault(index, float(wall))
    faults: list[Window] = []
    labels = [str(a.get("label") or a.get("target") or f"fault {i}") for i, a in applied.items()]
    for (index, line), label in zip(applied.items(), labels, strict=True):
        begin = float(line["wall"])
        finish = cleared.get(index)
        name = label if labels.count(label) == 1 else f"{label} #{index}"
        faults.append(Window(name=name, kind="fault", start=begin,
                             end=max(begin, finish if finish is not None else stop),
                             fault=index, target=line.get("target"), label=label,
                             spec=dict(line.get("spec") or {}), cleared=finish is not None))
    faults.sort(key=lambda w: w.start)
    windows: list[Window] = []
    first = min((w.start for w in faults), default=stop)
    windows.append(Window("baseline", "baseline", start, max(start, first)))
    windows.extend(faults)
    if faults:
        last = max(w.end for w in faults)
        if last < stop:
            windows.append(Window("recovery", "recovery", last, stop))
    windows.append(Window("whole", "whole", start, max(end, stop)))
    return windows
