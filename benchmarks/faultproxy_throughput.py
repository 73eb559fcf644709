"""Fault proxy throughput: HTTP keep-alive requests/s through the proxy (no toxics) vs direct.

Upstream, proxy and this client each run in their own process on 127.0.0.1; the same client
drives both paths in alternating short rounds, and the figure is the median of the ratios of
adjacent (direct, proxied) pairs, so a burst of load from elsewhere on the machine skews one
pair rather than the result.
Two upstreams: ``raw`` (a minimal asyncio HTTP responder: the harshest case, the proxy's cost
is as large as the server's) and ``uvicorn`` (uvicorn + h11, like peakready's mocks).

    .venv/bin/python benchmarks/faultproxy_throughput.py [--seconds 2] [--rounds 5]
        [--connections 16] [--upstream raw,uvicorn]

Prints ``ratio proxied/direct`` per upstream (target >= 0.50).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fpbench.children import child, proxy_to
from fpbench.load import run_load


def _rate(port: int, seconds: float, connections: int) -> float:
    load, elapsed = uvloop.run(run_load(port, connections=connections, seconds=seconds))
    return load.done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--upstream", default="raw,uvicorn")
    args = parser.parse_args()
    for kind in args.upstream.split(","):
        with child(f"http-{kind}") as server, proxy_to(server.port) as proxy:
            _rate(server.port, 0.5, args.connections)  # warm both paths up
            _rate(proxy.port, 0.5, args.connections)
            direct, proxied = [], []
            for _ in range(args.rounds):
                direct.append(_rate(server.port, args.seconds, args.connections))
                proxied.append(_rate(proxy.port, args.seconds, args.connections))
        ratio = statistics.median(p / d for d, p in zip(direct, proxied, strict=True))
        print(f"upstream={kind:8s} connections={args.connections} "
              f"direct={statistics.median(direct):,.0f} req/s  "
              f"proxied={statistics.median(proxied):,.0f} req/s  "
              f"ratio proxied/direct={ratio:.2f}  (median of {args.rounds} pairs; "
              f"target >= 0.50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
