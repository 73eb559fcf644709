"""How the stock sync writes to Magento, and what it does to the full-page cache after.

::

    slot stock_write       source_items (good)  POST /V1/inventory/source-items, the SKUs
                                                that changed (MSI's own API: the cache loses
                                                only what changed salability)
                           product_save         the mistake: PUT /V1/products/{sku} with the
                                                stock item for the changed SKUs, then, once a
                                                cycle, a save of every catalogue product (a
                                                "full product sync"); each product save
                                                purges that product's pages and its listings
    slot cache_after_sync  none (good)
                           flush                the mistake: flush the whole full-page cache
                                                after each batch (Cache\\Manager::flush in a
                                                module; cache:flush from a cron script)

Both go through the simulator's own REST routes or store (in process), so the invalidation
rules are the store's (pages/invalidation.py), not the integration's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..catalog import save_product
from .strategies import REGISTRY

if TYPE_CHECKING:
    from .stock_sync import StockSync

__all__ = ["StockWriter"]


@dataclass(frozen=True)
class StockWriter:
    """``write`` a batch of changed source items; ``after_cycle`` once per sync cycle that
    applied something."""

    write: Callable[[StockSync, list[dict[str, Any]]], Awaitable[tuple[int, Any]]]
    after_cycle: Callable[[StockSync], Awaitable[None]]


async def _nothing(sync: StockSync) -> None:
    return None


async def _source_items(sync: StockSync, items: list[dict[str, Any]]) -> tuple[int, Any]:
    return await sync.magento.save_source_items(items)


async def _product_saves(sync: StockSync, items: list[dict[str, Any]]) -> tuple[int, Any]:
    """Each changed SKU as a product save carrying its stock item (REST, in process)."""
    for item in items:
        body = {"sku": item["sku"], "extension_attributes": {"stock_item": {
            "qty": item["quantity"], "is_in_stock": item["status"] == 1}}}
        code, answer = await sync.magento.call(
            "PUT", f"/V1/products/{quote(item['sku'], safe='')}", {"product": body})
        if code != 200:
            return code, answer
    return 200, None


async def _save_every_product(sync: StockSync) -> None:
    """The "full product sync": every catalogue product saved again, changed or not, through
    ProductRepository::save (``catalog.save_product``, the service contract a module calls),
    which purges each product's pages and its listings."""
    store = sync.magento.magento.store
    for sku, product in list(store.catalog.products.items()):
        save_product(store, {"sku": sku, "name": product.name, "price": product.price,
                             "status": product.status}, sku=sku)
        sync.counts["full_product_saves"] += 1


REGISTRY.register("stock_write", "source_items")(StockWriter(_source_items, _nothing))
REGISTRY.register("stock_write", "product_save")(StockWriter(_product_saves,
                                                             _save_every_product))


@REGISTRY.register("cache_after_sync", "none")
async def keep_cache(sync: StockSync) -> None:
    return None


@REGISTRY.register("cache_after_sync", "flush")
async def flush_cache(sync: StockSync) -> None:
    sync.magento.magento.store.page_cache.flush("integration: flush after stock sync")
