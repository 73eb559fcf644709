"""The drain waits on witnesses: orders placed in Magento against the ERP's own evidence, and
stock agreement, never an integration's admin endpoint (a user's connector has none).

The ERP is the real mock (in-process, ASGI); Magento's side is a stand-in that answers only
its admin evidence and fails the test on any other path.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from peakready.content import load_content_module
from peakready.mockkit import MockSettings
from peakready.run.witness import Witness

MOCKS_DIR = Path(__file__).resolve().parents[3] / "mocks"
STOCK = {"A": 100, "B": 5}
ADDRESS = {"firstname": "Ann", "lastname": "Lee", "street": ["1 Main St"], "city": "Austin",
           "region": "Texas", "postcode": "78701", "country_id": "US",
           "telephone": "5125550100"}


def _order(increment_id: str, **address: Any) -> dict[str, Any]:
    return {"increment_id": increment_id, "customer_email": "ann@example.com",
            "items": [{"sku": "A", "qty": 1, "price": 9.5}], "totals": {"grand_total": 9.5},
            "billing_address": ADDRESS, "shipping_address": {**ADDRESS, **address}}


@dataclass
class Store:
    """Magento's admin evidence as the simulator serves it: orders placed, source items."""

    orders: int = 0
    source: dict[str, float] = field(default_factory=lambda: dict(STOCK))
    asked: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url.path)
        assert request.url.path == "/__admin/evidence", f"not a witness: {request.url.path}"
        if request.url.params.get("kind") == "source_items":
            rows = [{"sku": s, "source_code": "default", "quantity": q}
                    for s, q in self.source.items()]
            return httpx.Response(200, json={"records": {"source_items": rows},
                                             "next_after": 0})
        return httpx.Response(200, json={"counts": {"orders": self.orders}, "summary": {}})


class Clock:
    """The ERP mock's clock, moved by the test (its shipments follow it)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Estate:
    token: str = "t"
    magento_direct: str = "http://magento"
    mocks: dict[str, str] = field(default_factory=lambda: {"erp": "http://erp"})
    embedded: bool = True


def test_the_drain_reads_placed_orders_against_the_erps_evidence(tmp_path: Path) -> None:
    clock = Clock()
    erp_app = load_content_module("mocks", "erp", MOCKS_DIR).create_app(MockSettings(
        "erp", seed=1, data_dir=tmp_path, options={"stock": STOCK, "movements_per_second": 0,
                                                   "pick_after": 1, "ship_after": 2,
                                                   "invoice_after": 3, "clock": clock,
                                                   "decrement_stock_on": "none"}))
    store = Store()
    http = httpx.AsyncClient(mounts={
        "http://erp": httpx.ASGITransport(app=erp_app),
        "http://magento": httpx.MockTransport(store.handle)})

    async def scenario() -> list[dict[str, Any]]:
        witness = Witness(Estate(), http, time.time())   # type: ignore[arg-type]
        await witness.start()
        samples = []
        store.orders = 4                                  # four orders placed in Magento
        for inc in ("1", "2"):
            assert (await http.post("http://erp/api/orders", json=_order(inc))).status_code \
                == 201
        refused = await http.post("http://erp/api/orders", json=_order("3", firstname="美咲"))
        assert refused.status_code == 422                 # refused for its data
        samples.append(await witness.sample("drain", None, stock=True))
        await http.post("http://erp/api/orders", json=_order("4"))
        samples.append(await witness.sample("drain", None, stock=True))   # not yet shipped
        clock.now += 2.5                                  # the ERP ships what it received
        samples.append(await witness.sample("drain", None, stock=True))
        store.source["B"] = 4                             # Magento's stock now disagrees
        samples.append(await witness.sample("drain", None, stock=True))
        await http.aclose()
        return samples

    waiting, unshipped, caught_up, diverged = asyncio.run(scenario())
    assert (waiting["erp_orders"], waiting["erp_refused"], waiting["erp_backlog"]) == (2, 1, 1)
    assert not Witness.drained(waiting)
    assert unshipped["erp_backlog"] == 0 and unshipped["erp_unshipped"] == 3
    assert not Witness.drained(unshipped)
    assert caught_up["erp_unshipped"] == 0 and caught_up["stock_divergent_skus"] == 0
    assert Witness.drained(caught_up)
    assert diverged["stock_divergent_skus"] == 1 and not Witness.drained(diverged)
    assert set(store.asked) == {"/__admin/evidence"}      # never /__admin/integration/...
