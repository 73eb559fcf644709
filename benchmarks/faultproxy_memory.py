"""Fault proxy memory: RSS of the proxy process after 1,000,000 proxied requests vs after 10,000.

Upstream (a minimal asyncio HTTP responder), proxy and this client each run in their own
process on 127.0.0.1. The client keeps 16 keep-alive connections busy and replaces each one
after 1,000 requests, so both per-request and per-connection leaks would show. ``--toxic``
runs the same load through a toxic chain on both directions (``noop``, or ``latency`` with
0 ms) to cover the chain path as well.

    .venv/bin/python benchmarks/faultproxy_memory.py [--requests 1000000]
        [--toxic none|noop|latency]

Prints the RSS after the warm-up and at each quarter, and the growth (target <= 50 MB).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fpbench.children import child, proxy_to
from fpbench.load import run_load

_WARMUP = 10_000


def _toxics(kind: str) -> list[dict[str, object]]:
    if kind == "none":
        return []
    attributes = {"latency": 0, "jitter": 0} if kind == "latency" else {}
    return [{"name": f"{kind}_{stream}", "type": kind, "stream": stream, "toxicity": 1.0,
             "attributes": attributes} for stream in ("upstream", "downstream")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--per-connection", type=int, default=1000)
    parser.add_argument("--toxic", choices=("none", "noop", "latency"), default="none")
    args = parser.parse_args()
    total = max(args.requests, _WARMUP * 2)

    with child("http-raw") as server, proxy_to(server.port, *_toxics(args.toxic)) as proxy:
        def drive(requests: int) -> float:
            load, elapsed = uvloop.run(run_load(proxy.port, connections=args.connections,
                                                requests=requests,
                                                per_connection=args.per_connection))
            return load.done / elapsed

        start = time.perf_counter()
        drive(_WARMUP)
        baseline = proxy.rss_mb()
        print(f"toxic={args.toxic}: RSS after {_WARMUP:,} requests: {baseline:.1f} MB")
        done = _WARMUP
        for quarter in range(1, 5):
            target = _WARMUP + (total - _WARMUP) * quarter // 4
            rate = drive(target - done)
            done = target
            print(f"  after {done:,} requests: {proxy.rss_mb():.1f} MB  ({rate:,.0f} req/s)")
        final = proxy.rss_mb()
        print(f"RSS growth {_WARMUP:,} → {done:,} requests: {final - baseline:+.1f} MB "
              f"(target <= 50 MB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
