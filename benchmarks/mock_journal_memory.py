"""Journal memory stays flat: RSS growth over 1,000,000 requests through the full mock
middleware (request id, fault switch, journal) must stay under 50 MB.

Drives an ASGI app in-process (no sockets: a million requests over HTTP would take many
minutes on one core, and the sockets are not what is measured). Paths are all distinct
(``/api/items/<n>``, plus unknown paths and a fault rule hitting 10 %), so nothing is bounded
by the paths repeating. The baseline is the same loop over the bare app (no kit), run first
in the same process; RSS is read after a 20,000-request warm-up and at the end.
Usage: ``.venv/bin/python benchmarks/mock_journal_memory.py [--requests 1000000]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from typing import Any

import psutil
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import MockKit, MockSettings, Operation, json_response

LIMIT_MB = 50.0


def rss_mb() -> float:
    gc.collect()
    return float(psutil.Process().memory_info().rss) / 2**20


def build(data_dir: str) -> tuple[Any, Any]:
    kit = MockKit(MockSettings("bench", data_dir=data_dir), title="bench", ring_size=1000)

    async def item(request: Request) -> Response:
        return json_response({"sku": request.path_params["sku"]})

    kit.add(Operation("GET", "/api/items/{sku}", item, "an item"))
    kit.faults.replace(kit.faults.parse({"id": "flaky", "path": "/api/items/*",
                                         "status": 503, "rate": 0.1}))
    return kit, kit.build()


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def drive(app: Any, start: int, count: int) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    for n in range(start, start + count):
        path = f"/api/items/SKU-{n}" if n % 10 else f"/unknown/{n}"
        await app({"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                   "query_string": b"", "headers": [], "http_version": "1.1",
                   "scheme": "http", "server": ("bench", 80), "client": ("c", 1),
                   "root_path": ""}, receive, send)


def measure(app: Any, total: int, warmup: int) -> tuple[float, float]:
    asyncio.run(drive(app, 0, warmup))
    before = rss_mb()
    asyncio.run(drive(app, warmup, total))
    return before, rss_mb()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    base_before, base_after = measure(bare, args.requests, 20_000)
    with tempfile.TemporaryDirectory() as data:
        kit, app = build(data)
        before, after = measure(app, args.requests, 20_000)
        total = kit.journal.total
        faults = kit.journal.fault_count("flaky")
    growth = after - before
    base_growth = base_after - base_before
    print(f"{total:,} requests through the mock middleware ({faults:,} faulted): RSS "
          f"{before:.1f} -> {after:.1f} MB, growth {growth:.1f} MB (bare app loop: "
          f"{base_growth:.1f} MB) -> growth/limit ratio {growth / LIMIT_MB:.2f} "
          f"(target < 1.00, i.e. < {LIMIT_MB:.0f} MB) in {time.perf_counter() - started:.0f} s")
    return 0 if growth < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
