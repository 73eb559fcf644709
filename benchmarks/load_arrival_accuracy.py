"""Arrival accuracy when unsaturated: achieved / offered arrivals, and Poisson-ness of the starts.

One Locust process (prepare_locust, workers 0, pinned to CPU 1) against the bare target
(CPU 0). For each rate (10, 100, 1,000 arrivals/s) a one-request journey (``crm_edits``, the
bare target standing in for the CRM) arrives for ``--seconds``; achieved = requests that
completed inside the run's window (latency.jsonl, by second of completion), offered = the
schedule's arrivals in it (arrivals.jsonl). Target: within ±3 %. The start lag (latency from
the intended start, HDR) is printed beside it.

Poisson: the actual start times of guest checkouts at 50/s (checkouts.jsonl ``start_ts``) and
the intended times of the 1,000/s schedule are tested against the exponential with a
Kolmogorov-Smirnov test at alpha = 0.01 (critical value 1.628 / sqrt(n)).

    .venv/bin/python benchmarks/load_arrival_accuracy.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
from pathlib import Path
from typing import Any

from _load_common import bare_server, run_plan, stop
from hdrh.histogram import HdrHistogram

CRM_REQUEST = "PUT /api/contacts/[email]/preferences"


def ks_exponential(gaps: list[float]) -> tuple[float, float]:
    """(D, critical value at alpha = 0.01) of ``gaps`` against Exp(1 / mean)."""
    gaps = sorted(gaps)
    n = len(gaps)
    rate = n / sum(gaps)
    d = 0.0
    for i, x in enumerate(gaps):
        cdf = 1.0 - math.exp(-rate * x)
        d = max(d, cdf - i / n, (i + 1) / n - cdf)
    return d, 1.628 / math.sqrt(n)


def plan(rate_crm: float, seconds: int, checkouts_per_s: float = 0.001) -> dict[str, Any]:
    return {"seed": 3, "target": {"simulator": {"profile": "tiny"}},
            "load": {"duration": seconds, "orders_per_minute": checkouts_per_s * 60,
                     "mix": {"guest_checkout": 1}, "arrivals": "poisson",
                     "sync": {"crm_upserts_per_minute": rate_crm * 60}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    server, url = bare_server({0})
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for rate in (10, 100, 1000):
                run = run_plan(plan(rate, args.seconds), Path(tmp) / f"r{rate}", url,
                               crm_url=url, workers=0, cpus={1})
                offered = sum(x["offered"] for x in run.lines("arrivals.jsonl")
                              if x["journey"] == "crm_edits" and x["t"] < args.seconds)
                achieved = sum(x["count"] for x in run.lines("latency.jsonl")
                               if x["kind"] == "request" and x["name"] == CRM_REQUEST
                               and x["t"] < args.seconds)
                lag = HdrHistogram(1, 3_600_000_000, 3)
                for x in run.lines("latency.jsonl"):
                    if x["kind"] == "journey" and x["name"] == "crm_edits":
                        lag.add(HdrHistogram.decode(x["hdr"]))
                rows.append((rate, offered, achieved, lag.get_value_at_percentile(50) / 1000,
                             lag.get_value_at_percentile(99) / 1000))
            run = run_plan(plan(0.001, args.seconds, checkouts_per_s=50), Path(tmp) / "ks",
                           url, workers=0, cpus={1})
            starts = sorted(c["start_ts"] for c in run.lines("checkouts.jsonl"))
            d_start, crit_start = ks_exponential([b - a for a, b in itertools.pairwise(starts)])
    finally:
        stop([server])
    from peakready.config import LoadPlan
    from peakready.scenario.arrivals import schedule
    from peakready.scenario.shapes import build_shape

    load = LoadPlan.model_validate(plan(1000, args.seconds)["load"])
    intended = [a.t for a in schedule(load, 3, build_shape(load)) if a.journey == "crm_edits"]
    d_int, crit_int = ks_exponential([b - a for a, b in itertools.pairwise([0.0, *intended])])

    print(f"{'rate/s':>7} {'offered':>8} {'achieved':>9} {'ratio':>7}   journey latency from "
          f"intended start p50 / p99 (ms)   target ratio 0.97 .. 1.03")
    for rate, offered, achieved, p50, p99 in rows:
        ratio = achieved / offered if offered else 0.0
        print(f"{rate:>7} {offered:>8} {achieved:>9} {ratio:>7.3f}   {p50:8.2f} / {p99:8.2f}")
    print(f"KS, actual start times of {len(starts)} guest checkouts at 50/s: D = {d_start:.4f}"
          f" vs critical {crit_start:.4f} -> {'pass' if d_start < crit_start else 'FAIL'}")
    print(f"KS, intended times of {len(intended)} arrivals at 1,000/s:     D = {d_int:.4f}"
          f" vs critical {crit_int:.4f} -> {'pass' if d_int < crit_int else 'FAIL'}")


if __name__ == "__main__":
    main()
