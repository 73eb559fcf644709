"""The storefront's view of the catalog: categories, their URLs and products, stock status.

::

    category_tree(store) ──► CategoryTree   (rebuilt when the catalog changes size)
        root 2 "Default Category" (level 1) ─► one category per path prefix of the products'
        ``category_name`` ("Medical/Wear/Road" → Medical, Medical/Wear, Medical/Wear/Road),
        ids from 3 in path order; anchor categories (Magento's default): a category lists its
        own products and its descendants'
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

__all__ = ["ROOT_ID", "Category", "CategoryTree", "category_tree", "slug", "uid"]

ROOT_ID = 2


def uid(entity_id: int | str) -> str:
    """Magento's GraphQL uid: base64 of the id (``"Mw=="`` is 3)."""
    return base64.b64encode(str(entity_id).encode()).decode()


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


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
    size: int

    def categories_of(self, product_id: int) -> tuple[int, ...]:
        return self.of_product.get(product_id, ())


def _build(store: Store) -> CategoryTree:
    root = Category(ROOT_ID, "Default Category", "", 1, 1, 0)
    by_id = {ROOT_ID: root}
    by_path: dict[str, Category] = {}
    of_product: dict[int, tuple[int, ...]] = {}
    paths = sorted({str(p.custom.get("category_name") or "")
                    for p in store.catalog.products.values()} - {""})
    for path in paths:
        parent = root
        names = path.split("/")
        for depth in range(1, len(names) + 1):
            url_path = "/".join(slug(n) for n in names[:depth])
            found = by_path.get(url_path)
            if found is None:
                found = Category(ROOT_ID + 1 + len(by_path), names[depth - 1], url_path,
                                 depth + 1, parent.id, len(parent.children) + 1)
                by_path[url_path] = found
                by_id[found.id] = found
                parent.children.append(found.id)
            parent = found
    for product in store.catalog.products.values():
        path = str(product.custom.get("category_name") or "")
        if not path:
            continue
        names = path.split("/")
        chain = tuple(by_path["/".join(slug(n) for n in names[:d])].id
                      for d in range(len(names), 0, -1))
        of_product[product.id] = chain
        by_path["/".join(slug(n) for n in names)].own.append(product.id)
        for category_id in chain:
            by_id[category_id].products.append(product.id)
    return CategoryTree(by_id, by_path, of_product, len(store.catalog.products))


def category_tree(store: Store) -> CategoryTree:
    """The tree for ``store``'s catalog, cached on the store until its product count changes."""
    cached: CategoryTree | None = getattr(store, "_category_tree", None)
    if cached is None or cached.size != len(store.catalog.products):
        cached = _build(store)
        store._category_tree = cached  # type: ignore[attr-defined]
    return cached


def product_card(store: Store, product: Product) -> dict[str, Any]:
    """The listing fields a product card shows (a page or a GraphQL item renders them)."""
    return {"id": product.id, "sku": product.sku, "name": product.name,
            "price": product.price, "url_key": str(product.custom.get("url_key") or ""),
            "in_stock": store.inventory.is_in_stock(product.sku)}
