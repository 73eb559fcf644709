"""Live progress of a run: a rich panel on a terminal, a plain line every 10 s otherwise.

::

    ProgressState        what the phase knows each second (Locust's snapshot, the fault
                         timeline, the witness sample)
    make_progress(mode)  "live" (rich, TTY) | "plain" (CI logs) | "quiet" → a Progress
    Progress.update(state) / .note(text) / .close()

This is presentation only: the run folder holds the same figures in full.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO, Literal, Protocol

__all__ = ["Progress", "ProgressState", "make_progress"]

Mode = Literal["auto", "live", "plain", "quiet"]


@dataclass
class ProgressState:
    plan: str
    phase: str = "starting"
    elapsed_s: float = 0.0
    total_s: float = 0.0
    offered_per_s: float | None = None
    achieved_per_s: float | None = None
    checkout_p95_ms: float | None = None
    errors: int | None = None            # in the last second (Locust's snapshot)
    requests: int | None = None
    faults: list[tuple[str, float]] = field(default_factory=list)
    next_fault: tuple[str, float] | None = None
    erp_backlog: int | None = None
    stock_divergent: int | None = None


def _num(value: float | int | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def plain_line(s: ProgressState) -> str:
    faults = ", ".join(f"{label} ({left:.0f}s left)" for label, left in s.faults) or "none"
    return (f"[{s.plan}] {s.phase} {s.elapsed_s:5.0f}/{s.total_s:.0f}s  "
            f"arrivals/s {_num(s.offered_per_s)} offered {_num(s.achieved_per_s)} achieved  "
            f"checkout p95 {_num(s.checkout_p95_ms, '{:.0f}')} ms  errors/s {_num(s.errors, '{}')}"
            f"  faults: {faults}  ERP backlog {_num(s.erp_backlog, '{}')}"
            f"  stock differs on {_num(s.stock_divergent, '{}')} SKUs")


class Progress(Protocol):
    def update(self, state: ProgressState) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


class QuietProgress:
    def update(self, state: ProgressState) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress:
    """One line every ``every`` seconds and on every phase change (CI logs)."""

    def __init__(self, out: IO[str], every: float = 10.0) -> None:
        self.out, self.every = out, every
        self._last = 0.0
        self._phase = ""

    def update(self, state: ProgressState) -> None:
        now = time.monotonic()
        if state.phase != self._phase or now - self._last >= self.every:
            self._phase, self._last = state.phase, now
            self.out.write(plain_line(state) + "\n")
            self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        pass


class LiveProgress:
    """A rich panel redrawn in place (only on a terminal)."""

    def __init__(self, out: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=out)
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def update(self, state: ProgressState) -> None:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        bar_width = 30
        done = min(1.0, state.elapsed_s / state.total_s) if state.total_s else 0.0
        bar = "█" * int(done * bar_width) + "░" * (bar_width - int(done * bar_width))
        table.add_row("plan", f"{state.plan}  [cyan]{state.phase}[/]")
        table.add_row("elapsed", f"{bar} {state.elapsed_s:.0f} / {state.total_s:.0f} s")
        table.add_row("arrivals/s", f"{_num(state.offered_per_s)} offered, "
                                    f"{_num(state.achieved_per_s)} achieved")
        table.add_row("checkout p95", f"{_num(state.checkout_p95_ms, '{:.0f}')} ms")
        table.add_row("errors/s", f"{_num(state.errors, '{}')} of "
                                  f"{_num(state.requests, '{}')} requests/s")
        faults = ", ".join(f"[red]{label}[/] {left:.0f}s" for label, left in state.faults)
        if not faults and state.next_fault:
            faults = f"next: {state.next_fault[0]} in {state.next_fault[1]:.0f}s"
        table.add_row("faults", faults or "none")
        table.add_row("ERP backlog", f"{_num(state.erp_backlog, '{}')} orders placed and not "
                                     f"yet in the ERP, stock differs on "
                                     f"{_num(state.stock_divergent, '{}')} SKUs")
        self.live.update(table)

    def note(self, text: str) -> None:
        self.console.print(text)

    def close(self) -> None:
        if self.live.is_started:
            self.live.stop()


def make_progress(mode: Mode = "auto", out: IO[str] | None = None) -> Progress:
    out = sys.stdout if out is None else out
    if mode == "quiet":
        return QuietProgress()
    if mode == "live" or (mode == "auto" and out.isatty()):
        return LiveProgress(out)
    return PlainProgress(out)
