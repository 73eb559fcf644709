"""The seeder against the real Magento simulator (mocks/magento), in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings
from peakready.seeding import generate_catalog
from peakready.seeding.cli import SIMULATOR_TOKEN_DEFAULT
from peakready.seeding.store_seeder import SeedSummary, StoreSeeder

REPO = Path(__file__).resolve().parents[3]


def test_seeding_the_simulator_agrees_with_the_fixture() -> None:
    simulator = load_content_module("mocks", "magento", REPO / "mocks")
    app = simulator.create_app(MockSettings(name="magento", fixtures_dir=REPO / "fixtures",
                                            options={"profile": "tiny"}))
    catalog = generate_catalog("tiny", seed=9, fixtures_dir=REPO / "fixtures")
    transport = httpx.ASGITransport(app=app)

    async def scenario() -> tuple[SeedSummary, dict[str, Any]]:
        seeder = StoreSeeder("http://127.0.0.1:8280", SIMULATOR_TOKEN_DEFAULT,
                             transport=transport)
        summary = await seeder.seed(catalog)
        headers = {"Authorization": f"Bearer {SIMULATOR_TOKEN_DEFAULT}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://sim",
                                     headers=headers) as client:
            sku = catalog.products[3].sku
            product = (await client.get(f"/rest/V1/products/{sku}")).json()
            salable = (await client.get(
                "/rest/V1/inventory/get-product-salable-quantity/PR-HOT-01/1")).json()
            found = (await client.get("/rest/V1/customers/search", params={
                "searchCriteria[filter_groups][0][filters][0][field]": "email",
                "searchCriteria[filter_groups][0][filters][0][value]": catalog.customers[0].email,
            })).json()
        return summary, {"product": product, "salable": salable, "found": found}

    summary, seen = asyncio.run(scenario())
    assert summary.failed == 0, summary.errors
    product = seen["product"]
    assert product["name"] == catalog.products[3].name
    assert product["price"] == catalog.products[3].price
    assert seen["salable"] == catalog.product("PR-HOT-01").qty
    found = seen["found"]
    assert found["total_count"] == 1
