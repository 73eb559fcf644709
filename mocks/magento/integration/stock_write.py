"""How the stock sync writes to Magento, and what it does to the full-page cache after.

::

    slot stock_write       source_items (good)  POST /V1/inventory/source-items, the SKUs
                                                that changed (MSI's own API: the cache loses
                                                only what changed salability)
                           product_save         the mistake: PUT /V1/products/{sku} with the
                                                stock item for the changed SKUs, and a full
                                                save of every other catalogue product (a
                                                "full product sync"); each API product save
                                                purges that product's pages and its listings
    slot cache_after_sync  none (good)
                           flush                the mistake: flush the whole full-page cache
                                                after each batch (Cache\\Manager::flush in a
                                                module; cache:flush from a cron script)

Both go through the simulator's own REST routes or store (in process), so the invalidation
rules are the store's (pages/invalidation.py), not the integration's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .strategies import REGISTRY

if TYPE_CHECKING:
    from .stock_sync import StockSync

__all__: list[str] = []


@REGISTRY.register("stock_write", "source_items")
async def write_source_items(sync: StockSync, items: list[dict[str, Any]]) -> tuple[int, Any]:
    return await sync.magento.save_source_items(items)


@REGISTRY.register("stock_write", "product_save")
async def write_product_saves(sync: StockSync, items: list[dict[str, Any]]) -> tuple[int, Any]:
    store = sync.magento.magento.store
    changed = {item["sku"]: item for item in items}
    for sku, product in list(store.catalog.products.items()):
        body: dict[str, Any] = {"sku": sku, "name": product.name, "price": product.price,
                                "status": product.status}
        item = changed.get(sku)
        if item is not None:
            body["extension_attributes"] = {"stock_item": {
                "qty": item["quantity"], "is_in_stock": item["status"] == 1}}
        code, answer = await sync.magento.call("PUT", f"/V1/products/{quote(sku, safe='')}",
                                               {"product": body})
        if code != 200 and item is not None:
            return code, answer
    return 200, None


@REGISTRY.register("cache_after_sync", "none")
async def keep_cache(sync: StockSync) -> None:
    return None


@REGISTRY.register("cache_after_sync", "flush")
async def flush_cache(sync: StockSync) -> None:
    sync.magento.magento.store.page_cache.flush("integration: flush after stock sync")
