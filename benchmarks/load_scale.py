"""Scale on Locust's master/workers: max arrival rate with 1 and 2 local workers, master CPU.

A one-request journey (``crm_edits``, the cheap raw-protocol target standing in for the CRM)
is offered at a ladder of rates (x1.5 per step) for ``--seconds`` each, then the step between
the last rate reached and the first missed is bisected ``--bisect`` times; a rate is *reached*
when the requests completed inside the window are >= 97 % of the offered arrivals and <= 1 %
were dropped. The 1-worker and 2-worker searches alternate for ``--rounds`` rounds (a shared
host's speed drifts between runs); prints the highest rate reached with 1 worker and with 2 in
each round and the median ratio (target >= 1.8), and the master's CPU (% of one core, steady
window) while 2 workers carry 1,000 arrivals/s (target < 25 %). Nothing is pinned: the target,
the master and the workers share the machine's cores, so the target is as cheap as a Python
server gets (canned answers on uvloop).

    .venv/bin/python benchmarks/load_scale.py [--seconds 6] [--start 1000] [--bisect 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _load_common import RunFiles, bare_server, run_plan, stop

CRM_REQUEST = "PUT /api/contacts/[email]/preferences"


def plan(rate: float, seconds: int) -> dict[str, Any]:
    return {"seed": 9, "target": {"simulator": {"profile": "tiny"}},
            "load": {"duration": seconds, "orders_per_minute": 0.06,
                     "mix": {"guest_checkout": 1}, "arrivals": "uniform",
                     "max_concurrency": 2000,
                     "sync": {"crm_upserts_per_minute": rate * 60}}}


def reached(run: RunFiles, seconds: int) -> tuple[bool, float, int]:
    arrivals = [x for x in run.lines("arrivals.jsonl") if x["journey"] == "crm_edits"]
    offered = sum(x["offered"] for x in arrivals if x["t"] < seconds)
    dropped = sum(x["dropped"] for x in arrivals)
    done = sum(x["count"] for x in run.lines("latency.jsonl")
               if x["kind"] == "request" and x["name"] == CRM_REQUEST and x["t"] < seconds)
    ratio = done / offered if offered else 0.0
    return ratio >= 0.97 and dropped <= 0.01 * max(offered, 1), ratio, dropped


def max_rate(url: str, workers: int, args: argparse.Namespace, tmp: Path) -> float:
    runs = iter(range(10_000))

    def attempt(rate: float) -> bool:
        run = run_plan(plan(rate, args.seconds), tmp / f"w{workers}-{next(runs)}", url,
                       crm_url=url, workers=workers)
        ok, ratio, dropped = reached(run, args.seconds)
        print(f"  {workers} worker(s) at {rate:7.0f}/s: completed/offered {ratio:.3f}, "
              f"dropped {dropped} -> {'reached' if ok else 'not reached'}", flush=True)
        return ok

    best, missed = 0.0, float(args.start)
    for _ in range(args.steps):
        if not attempt(missed):
            break
        best, missed = missed, missed * 1.5
    else:
        return best
    for _ in range(args.bisect):
        middle = (best + missed) / 2
        if attempt(middle):
            best = middle
        else:
            missed = middle
    return best


def master_cpu(url: str, args: argparse.Namespace, tmp: Path) -> float:
    run = run_plan(plan(1000, max(args.seconds, 8)), tmp / "cpu", url, crm_url=url, workers=2)
    t0 = run.t0()
    window = [s for s in run.cpu_samples if t0 + 1 <= s[0] <= t0 + max(args.seconds, 8) - 1]
    if len(window) < 2:
        return 0.0
    return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--start", type=float, default=1000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--bisect", type=int, default=3,
                        help="halvings of the step between the last rate reached and the first "
                             "missed")
    parser.add_argument("--rounds", type=int, default=2,
                        help="1-worker and 2-worker searches, alternated (a shared host's speed "
                             "drifts between runs; each round's ratio is printed)")
    args = parser.parse_args()
    server, url = bare_server(raw=True)
    rounds: list[tuple[float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for index in range(args.rounds):
                folder = Path(tmp) / f"round{index}"
                one = max_rate(url, 1, args, folder)
                two = max_rate(url, 2, args, folder)
                rounds.append((one, two))
                print(f"round {index + 1}: 1 worker {one:7.0f}/s, 2 workers {two:7.0f}/s, "
                      f"ratio {two / one if one else 0:.2f}", flush=True)
            cpu = master_cpu(url, args, Path(tmp))
    finally:
        stop([server])
    ratios = sorted(two / one for one, two in rounds if one)
    print(f"cores: {os.cpu_count()}")
    print(f"max arrival rate, 1 worker : {', '.join(f'{one:.0f}/s' for one, _ in rounds)}")
    print(f"max arrival rate, 2 workers: {', '.join(f'{two:.0f}/s' for _, two in rounds)}")
    print(f"ratio 2 workers / 1, median of {len(ratios)} round(s): "
          f"{statistics.median(ratios) if ratios else 0:.2f}   (target >= 1.8; rounds "
          f"{', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"master CPU at 1,000 arrivals/s (2 workers): {cpu:.1f} % of one core "
          f"(target < 25 %)")


if __name__ == "__main__":
    main()
