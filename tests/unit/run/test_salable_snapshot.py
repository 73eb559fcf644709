"""The real-store salable snapshot covers every SKU the load can order, read in bounded pages."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx

from peakready.run.export import orderable_skus
from peakready.run.witness import SALABLE_PAGE, StoreApi
from peakready.seeding.profiles import generate_catalog


def test_orderable_skus_are_the_whole_catalogue_and_the_flash_skus() -> None:
    catalog = generate_catalog("small", 42)
    estate: Any = SimpleNamespace(catalog=catalog, flash_skus=list(catalog.hot_skus[:2]))
    skus = orderable_skus(estate)
    assert skus == [p.sku for p in catalog.products]      # flash SKUs are catalogue SKUs
    assert len(skus) > 10 and set(catalog.hot_skus[:2]) <= set(skus)


def test_salable_reads_every_sku_in_bounded_pages_and_leaves_unknown_ones_out() -> None:
    known = {f"PR-{n:06d}": float(n % 7) for n in range(130)}
    state = {"in_flight": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t0ken"
        sku = request.url.path.split("/")[-2]
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        await asyncio.sleep(0)
        state["in_flight"] -= 1
        if sku not in known:
            return httpx.Response(404, json={"message": "The product that was requested "
                                             "doesn't exist."})
        return httpx.Response(200, json=known[sku])

    async def read() -> dict[str, float]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            store = StoreApi(http, "http://127.0.0.1:9", "t0ken")
            return await store.salable([*known, "NOT-A-SKU"])

    found = asyncio.run(read())
    assert found == known
    assert 1 < state["peak"] <= SALABLE_PAGE
