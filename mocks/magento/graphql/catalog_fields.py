"""Catalog queries: ``products``, ``categories``/``categoryList``, ``route``/``urlResolver``,
``storeConfig`` (spec/magento-graphql.md §5). Cacheable: each adds its tags to the answer.

``products``: ``search`` matches any word of the name; ``filter`` by sku, url_key, name, price,
category_id/category_uid/category_url_path; ``sort`` by name, price, position, relevance
(default: relevance with a search, position otherwise); paging checked as Magento checks it;
aggregations by price range and category. Only enabled products are listed.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..storefront_catalog import ROOT_ID, Category, category_tree, uid
from .errors import GraphQlError

if TYPE_CHECKING:
    from ..catalog import Product
    from ..state import Store
    from .context import Context

__all__ = ["QUERIES", "category_out", "product_out"]

Info = GraphQLResolveInfo[Any]

_CURRENCY = "USD"
_SUFFIX = ".html"


def _money(value: float) -> dict[str, Any]:
    return {"value": round(value, 4), "currency": _CURRENCY}


def _decode_uid(value: str) -> int | None:
    try:
        return int(base64.b64decode(value, validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def product_out(store: Store, product: Product) -> dict[str, Any]:
    price = _money(product.price)
    url_key = str(product.custom.get("url_key") or "")
    image = {"url": f"/media/catalog/product/{url_key}.jpg", "label": product.name,
             "position": 1, "disabled": False}
    in_stock = store.inventory.is_in_stock(product.sku)
    amount = {"regular_price": price, "final_price": price,
              "discount": {"amount_off": 0.0, "percent_off": 0.0}}
    return {
        "__typename": "VirtualProduct" if product.is_virtual else "SimpleProduct",
        "id": product.id, "uid": uid(product.id), "sku": product.sku, "name": product.name,
        "url_key": url_key, "url_suffix": _SUFFIX, "type_id": product.type_id,
        "attribute_set_id": product.attribute_set_id, "created_at": product.created_at,
        "updated_at": product.updated_at, "weight": product.weight,
        "stock_status": "IN_STOCK" if in_stock else "OUT_OF_STOCK",
        "price_range": {"minimum_price": amount, "maximum_price": amount},
        "image": image, "small_image": image, "thumbnail": image,
        "canonical_url": f"{url_key}{_SUFFIX}", "relative_url": f"{url_key}{_SUFFIX}",
        "redirect_code": 0, "type": "PRODUCT",
        "categories": lambda info, **_: [
            category_out(store, category_tree(store).by_id[c])
            for c in category_tree(store).categories_of(product.id)],
    }


def category_out(store: Store, category: Category) -> dict[str, Any]:
    tree = category_tree(store)
    return {
        "__typename": "CategoryTree", "id": category.id, "uid": uid(category.id),
        "name": category.name, "url_key": category.url_path.rsplit("/", 1)[-1],
        "url_path": category.url_path, "level": category.level, "position": category.position,
        "path": _path(tree.by_id, category), "product_count": len(category.products),
        "canonical_url": f"{category.url_path}{_SUFFIX}",
        "relative_url": f"{category.url_path}{_SUFFIX}", "redirect_code": 0,
        "type": "CATEGORY", "default_sort_by": "position",
        "children": lambda info, **_: [category_out(store, tree.by_id[c])
                                       for c in category.children],
        "products": lambda info, pageSize=20, currentPage=1, **_: _category_products(
            store, info, category, pageSize, currentPage),
    }


def _path(by_id: dict[int, Category], category: Category) -> str:
    """Magento's ``path``: ids from the tree's root (1) down, e.g. "1/2/3/7"."""
    chain = [category.id]
    while chain[-1] != ROOT_ID:
        chain.append(by_id[chain[-1]].parent_id)
    return "/".join(str(c) for c in [1, *reversed(chain)])


def _category_products(store: Store, info: Info, category: Category,
                       page_size: int, current_page: int) -> dict[str, Any]:
    ctx: Context = info.context
    ids = category.products[(current_page - 1) * page_size: current_page * page_size]
    items = [p for i in ids if (p := store.catalog.by_id.get(i)) is not None]
    ctx.tags.update(f"cat_p_{p.id}" for p in items)
    return {"items": [product_out(store, p) for p in items], "total_count": len(category.products),
            "page_info": {"page_size": page_size, "current_page": current_page,
                          "total_pages": math.ceil(len(category.products) / page_size)}}


# ---------------------------------------------------------------------------------- products
def _category_ids(store: Store, flt: dict[str, Any]) -> set[int] | None:
    wanted: set[int] | None = None
    tree = category_tree(store)
    for key in ("category_id", "category_uid", "category_url_path"):
        cond = flt.get(key)
        if not cond:
            continue
        values = [cond["eq"]] if cond.get("eq") is not None else list(cond.get("in") or [])
        ids: set[int] = set()
        for value in values:
            if key == "category_uid":
                decoded = _decode_uid(str(value))
                if decoded is not None:
                    ids.add(decoded)
            elif key == "category_url_path":
                found = tree.by_url_path.get(str(value))
                if found is not None:
                    ids.add(found.id)
            elif str(value).isdigit():
                ids.add(int(value))
        wanted = ids if wanted is None else wanted & ids
    return wanted


def _matches(store: Store, product: Product, flt: dict[str, Any],
             categories: set[int] | None) -> bool:
    for key in ("sku", "url_key"):
        cond = flt.get(key)
        if cond:
            value = product.sku if key == "sku" else product.custom.get("url_key")
            allowed = [cond["eq"]] if cond.get("eq") is not None else cond.get("in") or []
            if value not in allowed:
                return False
    for key in ("name", "description"):
        cond = flt.get(key)
        if cond and cond.get("match"):
            text = str(product.name if key == "name" else product.custom.get(key) or "")
            if str(cond["match"]).lower() not in text.lower():
                return False
    price = flt.get("price")
    if price:
        if price.get("from") not in (None, "") and product.price < float(price["from"]):
            return False
        if price.get("to") not in (None, "") and product.price > float(price["to"]):
            return False
    if categories is not None:
        return bool(categories & set(category_tree(store).categories_of(product.id)))
    return True


def _relevance(product: Product, words: list[str]) -> int:
    name = product.name.lower()
    return sum(1 for w in words if w in name)


def _aggregations(store: Store, found: list[Product]) -> list[dict[str, Any]]:
    buckets: dict[int, int] = {}
    categories: dict[int, int] = {}
    tree = category_tree(store)
    for product in found:
        bucket = int(product.price // 10) * 10
        buckets[bucket] = buckets.get(bucket, 0) + 1
        for c in tree.categories_of(product.id):
            categories[c] = categories.get(c, 0) + 1
    return [
        {"attribute_code": "price", "label": "Price", "count": len(buckets), "position": 0,
         "options": [{"label": f"{b}-{b + 10}", "value": f"{b}_{b + 10}", "count": n}
                     for b, n in sorted(buckets.items())]},
        {"attribute_code": "category_uid", "label": "Category", "count": len(categories),
         "position": 1,
         "options": [{"label": tree.by_id[c].name, "value": uid(c), "count": n}
                     for c, n in sorted(categories.items())]},
    ]


def products(_: Any, info: Info, search: str | None = None,
             filter: dict[str, Any] | None = None, pageSize: int = 20,
             currentPage: int = 1, sort: dict[str, str] | None = None) -> dict[str, Any]:
    ctx: Context = info.context
    store = ctx.store
    if not search and not filter:
        raise GraphQlError("'search' or 'filter' input argument is required.")
    if pageSize <= 0:
        raise GraphQlError("pageSize value must be greater than 0.")
    if currentPage <= 0:
        raise GraphQlError("currentPage value must be greater than 0.")
    limits = store.cfg.input_limits
    if limits.enabled and pageSize > limits.maximum_page_size:
        raise GraphQlError(f"Maximum pageSize is {limits.maximum_page_size}")
    flt = filter or {}
    categories = _category_ids(store, flt)
    words = [w for w in (search or "").lower().split() if w]
    found = [p for p in store.catalog.products.values()
             if p.status == 1 and p.visibility != 1 and _matches(store, p, flt, categories)
             and (not words or _relevance(p, words) > 0)]
    order = dict(sort or {})
    if not order:
        order = {"relevance": "DESC"} if words else {"position": "ASC"}
    for key, direction in reversed(list(order.items())):
        reverse = direction == "DESC"
        if key == "name":
            found.sort(key=lambda p: p.name.lower(), reverse=reverse)
        elif key == "price":
            found.sort(key=lambda p: p.price, reverse=reverse)
        elif key == "relevance":
            found.sort(key=lambda p: _relevance(p, words), reverse=reverse)
        else:
            found.sort(key=lambda p: p.id, reverse=reverse)
    total = len(found)
    pages = math.ceil(total / pageSize) if total else 0
    if pages and currentPage > pages:
        raise GraphQlError(f"currentPage value {currentPage} specified is greater than the "
                           f"{pages} page(s) available.")
    page = found[(currentPage - 1) * pageSize: currentPage * pageSize]
    ctx.tags.add("cat_p")
    ctx.tags.update(f"cat_p_{p.id}" for p in page)
    return {
        "items": [product_out(store, p) for p in page], "total_count": total,
        "page_info": {"page_size": pageSize, "current_page": currentPage, "total_pages": pages},
        "aggregations": lambda info, **_: _aggregations(store, found),
        "sort_fields": {"default": "position", "options": [
            {"value": "position", "label": "Position"}, {"value": "name", "label": "Product Name"},
            {"value": "price", "label": "Price"}]},
        "suggestions": [],
    }


# -------------------------------------------------------------------------------- categories
def _filtered_categories(store: Store, filters: dict[str, Any] | None) -> list[Category]:
    tree = category_tree(store)
    filters = filters or {}
    if not filters:
        return [tree.by_id[ROOT_ID]]
    found = [c for c in tree.by_id.values() if c.id != ROOT_ID or "ids" in filters
             or "category_uid" in filters]
    for key, cond in filters.items():
        if not cond:
            continue
        values = [cond["eq"]] if cond.get("eq") is not None else list(cond.get("in") or [])
        if key in ("ids", "parent_id"):
            ids = {int(v) for v in values if str(v).isdigit()}
        elif key in ("category_uid", "parent_category_uid"):
            ids = {d for v in values if (d := _decode_uid(str(v))) is not None}
        if key == "ids" or key == "category_uid":
            found = [c for c in found if c.id in ids]
        elif key in ("parent_id", "parent_category_uid"):
            found = [c for c in found if c.parent_id in ids and c.id != ROOT_ID]
        elif key == "url_key":
            found = [c for c in found if c.url_path.rsplit("/", 1)[-1] in values]
        elif key == "url_path":
            found = [c for c in found if c.url_path in values]
        elif key == "name" and cond.get("match"):
            found = [c for c in found if str(cond["match"]).lower() in c.name.lower()]
    return found


def categories(_: Any, info: Info, filters: dict[str, Any] | None = None,
               pageSize: int = 20, currentPage: int = 1) -> dict[str, Any]:
    ctx: Context = info.context
    if pageSize <= 0 or currentPage <= 0:
        raise GraphQlError("pageSize and currentPage values must be greater than 0.")
    found = _filtered_categories(ctx.store, filters)
    page = found[(currentPage - 1) * pageSize: currentPage * pageSize]
    ctx.tags.update(f"cat_c_{c.id}" for c in page)
    return {"items": [category_out(ctx.store, c) for c in page], "total_count": len(found),
            "page_info": {"page_size": pageSize, "current_page": currentPage,
                          "total_pages": math.ceil(len(found) / pageSize) if found else 0}}


def category_list(_: Any, info: Info, filters: dict[str, Any] | None = None,
                  **__: Any) -> list[dict[str, Any]]:
    ctx: Context = info.context
    found = _filtered_categories(ctx.store, filters)
    ctx.tags.update(f"cat_c_{c.id}" for c in found)
    return [category_out(ctx.store, c) for c in found]


# ---------------------------------------------------------------------------------- routing
def _entity(store: Store, url: str) -> dict[str, Any] | None:
    path = url.split("?", 1)[0].strip("/")
    key = path[:-len(_SUFFIX)] if path.endswith(_SUFFIX) else path
    category = category_tree(store).by_url_path.get(key)
    if category is not None:
        return category_out(store, category)
    product = store.catalog.url_keys.get(key)
    if product is not None and product.custom.get("url_key") == key and product.status == 1:
        return product_out(store, product)
    return None


def route(_: Any, info: Info, url: str) -> dict[str, Any] | None:
    ctx: Context = info.context
    found = _entity(ctx.store, url)
    if found is not None:
        ctx.tags.add(f"cat_c_{found['id']}" if found["type"] == "CATEGORY"
                     else f"cat_p_{found['id']}")
    return found   # an unknown URL is null, not an error (spec §5)


def url_resolver(_: Any, info: Info, url: str) -> dict[str, Any] | None:
    found = route(_, info, url)
    if found is None:
        return None
    return {"id": found["id"], "entity_uid": found["uid"], "canonical_url": found["canonical_url"],
            "relative_url": found["relative_url"], "redirectCode": 0, "type": found["type"]}


def store_config(_: Any, info: Info) -> dict[str, Any]:
    info.context.tags.add("store_config")  # (tag name unverified, spec §8.6)
    return {"id": 1, "code": "default", "store_code": "default", "store_name": "Default Store View",
            "website_id": 1, "locale": "en_US", "base_currency_code": _CURRENCY,
            "default_display_currency_code": _CURRENCY, "timezone": "UTC",
            "product_url_suffix": _SUFFIX, "category_url_suffix": _SUFFIX,
            "root_category_id": ROOT_ID, "root_category_uid": uid(ROOT_ID),
            "grid_per_page": 12, "list_per_page": 10, "catalog_default_sort_by": "position",
            "is_guest_checkout_enabled": True, "is_one_page_checkout_enabled": True,
            "minimum_password_length": "8", "required_character_classes_number": "3"}


QUERIES = {"products": products, "categories": categories, "categoryList": category_list,
           "route": route, "urlResolver": url_resolver, "storeConfig": store_config}
