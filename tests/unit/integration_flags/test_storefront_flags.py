"""save_every_product and flush_cache_on_sync: one stock sync batch, in process, and what it
does to the full-page cache (the store's invalidation rules decide, not the integration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[3]
DEAD = "http://127.0.0.1:9"   # nothing listens: no ERP is needed to apply levels

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def REGISTRY(app: Any) -> Any:
    return __import__(type(app.integration).__module__.rsplit(".", 1)[0] + ".strategies",
                      fromlist=["REGISTRY"]).REGISTRY


def _app(tmp_path: Path, flags: list[str]) -> Any:
    simulator = load_content_module("mocks", "magento", REPO / "mocks")
    services = {n: DEAD for n in ("erp", "crm", "payment", "shipping")}
    return simulator.create_app(MockSettings(name="magento", data_dir=tmp_path, options={
        "profile": "tiny", "integration": {
            "profile": "good", "services": services, "flags": flags, "order_poll_interval": 0,
            "stock_poll_interval": 0, "customer_poll_interval": 0}}))


async def _warm(app: Any) -> list[str]:
    products = list(app.store.catalog.products.values())[:6]
    pages = ["/", *(f"/{p.custom['url_key']}.html" for p in products)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://magento.test") as client:
        for path in pages:
            assert (await client.get(path)).status_code == 200
    return pages


@pytest.mark.parametrize(("flags", "kept"), [([], 7), (["save_every_product"], 0),
                                             (["flush_cache_on_sync"], 0)])
async def test_one_sync_batch_of_one_unchanged_salability(tmp_path: Path, flags: list[str],
                                                          kept: int) -> None:
    app = _app(tmp_path, flags)
    await _warm(app)
    cache = app.store.page_cache
    assert len(cache.entries) == 7
    sku = next(iter(app.store.catalog.products))
    level = app.store.inventory.physical(sku) + 3         # in stock before and after
    sync = app.integration.stock_sync
    applied = await sync.apply([{"sku": sku, "qty": level}])
    assert applied == 1 and app.store.inventory.physical(sku) == level
    await REGISTRY(app).get("stock_write", sync.writer).after_cycle(sync)   # the cycle's end
    assert len(cache.entries) == kept
    causes = {c for row in cache.seconds() for c in row["causes"]}
    if "flush_cache_on_sync" in flags:
        assert cache.totals["flushes"] == 1
    if "save_every_product" in flags:
        assert "product_save" in causes
        assert cache.totals["cleans"] >= len(app.store.catalog.products)


async def test_save_every_product_keeps_the_stock_right(tmp_path: Path) -> None:
    app = _app(tmp_path, ["save_every_product"])
    skus = list(app.store.catalog.products)[:2]
    before = app.store.inventory.physical(skus[1])
    sync = app.integration.stock_sync
    await sync.apply([{"sku": skus[0], "qty": 0}])
    await REGISTRY(app).get("stock_write", sync.writer).after_cycle(sync)
    assert app.store.inventory.physical(skus[0]) == 0
    assert not app.store.inventory.is_in_stock(skus[0])
    assert app.store.inventory.physical(skus[1]) == before   # saved, stock untouched
