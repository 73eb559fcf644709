"""The good integration at 1,000 orders/min with the ERP down for 60 s (issue 5, Figures).

Guest checkouts arrive as a seeded Poisson stream; at ``--pre`` seconds the fault proxy
disables ``erp`` (orders keep being placed, exports fail and back off), at ``--pre +
--outage`` it is enabled again. Arrivals continue while the backlog drains. Printed:

* drain rate after recovery as a multiple of the arrival rate (target >= 5x): orders exported
  between recovery and "drained" (backlog below one second of arrivals) / drain time;
* drain time, export lag p50/p95/max over every order;
* exactly-once: orders in the ERP vs orders placed, duplicates.

``.venv/bin/python benchmarks/integration_drain.py`` (about 100 s);
``--outage 10 --pre 5`` for a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

from _integration_common import cart, client, erp_summary, estate, metrics, place


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rate = args.rate / 60.0
    rng = random.Random(args.seed)
    with estate({}, seed=args.seed) as e:  # the good profile with its default settings
        t0 = time.monotonic()
        down_at, up_at = t0 + args.pre, t0 + args.pre + args.outage
        placed: list[int] = []
        failed: list[int] = []
        samples: list[tuple[float, int, int]] = []   # (t, backlog, exported)
        state = {"down": False, "up": False, "stop": False}
        tasks: set[asyncio.Task[None]] = set()

        async def order(n: int, http: Any) -> None:
            try:
                masked = await cart(http, e.sim_url, e.skus[n % len(e.skus)])
                status, _ = await place(http, e.sim_url, masked)
            except Exception:
                status = -1
            (placed if status == 200 else failed).append(n)

        async def arrivals(http: Any) -> None:
            n = 0
            next_at = time.monotonic()
            while not state["stop"]:
                next_at += rng.expovariate(rate)
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                task = asyncio.create_task(order(n, http))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1

        async def timeline() -> None:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(0.0, down_at - time.monotonic()))
            await loop.run_in_executor(None, e.fp.disable, "erp")
            state["down"] = True
            await asyncio.sleep(max(0.0, up_at - time.monotonic()))
            await loop.run_in_executor(None, e.fp.enable, "erp")
            state["up"] = True

        async def watch() -> None:
            loop = asyncio.get_running_loop()
            deadline = up_at + args.post_max
            while time.monotonic() < deadline:
                m = await loop.run_in_executor(None, metrics, e.sim_url)
                now = time.monotonic()
                samples.append((now, m["export"]["backlog"], m["export"]["exported"]))
                if state["up"] and now > up_at and m["export"]["backlog"] <= max(2, rate):
                    break
                await asyncio.sleep(0.1)
            state["stop"] = True

        async with client() as http:
            await asyncio.gather(arrivals(http), timeline(), watch())
            await asyncio.gather(*list(tasks))
        # let the tail of exports finish, then judge exactly-once
        for _ in range(120):
            final = metrics(e.sim_url)
            if final["export"]["backlog"] == 0:
                break
            await asyncio.sleep(0.25)
        summary = erp_summary(e.erp_url)
    before = [s for s in samples if s[0] <= up_at]
    after = [s for s in samples if s[0] > up_at]
    at_recovery = before[-1] if before else samples[0]
    drained = next((s for s in after if s[1] <= max(2, rate)), after[-1])
    drain_time = drained[0] - up_at
    exported = drained[2] - at_recovery[2]
    drain_rate = exported / drain_time if drain_time > 0 else float("nan")
    lag = final["export"]["export_lag_s"]
    return {"arrival_rate": rate, "placed": len(placed), "failed": len(failed),
            "backlog_at_recovery": at_recovery[1], "peak_backlog": max(s[1] for s in samples),
            "drain_time": drain_time, "drain_rate": drain_rate, "ratio": drain_rate / rate,
            "lag": lag, "erp": summary, "expedited": final["export"].get("expedited"),
            "dead": final["export"]["dead_letters"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="orders per minute")
    parser.add_argument("--outage", type=float, default=60.0, help="ERP down, seconds")
    parser.add_argument("--pre", type=float, default=10.0, help="seconds before the outage")
    parser.add_argument("--post-max", type=float, default=120.0, help="drain time limit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    r = asyncio.run(run(args))
    erp = r["erp"]
    print(f"arrivals: {r['arrival_rate']:.1f} orders/s ({args.rate:.0f}/min), "
          f"ERP down {args.outage:.0f} s after {args.pre:.0f} s")
    print(f"orders placed: {r['placed']} (failed placements: {r['failed']})")
    print(f"backlog at recovery: {r['backlog_at_recovery']} (peak {r['peak_backlog']}), "
          f"expedited at recovery: {r['expedited']}")
    print(f"drain time: {r['drain_time']:.2f} s; drain rate {r['drain_rate']:.1f} orders/s")
    print(f"drain rate / arrival rate = {r['ratio']:.1f}x (target >= 5x)")
    print(f"export lag: p50 {r['lag']['p50']} s, p95 {r['lag']['p95']} s, "
          f"max {r['lag']['max']:.2f} s over {r['lag']['count']} orders")
    print(f"ERP: {erp['orders']} orders, {erp['distinct_increment_ids']} distinct, "
          f"{erp['duplicate_order_count']} duplicates, {erp['replays']} keyed replays; "
          f"dead letters {r['dead']}; exactly once: "
          f"{erp['distinct_increment_ids'] == r['placed'] and erp['orders'] == r['placed']}")


if __name__ == "__main__":
    main()
