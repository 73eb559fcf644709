"""What the outbox costs place-order (issue 5, Figures: target <= 10 %), capacity model off.

Two simulators run side by side in this run: ``integration: none`` (the baseline) and the
good integration exporting every order to the ERP through the fault proxy. Batches of guest
carts are prepared untimed, then placed one at a time, alternating between the two
simulators round by round so drift on a shared machine hits both alike.

Two measures: service time inside the simulator (its journal's per-request duration, from
the request's arrival in the app to the response sent; the figure) and latency at the client.

* paced: a pause (``--think``, default 30 ms, i.e. 2,000 orders/min) after
  each order, so the request's own service time is measured - the outbox write - and not
  the queueing behind the previous order's export;
* back to back (for information): no pause, so the export of order N (an HTTP call from the
  same process, like a consumer sharing the PHP host) competes with order N+1.

``.venv/bin/python benchmarks/integration_outbox_overhead.py [--rounds 6 --batch 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from contextlib import ExitStack

import httpx
from _integration_common import cart, client, estate, metrics, pct, place


def service_times(sim_url: str, n: int) -> list[float]:
    """Server-side durations of the last ``n`` place-order requests, from the journal."""
    r = httpx.get(f"{sim_url}/__admin/journal", params={"recent": 1000}, trust_env=False,
                  timeout=30)
    rows = [e for e in r.raise_for_status().json()["recent"]
            if e["method"] == "POST" and e["route"].endswith("/payment-information")]
    return [e["duration_ms"] / 1e3 for e in rows[-n:]]


async def batch(sim_url: str, skus: list[str], n: int, offset: int,
                think: float) -> tuple[list[float], list[float]]:
    async with client() as http:
        carts = [await cart(http, sim_url, skus[(offset + i) % len(skus)]) for i in range(n)]
        times = []
        for masked in carts:
            status, elapsed = await place(http, sim_url, masked)
            if status == 200:
                times.append(elapsed)
            if think:
                await asyncio.sleep(think)
        await asyncio.sleep(0.2)  # let the exports of this batch finish before the next
        return times, service_times(sim_url, len(carts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.03, help="pause between orders, s")
    args = parser.parse_args()
    with ExitStack() as stack:
        none = stack.enter_context(estate(None, seed=2))
        good = stack.enter_context(estate({}, seed=2))
        # warm-up: connections, caches, first-order code paths
        asyncio.run(batch(none.sim_url, none.skus, 20, 0, 0.0))
        asyncio.run(batch(good.sim_url, good.skus, 20, 0, 0.0))
        started = time.monotonic()
        offset = args.batch
        for label, think in (("paced", args.think), ("back to back", 0.0)):
            latency: dict[str, list[float]] = {"none": [], "good": []}
            service: dict[str, list[float]] = {"none": [], "good": []}
            for r in range(args.rounds):
                order = [("none", none), ("good", good)] if r % 2 == 0 else [
                    ("good", good), ("none", none)]
                for name, e in order:
                    lat, svc = asyncio.run(batch(e.sim_url, e.skus, args.batch, offset, think))
                    latency[name] += lat
                    service[name] += svc
                    offset += args.batch
            print(f"-- {label} (pause {think * 1e3:.0f} ms between orders)")
            _report("service time (journal)", service, bool(think))
            _report("client latency", latency, False)
        exported = metrics(good.sim_url)["export"]
    print(f"good exported {exported['exported']} orders (backlog {exported['backlog']}, "
          f"dead {exported['dead_letters']}) in {time.monotonic() - started:.1f} s")


def _report(label: str, results: dict[str, list[float]], figure: bool) -> None:
    for name, times in results.items():
        print(f"  {label} {name:>4}: {len(times)} orders, mean "
              f"{statistics.mean(times) * 1e3:.3f} ms, median "
              f"{statistics.median(times) * 1e3:.3f} ms, p95 {pct(times, 0.95) * 1e3:.3f} ms")
    mean_ratio = statistics.mean(results["good"]) / statistics.mean(results["none"])
    median_ratio = statistics.median(results["good"]) / statistics.median(results["none"])
    target = " (target <= 1.10x)" if figure else ""
    print(f"  {label} good / none: mean {mean_ratio:.3f}x, median {median_ratio:.3f}x"
          f"{target}")


if __name__ == "__main__":
    main()
