"""Fault proxy latency: (b) added p50 at one connection with no toxics, and (c) accuracy of a
100 ms latency toxic under 200 concurrent keep-alive connections.

Upstream (a minimal asyncio HTTP responder), proxy and this client each run in their own
process on 127.0.0.1. Baselines are measured direct to the same upstream in the same run:
(b) interleaves direct and proxied rounds of sequential requests on one connection;
(c) compares with a direct run at the same pace (each connection waits 100 ms between
requests, the rate the toxic imposes).

    .venv/bin/python benchmarks/faultproxy_latency.py [--requests 3000] [--seconds 6]
        [--connections 200]

Prints the added p50 in µs (target <= 100 µs) and the added p50/p99 vs 100 ms (targets ±2 ms
and ±10 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fpbench.children import child, proxy_to
from fpbench.load import percentile, run_load

_TOXIC = {"name": "latency_downstream", "type": "latency", "stream": "downstream",
          "toxicity": 1.0, "attributes": {"latency": 100, "jitter": 0}}


def _p50_one_connection(port: int, requests: int) -> float:
    load, _ = uvloop.run(run_load(port, connections=1, requests=requests, record=True))
    return percentile(load.latencies, 0.50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--connections", type=int, default=200)
    args = parser.parse_args()

    with child("http-raw") as server:
        with proxy_to(server.port) as proxy:
            _p50_one_connection(server.port, 500)
            _p50_one_connection(proxy.port, 500)
            direct, proxied = [], []
            for _ in range(args.rounds):
                direct.append(_p50_one_connection(server.port, args.requests))
                proxied.append(_p50_one_connection(proxy.port, args.requests))
        d50, p50 = statistics.median(direct), statistics.median(proxied)
        print(f"(b) one connection, no toxics: direct p50={d50 * 1e6:.0f} µs  proxied p50="
              f"{p50 * 1e6:.0f} µs  added p50={(p50 - d50) * 1e6:.0f} µs  (target <= 100 µs)")

        base, _ = uvloop.run(run_load(server.port, connections=args.connections,
                                      seconds=args.seconds, record=True, think=0.100))
        with proxy_to(server.port, _TOXIC) as proxy:
            toxic, elapsed = uvloop.run(run_load(proxy.port, connections=args.connections,
                                                 seconds=args.seconds, record=True))
        b50, b99 = percentile(base.latencies, 0.50), percentile(base.latencies, 0.99)
        t50, t99 = percentile(toxic.latencies, 0.50), percentile(toxic.latencies, 0.99)
        added50, added99 = (t50 - b50) * 1e3, (t99 - b99) * 1e3
        print(f"(c) latency 100 ms, {args.connections} connections, "
              f"{toxic.done / elapsed:,.0f} req/s: direct p50={b50 * 1e3:.2f} ms "
              f"p99={b99 * 1e3:.2f} ms; through toxic p50={t50 * 1e3:.2f} ms "
              f"p99={t99 * 1e3:.2f} ms")
        print(f"    added p50={added50:.2f} ms (off by {added50 - 100:+.2f}, target ±2)  "
              f"added p99={added99:.2f} ms (off by {added99 - 100:+.2f}, target ±10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
