"""What empties the full-page cache, as Magento does it (spec/magento-graphql.md §6).

* A product saved through the API (REST ``POST/PUT /V1/products``, async and bulk included):
  its tag ``cat_p_<id>`` and its categories' ``cat_c_p_<id>`` are cleaned after every save,
  changed or not (MSI's InventoryCache plugin on ``ProductRepository::save``, REST area).
* Stock (MSI source items, the legacy stock item): with the inventory indexer on "Update by
  Schedule" (``indexer_mode: schedule``, the production setting and the default) only products
  whose salability flipped are cleaned, with their categories; on "Update on Save"
  (``indexer_mode: save``) every product of the batch is.
* ``flush``: ``cache:flush`` / Admin "Flush Magento Cache" empties everything.

A cleaned ``cat_p_<id>`` purges every page and GraphQL answer that listed the product, since
listings carry the ``cat_p_<id>`` of every item shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..storefront_catalog import category_tree, link_ids

if TYPE_CHECKING:
    from ..catalog import Product
    from ..state import Store

__all__ = ["flush", "product_saved", "product_tags", "salability", "stock_saved"]


def product_tags(store: Store, product_id: int) -> list[str]:
    categories = category_tree(store).categories_of(product_id)
    return [f"cat_p_{product_id}", *(f"cat_c_p_{c}" for c in categories)]


def product_saved(store: Store, product: Product, cause: str = "product_save") -> None:
    # An empty cache has nothing to purge: no category lookup (seeding saves thousands).
    tags = product_tags(store, product.id) if store.page_cache.entries else []
    tree = store.category_tree
    if tree is not None and tree.links.get(product.id) != link_ids(product):
        store.catalog_changes += 1                 # its categories changed: rebuild the view
        if store.page_cache.entries:
            tags += product_tags(store, product.id)   # and purge the new ones too
    store.page_cache.clean(tags, cause)


def salability(store: Store, skus: Iterable[str]) -> dict[str, bool]:
    """Before a stock write: each SKU's salability, to compare with after it."""
    return {sku: store.inventory.is_in_stock(sku) for sku in skus}


def stock_saved(store: Store, before: dict[str, bool], cause: str = "stock_save") -> None:
    every = store.cfg.indexer_mode == "save"
    tags: list[str] = []
    for sku, was in before.items():
        product = store.catalog.get(sku)
        if product is not None and (every or store.inventory.is_in_stock(sku) != was):
            tags += product_tags(store, product.id)
    if tags:
        store.page_cache.clean(tags if store.page_cache.entries else [], cause)


def flush(store: Store, cause: str) -> int:
    return store.page_cache.flush(cause)
