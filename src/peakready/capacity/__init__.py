"""The capacity search: the highest orders/min at which the plan's SLO and checks still hold.

::

    capacity/
    ├── search.py     CapacitySearch: steps x step_factor, then bisection near the knee (pure)
    ├── predict.py    what the simulator's capacity model predicts (M/G/c, for the benchmark)
    ├── drive.py      each step held until its p95 is stable (rising = saturated), close calls
    ├── runner.py     one step = one load phase on a standing estate, judged by finalize
    └── cli.py        ``peakready capacity PLAN`` → a run folder with capacity.json, result.json,
                      report.html (throughput-vs-latency curve) and junit.xml
"""

from __future__ import annotations

from peakready.capacity.search import CapacitySearch, knee

__all__ = ["CapacitySearch", "knee"]
