"""Simulator evidence export: 100,000 orders paged through ``GET /__admin/evidence``.

Prints the time to walk ``?kind=orders&after=N&limit=L`` to the end (decoded by the client,
as the orchestrator's export does) against the 10 s budget of issue 14, and against the
baseline measured in the same run: the same orders in one response (what the unpaged
evidence used to be). In process (httpx.ASGITransport): the simulator's own cost, no sockets.

    .venv/bin/python benchmarks/magento_evidence_export.py [--orders 100000] [--limit 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 10.0


def _fill(app: Any, n: int) -> None:
    sim = sys.modules[type(app).__module__]
    orders_mod = sys.modules[sim.__name__ + ".orders"]
    store = app.store
    for i in range(1, n + 1):
        entity_id, increment_id = store.orders.allocate()
        item = orders_mod.OrderItem(i, entity_id, f"SKU-{i % 800}", "Thing", i % 800 + 1,
                                    "simple", 10.0, 1.0, "2026-12-03 09:00:00")
        store.orders.by_id[entity_id] = orders_mod.Order(
            entity_id, increment_id, i, "2026-12-03 09:00:00", "2026-12-03 09:00:00",
            f"shopper{i}@example.com", None, "Ann", "Lee", [item], {"city": "Austin"}, None,
            "checkmo", "flatrate_flatrate", 10.0, 5.0, 15.0)


async def _walk(client: httpx.AsyncClient, limit: int) -> tuple[int, int]:
    after, seen, pages = 0, 0, 0
    while True:
        r = await client.get("/__admin/evidence", params={"kind": "orders", "after": after,
                                                          "limit": limit})
        body = orjson.loads(r.content)
        seen += len(body["records"]["orders"])
        pages += 1
        if not body["truncated"]:
            return seen, pages
        after = body["next_after"]


async def main(orders: int, limit: int) -> None:
    sim = load_content_module("mocks", "magento", REPO / "mocks")
    app = sim.create_app(MockSettings(name="magento", options={"integration": "none"}))
    _fill(app, orders)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        started = time.perf_counter()
        one = await client.get("/__admin/evidence", params={"kind": "orders",
                                                            "limit": orders + 1})
        whole = len(orjson.loads(one.content)["records"]["orders"])
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        seen, pages = await _walk(client, limit)
        paged = time.perf_counter() - started
    assert seen == whole == orders, (seen, whole, orders)
    print(f"orders={orders} pages={pages} (limit {limit})")
    print(f"paged export: {paged:.2f} s; one response: {baseline:.2f} s")
    print(f"paged / budget ({BUDGET_S:.0f} s) = {paged / BUDGET_S:.3f}  (target <= 1.00)")
    print(f"paged / one response = {paged / baseline:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.limit))
