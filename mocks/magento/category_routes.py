"""Category routes (Magento_Catalog): the tree, list, by id, create/update, move, delete,
product links, and the category attributes. Products carry their links, so a link written
here is the product's ``category_ids`` on its next read, and the reverse."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .catalog import no_product
from .categories import DEFAULT_ID, ROOT_ID, SEARCHABLE, Categories, Category
from .rest import WebapiError, as_object, check_fields, no_such_entity, to_bool, to_int, to_str
from .search import listing

if TYPE_CHECKING:
    from .catalog import Product
    from .routing import Call, Router
    from .state import Store

__all__ = ["register", "render_category"]

ACL = "Magento_Catalog::categories"
CATEGORY_FIELDS = frozenset({
    "id", "parent_id", "name", "is_active", "position", "level", "children", "created_at",
    "updated_at", "path", "available_sort_by", "include_in_menu", "extension_attributes",
    "custom_attributes"})
LINK_FIELDS = frozenset({"sku", "position", "category_id", "extension_attributes"})


def _category(store: Store, raw: Any, field: str = "id") -> Category:
    try:
        category_id = to_int(raw)
    except WebapiError:
        raise no_such_entity(field, raw) from None
    found = store.categories.by_id.get(category_id)
    if found is None:
        raise no_such_entity(field, category_id)
    return found


def render_category(categories: Categories, category: Category) -> dict[str, Any]:
    custom = [{"attribute_code": k, "value": v} for k, v in category.custom.items()]
    custom.append({"attribute_code": "children_count",
                   "value": str(categories.children_count(category))})
    custom.append({"attribute_code": "path", "value": category.path})
    return {"id": category.id, "parent_id": category.parent_id, "name": category.name,
            "is_active": category.is_active, "position": category.position,
            "level": category.level, "children": categories.children_ids(category),
            "created_at": category.created_at, "updated_at": category.updated_at,
            "path": category.path, "available_sort_by": [],
            "include_in_menu": category.include_in_menu, "custom_attributes": custom}


def product_counts(store: Store) -> Counter[int]:
    counts: Counter[int] = Counter()
    for product in store.catalog.products.values():
        for link in product.category_links:
            counts[int(link["category_id"])] += 1
    return counts


def _tree(categories: Categories, category: Category, depth: int | None,
          counts: Counter[int]) -> dict[str, Any]:
    kids = categories.children(category.id)
    children = [] if depth == 0 else [
        _tree(categories, c, None if depth is None else depth - 1, counts) for c in kids]
    return {"id": category.id, "parent_id": category.parent_id, "name": category.name,
            "is_active": category.is_active, "position": category.position,
            "level": category.level, "product_count": counts.get(category.id, 0),
            "children_data": children}


def _save(store: Store, data: dict[str, Any], existing: Category | None) -> Category:
    check_fields(data, CATEGORY_FIELDS, store.cfg.version,
                 "Magento\\Catalog\\Api\\Data\\CategoryInterface")
    custom = {str(c["attribute_code"]): c.get("value")
              for c in data.get("custom_attributes") or [] if isinstance(c, dict)
              and c.get("attribute_code")}
    now = store.now()
    if existing is None:
        name = data.get("name")
        if name in (None, ""):
            raise WebapiError(400, 'The "%1" attribute value is empty. Set the attribute and '
                              "try again.", ["name"])
        parent = _category(store, data.get("parent_id", DEFAULT_ID), "parent_id")
        return store.categories.add(
            parent.id, to_str(name), now,
            position=to_int(data["position"]) if data.get("position") is not None else None,
            is_active=to_bool(data.get("is_active", True)),
            include_in_menu=to_bool(data.get("include_in_menu", True)), custom=custom)
    if data.get("name") not in (None, ""):
        existing.name = to_str(data["name"])
    if data.get("is_active") is not None:
        existing.is_active = to_bool(data["is_active"])
    if data.get("include_in_menu") is not None:
        existing.include_in_menu = to_bool(data["include_in_menu"])
    existing.custom.update(custom)
    existing.updated_at = now
    return existing


def _link(product: Product, category_id: int, position: int) -> None:
    links = [ln for ln in product.category_links if int(ln["category_id"]) != category_id]
    links.append({"position": position, "category_id": str(category_id)})
    product.category_links = links


def register(router: Router) -> None:
    @router.add("GET", "/V1/categories", ACL)
    async def tree(call: Call) -> Any:
        store = call.store
        root_raw = call.query.get("rootCategoryId", call.query.get("root_category_id"))
        root = _category(store, root_raw if root_raw not in (None, "") else DEFAULT_ID)
        depth_raw = call.query.get("depth")
        depth = to_int(depth_raw) if depth_raw not in (None, "") else None
        return _tree(store.categories, root, depth, product_counts(store))

    @router.add("GET", "/V1/categories/list", ACL)
    async def search(call: Call) -> Any:
        cats = call.store.categories
        return listing(call.criteria, list(cats.by_id.values()), lambda c, f: c.field(f),
                       SEARCHABLE, lambda c: render_category(cats, c))

    @router.add("GET", "/V1/categories/{categoryId}", ACL)
    async def get_one(call: Call) -> Any:
        return render_category(call.store.categories,
                               _category(call.store, call.param("categoryId")))

    @router.add("POST", "/V1/categories", ACL)
    async def create(call: Call) -> Any:
        data = as_object(call.body.get("category"), "category")
        existing = None
        if data.get("id") is not None:
            existing = _category(call.store, data["id"])
        return render_category(call.store.categories, _save(call.store, data, existing))

    @router.add("PUT", "/V1/categories/{id}", ACL)
    async def update(call: Call) -> Any:
        data = as_object(call.body.get("category"), "category")
        raw = call.path.get("id", data.get("id"))
        if raw is None:
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "id"})
        category = _category(call.store, raw)
        return render_category(call.store.categories, _save(call.store, data, category))

    @router.add("DELETE", "/V1/categories/{categoryId}", ACL)
    async def delete(call: Call) -> Any:
        store = call.store
        category = _category(store, call.param("categoryId"))
        if category.id in (ROOT_ID, DEFAULT_ID):
            raise WebapiError(400, "Cannot delete category with id %1", [category.id])
        gone = {str(cid) for cid in store.categories.remove(category)}
        for product in store.catalog.products.values():
            if product.category_links:
                product.category_links = [ln for ln in product.category_links
                                          if str(ln["category_id"]) not in gone]
        return True

    @router.add("PUT", "/V1/categories/{categoryId}/move", ACL)
    async def move(call: Call) -> Any:
        store = call.store
        category = _category(store, call.param("categoryId"))
        if call.body.get("parent_id") is None:
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "parentId"})
        parent = _category(store, call.body["parent_id"], "parentId")
        if parent.path == category.path or parent.path.startswith(category.path + "/"):
            raise WebapiError(400, "Operation do not allow to move a parent category to any "
                              "of children category")
        after = call.body.get("after_id")
        store.categories.move(category, parent, to_int(after) if after is not None else None,
                              store.now())
        return True

    @router.add("GET", "/V1/categories/{categoryId}/products", ACL)
    async def products(call: Call) -> Any:
        store = call.store
        category = _category(store, call.param("categoryId"))
        key = str(category.id)
        out = []
        for product in store.catalog.products.values():
            for link in product.category_links:
                if str(link["category_id"]) == key:
                    out.append({"sku": product.sku, "position": to_int(link.get("position", 0)),
                                "category_id": key})
        return out

    async def assign(call: Call) -> Any:
        store = call.store
        data = as_object(call.body.get("product_link"), "productLink")
        check_fields(data, LINK_FIELDS, store.cfg.version,
                     "Magento\\Catalog\\Api\\Data\\CategoryProductLinkInterface")
        category = _category(store, call.path.get("categoryId", data.get("category_id")))
        if data.get("sku") in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "sku"})
        product = store.catalog.get(to_str(data["sku"]))
        if product is None:
            raise no_product()
        _link(product, category.id, to_int(data.get("position") or 0))
        product.updated_at = store.now()
        return True

    router.add("POST", "/V1/categories/{categoryId}/products", ACL)(assign)
    router.add("PUT", "/V1/categories/{categoryId}/products", ACL)(assign)

    @router.add("DELETE", "/V1/categories/{categoryId}/products/{sku}", ACL)
    async def unassign(call: Call) -> Any:
        store = call.store
        category = _category(store, call.param("categoryId"))
        product = store.catalog.get(call.param("sku"))
        if product is None:
            raise no_product()
        before = len(product.category_links)
        product.category_links = [ln for ln in product.category_links
                                  if str(ln["category_id"]) != str(category.id)]
        if len(product.category_links) == before:
            raise WebapiError(400, "The category doesn't contain the specified product.")
        return True

    attrs = "Magento_Catalog::categories"

    @router.add("GET", "/V1/categories/attributes", attrs)
    async def attributes(call: Call) -> Any:
        table = call.store.category_attributes
        return listing(call.criteria, list(table.by_code), lambda c, f: table.by_code[c].get(f),
                       lambda f: f in table.by_code["name"], table.render)

    @router.add("GET", "/V1/categories/attributes/{attributeCode}", attrs)
    async def attribute(call: Call) -> Any:
        table = call.store.category_attributes
        code = call.path["attributeCode"]
        if code not in table.by_code:
            raise WebapiError(404, 'The attribute with a "%1" attributeCode doesn\'t exist. '
                              "Verify the attribute and try again.", [code])
        return table.render(code)

    @router.add("GET", "/V1/categories/attributes/{attributeCode}/options", attrs)
    async def options(call: Call) -> Any:
        table = call.store.category_attributes
        code = call.path["attributeCode"]
        if code not in table.by_code:
            raise WebapiError(404, 'The attribute with a "%1" attributeCode doesn\'t exist. '
                              "Verify the attribute and try again.", [code])
        return table.rendered_options(code)
