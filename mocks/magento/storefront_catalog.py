"""The storefront's view of the catalog: categories, their URLs and products, stock status.

::

    category_tree(store) ──► CategoryTree   (rebuilt when products, categories or links change)
        the active categories under Default Category (2) of ``store.categories``, each with
        its URL path (the url_keys from the top level down: "harbor/olive") and, as anchor
        categories do (Magento's default), its own products (``Product.category_links``)
        and its descendants'
    product_card(store, product) ──► what a listing shows (price, stock status, URL)

GraphQL (``graphql/``) and the HTML pages (``pages/``) both read it, so a category page and a
``products(filter:{category_uid})`` query list the same products, and the full-page cache tags
(``cat_c_<id>``, ``cat_p_<id>``) name the same ids.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import Product
    from .state import Store

__all__ = ["ROOT_ID", "Category", "CategoryTree", "category_tree", "link_ids", "product_card",
           "uid"]

ROOT_ID = 2   # Default Category, the store's root (categories.DEFAULT_ID)


def uid(entity_id: int | str) -> str:
    """Magento's GraphQL uid: base64 of the id (``"Mw=="`` is 3)."""
    return base64.b64encode(str(entity_id).encode()).decode()


@dataclass
class Category:
    id: int
    name: str
    url_path: str          # "medical/wear"
    level: int             # root 1, top level 2
    parent_id: int
    position: int
    children: list[int] = field(default_factory=list)
    own: list[int] = field(default_factory=list)        # product ids assigned here
    products: list[int] = field(default_factory=list)   # own + descendants' (anchor)


@dataclass
class CategoryTree:
    by_id: dict[int, Category]
    by_url_path: dict[str, Category]
    of_product: dict[int, tuple[int, ...]]   # product id → its category and the ancestors
    links: dict[int, tuple[str, ...]]        # product id → its category links as built
    size: tuple[int, int, int]      # what it was built from (_signature)

    def categories_of(self, product_id: int) -> tuple[int, ...]:
        return self.of_product.get(product_id, ())


def _build(store: Store) -> CategoryTree:
    source = store.categories.by_id
    kids: dict[int, list[Any]] = {}
    for category in source.values():
        kids.setdefault(category.parent_id, []).append(category)
    by_id: dict[int, Category] = {}
    by_path: dict[str, Category] = {}

    def visit(node: Any, url_path: str) -> None:
        view = Category(node.id, node.name, url_path, node.level, node.parent_id,
                        node.position)
        by_id[node.id] = view
        if url_path:
            by_path[url_path] = view
        for child in sorted(kids.get(node.id, ()), key=lambda c: (c.position, c.id)):
            if not child.is_active:
                continue
            key = str(child.custom.get("url_key") or child.id)
            view.children.append(child.id)
            visit(child, f"{url_path}/{key}" if url_path else key)

    visit(source[ROOT_ID], "")
    of_product: dict[int, tuple[int, ...]] = {}
    links: dict[int, tuple[str, ...]] = {}
    for product in store.catalog.products.values():
        links[product.id] = link_ids(product)
        chain: list[int] = []
        for link in product.category_links:
            try:
                linked = int(str(link.get("category_id")))
            except (TypeError, ValueError):
                continue
            if linked not in by_id:
                continue
            by_id[linked].own.append(product.id)
            node = linked
            while node != ROOT_ID and node in by_id and node not in chain:
                chain.append(node)
                node = by_id[node].parent_id
        of_product[product.id] = tuple(chain)
        for category_id in chain:
            by_id[category_id].products.append(product.id)
    by_id[ROOT_ID].products.extend(p.id for p in store.catalog.products.values()
                                   if of_product.get(p.id))
    return CategoryTree(by_id, by_path, of_product, links, _signature(store))


def link_ids(product: Product) -> tuple[str, ...]:
    return tuple(str(link.get("category_id")) for link in product.category_links)


def _signature(store: Store) -> tuple[int, int, int]:
    return len(store.catalog.products), len(store.categories.by_id), store.catalog_changes


def category_tree(store: Store) -> CategoryTree:
    """The tree for ``store``'s catalog, cached on the store until its product count changes."""
    cached: CategoryTree | None = store.category_tree
    if cached is None or cached.size != _signature(store):
        cached = store.category_tree = _build(store)
    return cached


def product_card(store: Store, product: Product) -> dict[str, Any]:
    """The listing fields a product card shows (a page or a GraphQL item renders them)."""
    return {"id": product.id, "sku": product.sku, "name": product.name,
            "price": product.price, "url_key": str(product.custom.get("url_key") or ""),
            "in_stock": store.inventory.is_in_stock(product.sku)}
