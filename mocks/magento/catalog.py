"""Products: the catalog store and ``/V1/products`` routes (spec §3.2).

Products live in one dict keyed by SKU (plus an id index); search scans that dict, with a
direct lookup when the only filter is ``sku eq``/``in`` (the hot path of most scenarios). A
scan's filtered and sorted rows are kept per criteria (paging aside) until a product is added,
removed or edited (any attribute assignment or custom attribute edit counts itself):
a storefront asks the same few listings over and over (a category page, a search word), and
rescanning the catalog for each was the simulator's largest cost at peak rates.
The legacy ``extension_attributes.stock_item`` is rendered from MSI state (spec §4.1): its
``qty`` mirrors the default source, not the salable quantity.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .pages.invalidation import product_saved
from .product_edits import EDITS, CustomAttributes, EditedList, touch
from .rest import (
    WebapiError,
    as_object,
    check_fields,
    dumps,
    require,
    required_error,
    to_float,
    to_int,
    to_str,
)
from .routing import Encoded
from .search import Criteria, page, parse_criteria, search

if TYPE_CHECKING:
    from .routing import Call, Router
    from .state import Store

__all__ = ["Catalog", "Product", "register"]

MSG_NO_PRODUCT = ("The product that was requested doesn't exist. Verify the product and try "
                  "again.")
PRODUCT_FIELDS = frozenset({
    "id", "sku", "name", "attribute_set_id", "price", "status", "visibility", "type_id",
    "created_at", "updated_at", "weight", "extension_attributes", "product_links", "options",
    "media_gallery_entries", "tier_prices", "custom_attributes"})
_SCALARS: dict[str, Callable[[Any], Any]] = {
    "name": to_str, "attribute_set_id": to_int, "price": to_float, "status": to_int,
    "visibility": to_int, "type_id": to_str, "weight": to_float}
_TYPES = frozenset({"simple", "virtual", "configurable", "bundle", "grouped", "downloadable"})


def no_product() -> WebapiError:
    return WebapiError(404, MSG_NO_PRODUCT)


@dataclass
class Product:
    id: int
    sku: str
    name: str
    price: float
    created_at: str
    updated_at: str
    attribute_set_id: int = 4
    status: int = 1
    visibility: int = 4
    type_id: str = "simple"
    weight: float = 1.0
    website_ids: list[int] = field(default_factory=lambda: [1])
    category_links: list[dict[str, Any]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)   # custom attribute code → value
    # tier prices: {customer_group_id ("32000" = all groups), qty, value, website_id,
    # percentage_value}; media gallery entries; a configurable's child SKUs and options
    tier_prices: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    configurable_options: list[dict[str, Any]] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        EDITS[0] += 1
        if name == "custom" and not isinstance(value, CustomAttributes):
            value = CustomAttributes(value)
        elif name in _LISTS and not isinstance(value, EditedList):
            value = EditedList(value)
        object.__setattr__(self, name, value)

    def rendered_custom(self) -> list[dict[str, Any]]:
        custom = self.custom
        assert isinstance(custom, CustomAttributes)   # __setattr__ makes it one
        return custom.rendered()

    def field(self, name: str) -> Any:
        if name in _PRODUCT_ATTRS:
            return getattr(self, name)
        if name in ("category_id", "category_ids"):
            return [str(link.get("category_id")) for link in self.category_links]
        return self.custom.get(name)

    @property
    def is_composite(self) -> bool:
        return self.type_id in ("configurable", "bundle", "grouped")

    @property
    def is_virtual(self) -> bool:
        return self.type_id in ("virtual", "downloadable")


_LISTS = frozenset({"website_ids", "category_links", "tier_prices", "media", "children",
                    "configurable_options"})
_PRODUCT_ATTRS = frozenset({"id", "sku", "name", "price", "created_at", "updated_at",
                            "attribute_set_id", "status", "visibility", "type_id", "weight"})
# attributes a product search may filter on beyond the product's own custom attributes
_KNOWN_ATTRS = frozenset(_PRODUCT_ATTRS | {
    "entity_id", "category_id", "category_ids", "url_key", "description", "short_description",
    "special_price", "meta_title", "tax_class_id", "news_from_date", "quantity_and_stock_status"})


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)
    by_id: dict[int, Product] = field(default_factory=dict)
    lower: dict[str, Product] = field(default_factory=dict)
    # url_key → product, so the uniqueness check on create is O(1) (seeding 24,000 products
    # over REST was quadratic with a scan). Entries are re-checked on read: a product whose
    # url_key changed later simply no longer matches its old entry.
    url_keys: dict[str, Product] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Criteria key → the rows it selects, in order; emptied when a product is added or
    # removed (changed()) or when any product was edited since (EDITS moved).
    _found: dict[tuple[Any, ...], list[Product]] = field(default_factory=dict)
    _found_at: int = -1
    # product id → (the state it was rendered in, its JSON): a product read by SKU is the
    # hot path of connectors and storefronts alike (see ``product_json``)
    _json: dict[int, tuple[tuple[Any, ...], bytes]] = field(default_factory=dict)

    def get(self, sku: str) -> Product | None:
        product = self.products.get(sku)
        if product is None:
            # Magento's SKU lookup is case-insensitive (MySQL collation).
            return self.lower.get(sku.lower())
        return product

    def changed(self) -> None:
        """A product was added or removed: searches kept from before are forgotten (edits
        of a product's fields are seen on their own, through ``EDITS``), and so is every
        rendered product (a configurable's renders its children's ids)."""
        touch()
        self._found.clear()

    def add(self, product: Product) -> None:
        self.changed()
        self.products[product.sku] = product
        self.by_id[product.id] = product
        self.lower[product.sku.lower()] = product
        self.index_url_key(product)

    def index_url_key(self, product: Product) -> None:
        url_key = product.custom.get("url_key")
        if url_key:
            self.url_keys[str(url_key)] = product

    def url_key_taken(self, url_key: str) -> bool:
        owner = self.url_keys.get(url_key)
        return (owner is not None and owner.custom.get("url_key") == url_key
                and self.by_id.get(owner.id) is owner)

    def next_id(self) -> int:
        return next(self._ids)

    def remove(self, product: Product) -> None:
        self.changed()
        self.products.pop(product.sku, None)
        self.by_id.pop(product.id, None)
        self.lower.pop(product.sku.lower(), None)

    def known(self, name: str) -> bool:
        if name in _KNOWN_ATTRS:
            return True
        return any(name in p.custom for p in itertools.islice(self.products.values(), 200))

    def find(self, crit: Criteria) -> tuple[list[Product], int]:
        groups = crit.groups
        if len(groups) == 1 and len(groups[0]) == 1 and not crit.sort:
            flt = groups[0][0]
            if flt.field == "sku" and flt.condition in ("eq", "in"):
                skus = [flt.value] if flt.condition == "eq" else flt.value.split(",")
                rows = [p for s in dict.fromkeys(x.strip() for x in skus)
                        if (p := self.get(s)) is not None]
                return search(rows, Criteria(sort=[], page_size=crit.page_size,
                                             current_page=crit.current_page),
                              _get, self.known)
        if self._found_at != EDITS[0]:
            self._found.clear()
            self._found_at = EDITS[0]
        key = crit.key()
        kept = self._found.get(key)
        if kept is None:
            kept, _ = search(list(self.products.values()), Criteria(crit.groups, crit.sort),
                             _get, self.known)
            if len(self._found) >= _FOUND_MAX:
                self._found.clear()
            self._found[key] = kept
        return page(kept, crit)


#: Distinct listings kept at once (a storefront has a few dozen; a crawler may have more).
_FOUND_MAX = 256


def _get(product: Product, name: str) -> Any:
    return product.id if name == "entity_id" else product.field(name)


def render(store: Store, product: Product) -> dict[str, Any]:
    ext: dict[str, Any] = {"website_ids": product.website_ids}
    custom = product.rendered_custom()
    if product.category_links:
        ext["category_links"] = product.category_links
        custom.append({"attribute_code": "category_ids",
                       "value": [str(link["category_id"]) for link in product.category_links]})
    if not product.is_composite:
        ext["stock_item"] = store.inventory.stock_item(product.sku, product.id)
    elif product.type_id == "configurable":
        ext["configurable_product_options"] = product.configurable_options
        ext["configurable_product_links"] = [
            child.id for sku in product.children if (child := store.catalog.get(sku))]
    return {"id": product.id, "sku": product.sku, "name": product.name,
            "attribute_set_id": product.attribute_set_id, "price": product.price,
            "status": product.status, "visibility": product.visibility,
            "type_id": product.type_id, "created_at": product.created_at,
            "updated_at": product.updated_at, "weight": product.weight,
            "extension_attributes": ext, "product_links": [], "options": [],
            "media_gallery_entries": product.media,
            "tier_prices": [{"customer_group_id": int(t["customer_group_id"]), "qty": t["qty"],
                             "value": t["value"]} for t in product.tier_prices],
            "custom_attributes": custom}


#: Products whose JSON is kept at once (a large profile has 24,000; the hot set is smaller).
_JSON_MAX = 4096


def product_json(store: Store, product: Product) -> bytes:
    """``render(store, product)`` encoded, kept until anything it reads changes: any product
    edit (``EDITS``), or the product's stock item settings, default source quantity or
    status."""
    if product.is_composite:
        state: tuple[Any, ...] = (EDITS[0],)
    else:
        state = (EDITS[0], *store.inventory.stock_item_state(product.sku, product.id))
    kept = store.catalog._json
    entry = kept.get(product.id)
    if entry is not None and entry[0] == state:
        return entry[1]
    body = dumps(render(store, product))
    if len(kept) >= _JSON_MAX:
        kept.clear()
    kept[product.id] = (state, body)
    return body


def save_product(store: Store, data: dict[str, Any], sku: str | None = None) -> Product:
    """ProductRepository::save — create or update (PUT upserts, spec §3.2)."""
    check_fields(data, PRODUCT_FIELDS, store.cfg.version,
                 "Magento\\Catalog\\Api\\Data\\ProductInterface")
    if sku is None:
        require(data, "sku")
    raw_sku = to_str(data["sku"]) if data.get("sku") is not None else sku
    assert raw_sku is not None
    final_sku = raw_sku.strip()
    if not final_sku:
        raise WebapiError(400, 'The "%1" attribute value is empty. Set the attribute and try '
                          "again.", ["sku"])
    if len(final_sku) > 64:
        raise WebapiError(400, "SKU length should be %1 characters maximum.", [64])
    existing = store.catalog.get(sku if sku is not None else final_sku)
    values = {key: conv(data[key]) for key, conv in _SCALARS.items()
              if data.get(key) is not None}
    if "type_id" in values and values["type_id"] not in _TYPES:
        raise WebapiError(400, "Invalid value of \"%1\" provided for the %2 field.",
                          [values["type_id"], "type_id"])
    custom = _custom_attributes(data.get("custom_attributes"))
    ext = data.get("extension_attributes")
    ext = ext if isinstance(ext, dict) else {}
    now = store.now()
    if existing is None:
        if values.get("name") in (None, ""):
            raise WebapiError(400, 'The "%1" attribute value is empty. Set the attribute '
                              "and try again.", ["name"])
        url_key = custom.get("url_key") or _slug(str(values.get("name", final_sku)))
        if store.catalog.url_key_taken(url_key):
            raise WebapiError(400, "URL key for specified store already exists.")
        custom.setdefault("url_key", url_key)
        product = Product(id=store.catalog.next_id(), sku=final_sku, name=str(values["name"]),
                          price=float(values.get("price", 0.0)), created_at=now, updated_at=now)
        store.catalog.add(product)
    else:
        product = existing
        if existing.sku != final_sku and sku is not None:
            store.catalog.remove(existing)
            product.sku = final_sku
            store.catalog.add(product)
        product.updated_at = now
    for key, value in values.items():
        setattr(product, key, value)
    category_ids = custom.pop("category_ids", None)
    product.custom.update(custom)
    store.catalog.index_url_key(product)
    if isinstance(category_ids, list | str):
        ids = category_ids if isinstance(category_ids, list) else category_ids.split(",")
        product.category_links = [{"position": i, "category_id": str(to_int(c))}
                                  for i, c in enumerate(ids) if str(c).strip()]
    if isinstance(ext.get("website_ids"), list):
        product.website_ids = [to_int(w) for w in ext["website_ids"]]
    if isinstance(ext.get("category_links"), list):
        product.category_links = [c for c in ext["category_links"] if isinstance(c, dict)]
    stock = ext.get("stock_item")
    if isinstance(stock, dict):
        store.inventory.apply_stock_item(product.sku, product.id, stock, store.cfg.version)
    elif existing is None and not product.is_composite:
        store.inventory.stock_config(product.sku, product.id)
    product_saved(store, product)  # the full-page cache forgets it (pages/invalidation.py)
    return product


def _custom_attributes(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise WebapiError(400, 'The "%value" value\'s type is invalid. The "%type" type was '
                          "expected. Verify and try again.",
                          {"value": "object",
                           "type": "Magento\\Framework\\Api\\AttributeInterface[]"})
    out: dict[str, Any] = {}
    for item in value:
        if not isinstance(item, dict) or item.get("attribute_code") in (None, ""):
            raise WebapiError(400, "Custom attribute code is required.")
        out[str(item["attribute_code"])] = item.get("value")
    return out


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def register(router: Router) -> None:
    res = "Magento_Catalog::products"
    svc = "Magento\\Catalog\\Api\\ProductRepositoryInterface"

    @router.add("GET", "/V1/products", res, service=svc + "::getList")
    async def get_list(call: Call) -> Any:
        store = call.store
        crit = parse_criteria(call.query, limits=store.cfg.input_limits)
        rows, total = store.catalog.find(crit)
        return {"items": [render(store, p) for p in rows], "search_criteria": crit.echo(),
                "total_count": total}

    @router.add("GET", "/V1/products/{sku}", res, service=svc + "::get")
    async def get_one(call: Call) -> Any:
        product = call.store.catalog.get(call.path["sku"])
        if product is None:
            raise no_product()
        if call.query.get("fields"):
            return render(call.store, product)   # a partial response is cut from the dict
        return Encoded(product_json(call.store, product))

    @router.add("POST", "/V1/products", res, service=svc + "::save")
    async def create(call: Call) -> Any:
        data = as_object(call.body.get("product"), "product")
        return render(call.store, save_product(call.store, data))

    @router.add("PUT", "/V1/products/{sku}", res, service=svc + "::save")
    async def update(call: Call) -> Any:
        data = as_object(call.body.get("product"), "product")
        # ``sku`` is not a method parameter of save(): an async bulk element may leave it
        # out of the path (``bySku``) and name the product in its body (WebapiAsync).
        sku = call.path.get("sku") or (to_str(data["sku"]) if data.get("sku") else None)
        if sku is None:
            raise required_error("sku")
        return render(call.store, save_product(call.store, data, sku=sku))

    @router.add("DELETE", "/V1/products/{sku}", res, service=svc + "::deleteById")
    async def delete(call: Call) -> Any:
        product = call.store.catalog.get(call.path["sku"])
        if product is None:
            raise no_product()
        call.store.catalog.remove(product)
        call.store.inventory.forget(product.sku)
        return True
