"""Routes on one product's relations (Magento_Catalog, Magento_ConfigurableProduct): its
websites, its media gallery entries, and a configurable product's children and options."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .catalog import no_product, render
from .product_edits import touch
from .rest import WebapiError, as_object, to_bool, to_int, to_str

if TYPE_CHECKING:
    from .catalog import Product
    from .routing import Call, Router

__all__ = ["register"]

ACL = "Magento_Catalog::products"
MSG_NO_IMAGE = "No image with the provided ID was found. Verify the ID and try again."
_ids = itertools.count(1)   # media and option ids: unique per process is enough


def _product(call: Call, name: str = "sku") -> Product:
    product = call.store.catalog.get(call.param(name))
    if product is None:
        raise no_product()
    return product


def _configurable(call: Call) -> Product:
    product = _product(call)
    if product.type_id != "configurable":
        raise WebapiError(400, "Product with specified sku: %1 is not a configurable product",
                          [product.sku])
    return product


def _entry(product: Product, raw: str) -> dict[str, Any]:
    found = next((e for e in product.media if str(e["id"]) == raw), None)
    if found is None:
        raise WebapiError(404, MSG_NO_IMAGE)
    return found


def _option(product: Product, raw: str) -> dict[str, Any]:
    found = next((o for o in product.configurable_options if str(o["id"]) == raw), None)
    if found is None:
        raise WebapiError(404, 'Requested option doesn\'t exist: %1', [raw])
    return found


def register(router: Router) -> None:
    async def link_website(call: Call) -> Any:
        store = call.store
        data = as_object(call.body.get("product_website_link"), "productWebsiteLink")
        product = store.catalog.get(call.path.get("sku") or to_str(data.get("sku") or ""))
        if product is None:
            raise no_product()
        website = to_int(data.get("website_id", 0))
        if website not in store.tree.website_ids():
            raise WebapiError(400, 'Could not assign product "%1" to websites %2',
                              [product.sku, str(website)])
        if website not in product.website_ids:
            product.website_ids = [*product.website_ids, website]
        product.updated_at = store.now()
        return True

    router.add("POST", "/V1/products/{sku}/websites", ACL)(link_website)
    router.add("PUT", "/V1/products/{sku}/websites", ACL)(link_website)

    @router.add("DELETE", "/V1/products/{sku}/websites/{websiteId}", ACL)
    async def unlink_website(call: Call) -> Any:
        product = _product(call)
        website = to_int(call.param("websiteId"))
        if website not in product.website_ids:
            raise WebapiError(400, 'Could not delete product "%1" from websites %2',
                              [product.sku, str(website)])
        product.website_ids = [w for w in product.website_ids if w != website]
        return True

    @router.add("GET", "/V1/products/{sku}/media", ACL)
    async def media(call: Call) -> Any:
        return list(_product(call).media)

    @router.add("GET", "/V1/products/{sku}/media/{entryId}", ACL)
    async def media_one(call: Call) -> Any:
        return _entry(_product(call), call.param("entryId"))

    @router.add("POST", "/V1/products/{sku}/media", ACL)
    async def media_add(call: Call) -> Any:
        product = _product(call)
        data = as_object(call.body.get("entry"), "entry")
        content = data.get("content")
        if not isinstance(content, dict) or not content.get("base64_encoded_data"):
            raise WebapiError(400, "The image content is invalid. Verify the content and try "
                              "again.")
        entry_id = next(_ids)
        name = to_str(content.get("name") or f"image{entry_id}.jpg")
        product.media.append({
            "id": entry_id, "media_type": to_str(data.get("media_type") or "image"),
            "label": data.get("label"), "position": to_int(data.get("position") or 0),
            "disabled": to_bool(data.get("disabled", False)),
            "types": [to_str(t) for t in data.get("types") or []],
            "file": f"/{name[0]}/{name[1:2] or '_'}/{name}"})
        return entry_id

    @router.add("PUT", "/V1/products/{sku}/media/{entryId}", ACL)
    async def media_update(call: Call) -> Any:
        entry = _entry(_product(call), call.param("entryId"))
        data = as_object(call.body.get("entry"), "entry")
        for key in ("label", "position", "disabled", "types"):
            if data.get(key) is not None:
                entry[key] = data[key]
        touch()   # an entry edited in place: the product's rendering is stale
        return True

    @router.add("DELETE", "/V1/products/{sku}/media/{entryId}", ACL)
    async def media_delete(call: Call) -> Any:
        product = _product(call)
        product.media.remove(_entry(product, call.param("entryId")))
        return True

    @router.add("GET", "/V1/configurable-products/{sku}/children", ACL)
    async def children(call: Call) -> Any:
        parent = _configurable(call)
        store = call.store
        return [render(store, child) for sku in parent.children
                if (child := store.catalog.get(sku)) is not None]

    @router.add("POST", "/V1/configurable-products/{sku}/child", ACL)
    async def add_child(call: Call) -> Any:
        parent = _configurable(call)
        raw = call.body.get("child_sku")
        if raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "childSku"})
        child = call.store.catalog.get(to_str(raw))
        if child is None:
            raise no_product()
        if child.sku in parent.children:
            raise WebapiError(400, "The product is already attached.")
        parent.children.append(child.sku)
        return True

    @router.add("DELETE", "/V1/configurable-products/{sku}/children/{childSku}", ACL)
    async def remove_child(call: Call) -> Any:
        parent = _configurable(call)
        child = call.param("childSku")
        match = next((s for s in parent.children if s.lower() == child.lower()), None)
        if match is None:
            raise WebapiError(404, "The option that was requested doesn't exist. Verify the "
                              "entity and try again.")
        parent.children.remove(match)
        return True

    @router.add("GET", "/V1/configurable-products/{sku}/options/all", ACL)
    async def options(call: Call) -> Any:
        return list(_configurable(call).configurable_options)

    @router.add("GET", "/V1/configurable-products/{sku}/options/{id}", ACL)
    async def option(call: Call) -> Any:
        return _option(_configurable(call), call.param("id"))

    def _save_option(call: Call, product: Product, existing: dict[str, Any] | None) -> int:
        data = as_object(call.body.get("option"), "option")
        attributes = call.store.attributes
        attr_id = data.get("attribute_id", existing["attribute_id"] if existing else None)
        known = {str(a["attribute_id"]): a for a in attributes.by_code.values()}
        if attr_id is None or str(attr_id) not in known:
            raise WebapiError(400, "Option attribute ID is not specified.")
        values = [{"value_index": to_int(v.get("value_index"))}
                  for v in data.get("values") or [] if isinstance(v, dict)]
        if existing is None and not values:
            raise WebapiError(400, "Option values are not specified.")
        option = existing or {"id": next(_ids), "product_id": product.id}
        option.update(attribute_id=str(attr_id), label=to_str(
            data.get("label") or known[str(attr_id)]["default_frontend_label"]),
            position=to_int(data.get("position") or 0), is_use_default=bool(
                data.get("is_use_default", True)))
        if values:
            option["values"] = values
        touch()   # an option edited in place: the product's rendering is stale
        if existing is None:
            product.configurable_options.append(option)
        return int(option["id"])

    @router.add("POST", "/V1/configurable-products/{sku}/options", ACL)
    async def add_option(call: Call) -> Any:
        product = _configurable(call)
        return _save_option(call, product, None)

    @router.add("PUT", "/V1/configurable-products/{sku}/options/{id}", ACL)
    async def update_option(call: Call) -> Any:
        product = _configurable(call)
        return _save_option(call, product, _option(product, call.param("id")))

    @router.add("DELETE", "/V1/configurable-products/{sku}/options/{id}", ACL)
    async def delete_option(call: Call) -> Any:
        product = _configurable(call)
        product.configurable_options.remove(_option(product, call.param("id")))
        return True
