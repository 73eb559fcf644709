"""The simulator as a child process on a loopback socket, seeded from a fixture profile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
ADDRESS = {"region": "California", "region_id": 12, "country_id": "US",
           "street": ["1 Loop St"], "postcode": "95630", "city": "Folsom",
           "firstname": "Lo", "lastname": "Opback", "telephone": "5555550100"}


async def _checkout(client: httpx.AsyncClient, sku: str) -> httpx.Response:
    cart = (await client.post("/rest/V1/guest-carts")).json()
    r = await client.post(f"/rest/V1/guest-carts/{cart}/items",
                          json={"cartItem": {"sku": sku, "qty": 1, "quote_id": cart}})
    if r.status_code != 200:
        return r
    await client.post(f"/rest/V1/guest-carts/{cart}/shipping-information", json={
        "addressInformation": {"shipping_address": ADDRESS, "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}})
    return await client.post(f"/rest/V1/guest-carts/{cart}/payment-information", json={
        "email": "loop@example.com", "paymentMethod": {"method": "checkmo"}})


def test_cli_simulator_serves_a_seeded_store(simulator: Callable[..., str]) -> None:
    url = simulator("--profile", "tiny", "--seed", "3", "--inventory", "strict")

    async def scenario() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            health = await client.get("/__admin/health")
            products = (await client.get("/rest/V1/products?searchCriteria[pageSize]=500",
                                         headers=ADMIN)).json()
            evidence = (await client.get("/__admin/evidence")).json()
            hot = evidence["summary"]["hot_skus"][0]
            stock = await client.get(f"/rest/V1/inventory/get-product-salable-quantity/{hot}/1",
                                     headers=ADMIN)
            units = int(stock.json())
            results = await asyncio.gather(*(_checkout(client, hot) for _ in range(units + 5)))
            after = (await client.get(
                f"/rest/V1/inventory/get-product-salable-quantity/{hot}/1", headers=ADMIN)).json()
            return {"health": health.status_code, "products": products, "units": units,
                    "codes": [r.status_code for r in results], "after": after}

    seen = asyncio.run(scenario())
    assert seen["health"] == 200
    assert seen["products"]["total_count"] > 0
    assert seen["units"] > 0
    assert seen["codes"].count(200) == seen["units"]   # strict: never more than the stock
    assert set(seen["codes"]) <= {200, 400}
    assert seen["after"] == 0


def test_cli_rejects_unknown_profile(simulator: Callable[..., str]) -> None:
    try:
        simulator("--profile", "no-such-profile")
    except AssertionError as exc:
        assert "no-such-profile" in str(exc)
    else:  # pragma: no cover - the assertion above is the expected path
        raise AssertionError("the simulator started with a missing profile")
