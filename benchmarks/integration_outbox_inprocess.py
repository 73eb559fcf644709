"""The outbox's own cost on place-order, without the exporter's HTTP work in the way.

``integration_outbox_overhead.py`` measures place-order over real sockets with the exporter
running in the simulator's process, so an export's CPU can land inside the next request's
service time. This script isolates the outbox write itself: two simulators in this process
(``integration: none`` and the good integration), driven through ``httpx.ASGITransport`` in
alternating rounds, with the good one's export dispatcher stopped after start-up: every order
still goes through the good place-order path and is written to the outbox, but no export
runs between requests. Prints place-order CPU time good / none (target <= 1.10); the in-process
client's cost is in both, so the ratio understates the difference a little.

    .venv/bin/python benchmarks/integration_outbox_inprocess.py [--orders 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[1]
ADDRESS = {"firstname": "Peak", "lastname": "Ready", "street": ["1 Main St"], "city": "Austin",
           "region": "Texas", "region_id": 57, "region_code": "TX", "postcode": "78701",
           "country_id": "US", "telephone": "5125550100"}
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens (and nothing is sent there)


def _options(good: bool) -> dict[str, Any]:
    if not good:
        return {"profile": "small"}
    return {"profile": "small",
            "integration": {"profile": "good", "order_poll_interval": 0,
                            "stock_poll_interval": 0, "customer_poll_interval": 0},
            "service": [f"{name}={CLOSED}" for name in ("erp", "crm", "payment", "shipping")]}


class Shop:
    def __init__(self, good: bool) -> None:
        self.good = good
        module = load_content_module("mocks", "magento", REPO / "mocks")
        self.app = module.create_app(MockSettings(name="magento", options=_options(good)))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                        base_url="http://sim")
        # Many SKUs in turn, so no round runs out of stock.
        self.skus = sorted(self.app.store.catalog.products)
        self.next_sku = 0
        self._lifespan: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._events: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def start(self) -> None:
        await self._lifespan.put({"type": "lifespan.startup"})
        asyncio.get_running_loop().create_task(self.app(
            {"type": "lifespan", "asgi": {"version": "3.0"}}, self._lifespan.get,
            self._events.put))
        await self._events.get()
        if self.good:
            await self.app.integration.exporter.stop()  # outbox writes go on; exports do not

    async def stop(self) -> None:
        await self._lifespan.put({"type": "lifespan.shutdown"})
        await self._events.get()
        await self.client.aclose()

    async def carts(self, n: int) -> list[str]:
        base = "/rest/V1/guest-carts"
        out = []
        for _ in range(n):
            masked = (await self.client.post(base)).json()
            sku = self.skus[self.next_sku % len(self.skus)]
            self.next_sku += 1
            await self.client.post(f"{base}/{masked}/items", json={"cartItem": {
                "sku": sku, "qty": 1, "quote_id": masked}})
            await self.client.post(f"{base}/{masked}/shipping-information", json={
                "addressInformation": {"shipping_address": ADDRESS, "billing_address": ADDRESS,
                                       "shipping_carrier_code": "flatrate",
                                       "shipping_method_code": "flatrate"}})
            out.append(masked)
        return out

    async def place_all(self, carts: list[str]) -> float:
        """CPU seconds per place-order (process time: other processes cannot inflate it)."""
        start = time.process_time()
        for masked in carts:
            response = await self.client.post(
                f"/rest/V1/guest-carts/{masked}/payment-information",
                json={"email": "bench@example.com", "paymentMethod": {"method": "checkmo"}})
            if response.status_code != 200:
                raise SystemExit(f"place-order failed: {response.status_code} {response.text}")
        return (time.process_time() - start) / len(carts)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    shops = {"none": Shop(good=False), "good": Shop(good=True)}
    for shop in shops.values():
        await shop.start()
    ratios = []
    try:
        for round_no in range(args.rounds):
            per: dict[str, float] = {}
            for name, shop in shops.items():
                carts = await shop.carts(args.orders)
                per[name] = await shop.place_all(carts)
            ratios.append(per["good"] / per["none"])
            print(f"round {round_no + 1}: none {per['none'] * 1e6:.0f} µs, "
                  f"good {per['good'] * 1e6:.0f} µs per place-order (client included)")
    finally:
        for shop in shops.values():
            await shop.stop()
    ratio = statistics.median(ratios)
    print(f"place-order CPU good / none: median {ratio:.3f}x over {args.rounds} rounds "
          f"(target <= 1.10x)")
    return 0 if ratio <= 1.10 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
