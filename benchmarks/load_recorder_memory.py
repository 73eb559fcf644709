"""Recorder memory: RSS after 1,000,000 recorded checkouts vs after 10,000 (target: < 30 MB more).

The worker half (Recorder) and the master half (Sink) in one process, as a ``workers: 0`` run
has them: every checkout attempt is a checkouts.jsonl line, its journey latency and its six
requests go into the per-second HDR histograms, arrivals are counted; the clock advances a
second every ``--per-second`` checkouts, and each second is drained, shipped (msgpack round
trip, as Locust's messages carry it) and flushed to disk, as the plugin does.

    .venv/bin/python benchmarks/load_recorder_memory.py [--checkouts 1000000] [--per-second 1000]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import msgpack
import psutil
from _load_common import REPO  # noqa: F401  (puts src/ on the path)

from peakready.scenario.recorder import Recorder
from peakready.scenario.sink import Sink

REQUESTS = ("POST /V1/guest-carts", "POST /V1/guest-carts/[id]/items",
            "POST /V1/guest-carts/[id]/estimate-shipping-methods",
            "POST /V1/guest-carts/[id]/shipping-information",
            "POST /V1/guest-carts/[id]/payment-information", "GET /V1/orders/[id]?fields")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rss_mb() -> float:
    gc.collect()
    return float(psutil.Process().memory_info().rss) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=1_000_000)
    parser.add_argument("--per-second", type=int, default=1000)
    args = parser.parse_args()
    t0 = 1_796_300_000.0
    clock = Clock(t0)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder(t0, "worker-1", clock)
        sink = Sink(Path(tmp), t0, ["worker-1"])
        marks: dict[int, float] = {}
        for n in range(1, args.checkouts + 1):
            t = clock.now - t0
            recorder.offered("guest_checkout", t)
            recorder.started("guest_checkout", t)
            latency = 50.0 + (n % 997)
            for i, name in enumerate(REQUESTS):
                recorder.request_done(name, 5.0 + (n * (i + 1)) % 113, True, clock.now)
            recorder.journey_done("guest_checkout", latency, n % 50 != 0, clock.now)
            recorder.checkout({
                "journey": "guest_checkout", "intended_ts": clock.now, "start_ts": clock.now,
                "end_ts": clock.now + latency / 1000, "latency_ms": latency, "ok": True,
                "status": 200, "error": None, "step": None,
                "cart_id": f"{n:032x}", "quote_id": n, "order_id": n,
                "increment_id": f"{n:09d}", "customer_email": f"guest.0.{n:06d}@example.com",
                "items": [{"sku": f"PR-{n % 800:06d}", "qty": 1}], "edge_case": False,
                "flash_sale": False, "worker": "worker-1"})
            if n % args.per_second == 0:
                clock.now += 1.0
                recorder.decided = clock.now - t0
                batch = msgpack.unpackb(msgpack.packb(recorder.drain()), raw=False)
                sink.add(batch)
                sink.flush()
            if n in (10_000, args.checkouts):
                marks[n] = rss_mb()
        sink.close()
        lines = sum(1 for _ in (Path(tmp) / "checkouts.jsonl").open())
    elapsed = time.perf_counter() - started
    small, large = marks[10_000], marks[args.checkouts]
    print(f"RSS after {10_000:>9,} checkouts: {small:7.1f} MB")
    print(f"RSS after {args.checkouts:>9,} checkouts: {large:7.1f} MB   "
          f"({lines:,} lines written, {args.checkouts / elapsed:,.0f} checkouts/s recorded)")
    print(f"growth: {large - small:+.1f} MB   (target < 30 MB)")


if __name__ == "__main__":
    main()
