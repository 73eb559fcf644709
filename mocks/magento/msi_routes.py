"""MSI routes beyond source items and salability (InventoryApi, InventorySalesApi,
InventorySourceSelectionApi): sources, stocks, stock-source links, the sources of a stock
by priority, bulk salability, and the source selection algorithm (``priority``).

Links to the default stock (1) are what salable quantity counts (``Inventory.sources``);
a source created unlinked holds source items that no stock sells until it is linked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .inventory import DEFAULT_STOCK
from .msi_catalog import LINK_FIELDS, SOURCE_FIELDS, STOCK_FIELDS
from .rest import WebapiError, as_list, as_object, check_fields, to_float, to_int, to_str
from .search import listing

if TYPE_CHECKING:
    from .routing import Call, Router
    from .state import Store

__all__ = ["register"]

API = "Magento_InventoryApi::"
SOURCE_SEARCH = frozenset(SOURCE_FIELDS - {"carrier_links", "extension_attributes"})
STOCK_SEARCH = frozenset({"stock_id", "name"})
LINK_SEARCH = frozenset({"stock_id", "source_code", "priority", "link_id"})
ALGORITHMS = [{"code": "priority", "title": "Source Priority",
               "description": "Algorithm which provides Source Selections based on predefined "
                              "priority of Source"}]


def _validation(*fields: str) -> WebapiError:
    errors = [{"message": '"%field" can not be empty.', "parameters": {"field": f}}
              for f in fields]
    return WebapiError(400, f'Validation Failed: "{fields[0]}" can not be empty.',
                       errors=errors)


def _source(store: Store, code: str) -> dict[str, Any]:
    found = store.msi.sources.get(code)
    if found is None:
        raise WebapiError(404, 'Source with code "%value" does not exist.', {"value": code})
    return found


def _stock(store: Store, raw: Any) -> dict[str, Any]:
    try:
        found = store.msi.stocks.get(to_int(raw))
    except WebapiError:
        found = None
    if found is None:
        raise WebapiError(404, 'Stock with id "%value" does not exist.', {"value": raw})
    return found


def _save_source(store: Store, data: dict[str, Any], code: str | None) -> None:
    check_fields(data, SOURCE_FIELDS, store.cfg.version,
                 "Magento\\InventoryApi\\Api\\Data\\SourceInterface")
    record = dict(store.msi.sources.get(code, {})) if code else {}
    record.update(data)
    if code:
        record["source_code"] = code
    missing = [f for f in ("source_code", "name", "country_id", "postcode")
               if record.get(f) in (None, "")]
    if missing:
        raise _validation(*missing)
    record.setdefault("enabled", True)
    record.setdefault("use_default_carrier_config", True)
    record.setdefault("carrier_links", [])
    final = to_str(record["source_code"])
    store.msi.sources[final] = record
    store.inventory.sources.setdefault(final, 0)   # unlinked until a link says otherwise


def _link_sync(store: Store) -> None:
    """Salable quantity counts the sources linked to the default stock."""
    linked = {ln["source_code"]: ln["stock_id"] for ln in store.msi.links}
    for code in store.msi.sources:
        store.inventory.sources[code] = DEFAULT_STOCK if linked.get(code) == DEFAULT_STOCK \
            else linked.get(code, 0)


def _links(store: Store, raw: Any) -> list[dict[str, Any]]:
    out = []
    for entry in as_list(raw, "links"):
        data = as_object(entry, "links")
        check_fields(data, LINK_FIELDS, store.cfg.version,
                     "Magento\\InventoryApi\\Api\\Data\\StockSourceLinkInterface")
        if data.get("source_code") in (None, "") or data.get("stock_id") is None:
            raise _validation("source_code" if data.get("source_code") in (None, "")
                              else "stock_id")
        _source(store, to_str(data["source_code"]))
        _stock(store, data["stock_id"])
        out.append({"stock_id": to_int(data["stock_id"]),
                    "source_code": to_str(data["source_code"]),
                    "priority": to_int(data.get("priority") or 0)})
    return out


def register(router: Router) -> None:
    @router.add("GET", "/V1/inventory/sources", API + "source")
    async def sources(call: Call) -> Any:
        return listing(call.criteria, list(call.store.msi.sources.values()),
                       lambda s, f: s.get(f), SOURCE_SEARCH, dict)

    @router.add("GET", "/V1/inventory/sources/{sourceCode}", API + "source")
    async def source(call: Call) -> Any:
        return dict(_source(call.store, call.param("sourceCode")))

    @router.add("POST", "/V1/inventory/sources", API + "source_edit")
    async def create_source(call: Call) -> Any:
        _save_source(call.store, as_object(call.body.get("source"), "source"), None)
        return []

    @router.add("PUT", "/V1/inventory/sources/{sourceCode}", API + "source_edit")
    async def update_source(call: Call) -> Any:
        code = call.param("sourceCode")
        _source(call.store, code)
        _save_source(call.store, as_object(call.body.get("source"), "source"), code)
        return []

    @router.add("GET", "/V1/inventory/stocks", API + "stock")
    async def stocks(call: Call) -> Any:
        return listing(call.criteria, list(call.store.msi.stocks.values()),
                       lambda s, f: s.get(f), STOCK_SEARCH, dict)

    @router.add("GET", "/V1/inventory/stocks/{stockId}", API + "stock")
    async def stock(call: Call) -> Any:
        return dict(_stock(call.store, call.param("stockId")))

    def _save_stock(call: Call, existing: dict[str, Any] | None) -> int:
        store = call.store
        data = as_object(call.body.get("stock"), "stock")
        check_fields(data, STOCK_FIELDS, store.cfg.version,
                     "Magento\\InventoryApi\\Api\\Data\\StockInterface")
        name = data.get("name", existing["name"] if existing else None)
        if name in (None, ""):
            raise _validation("name")
        if existing is None:
            stock_id = store.msi.next_stock_id
            store.msi.next_stock_id += 1
            existing = store.msi.stocks[stock_id] = {"stock_id": stock_id}
        existing["name"] = to_str(name)
        ext = data.get("extension_attributes")
        if isinstance(ext, dict) and isinstance(ext.get("sales_channels"), list):
            existing["extension_attributes"] = {"sales_channels": [
                {"type": to_str(c.get("type")), "code": to_str(c.get("code"))}
                for c in ext["sales_channels"] if isinstance(c, dict)]}
        existing.setdefault("extension_attributes", {"sales_channels": []})
        return int(existing["stock_id"])

    @router.add("POST", "/V1/inventory/stocks", API + "stock_edit")
    async def create_stock(call: Call) -> Any:
        return _save_stock(call, None)

    @router.add("PUT", "/V1/inventory/stocks/{stockId}", API + "stock_edit")
    async def update_stock(call: Call) -> Any:
        return _save_stock(call, _stock(call.store, call.param("stockId")))

    @router.add("DELETE", "/V1/inventory/stocks/{stockId}", API + "stock_delete")
    async def delete_stock(call: Call) -> Any:
        store = call.store
        found = _stock(store, call.param("stockId"))
        if found["stock_id"] == DEFAULT_STOCK:
            raise WebapiError(400, "Default Stock could not be deleted.")
        del store.msi.stocks[found["stock_id"]]
        store.msi.links = [ln for ln in store.msi.links if ln["stock_id"] != found["stock_id"]]
        _link_sync(store)
        return []

    @router.add("GET", "/V1/inventory/stock-source-links", API + "stock_source_link")
    async def links(call: Call) -> Any:
        return listing(call.criteria, call.store.msi.links, lambda s, f: s.get(f),
                       LINK_SEARCH, dict)

    @router.add("POST", "/V1/inventory/stock-source-links", API + "stock_source_link")
    async def save_links(call: Call) -> Any:
        store = call.store
        for link in _links(store, call.body.get("links")):
            current = store.msi.link(link["stock_id"], link["source_code"])
            if current is None:
                store.msi.links.append(link)
            else:
                current["priority"] = link["priority"]
        _link_sync(store)
        return []

    @router.add("POST", "/V1/inventory/stock-source-links-delete", API + "stock_source_link")
    async def delete_links(call: Call) -> Any:
        store = call.store
        gone = {(ln["stock_id"], ln["source_code"]) for ln in _links(store,
                                                                      call.body.get("links"))}
        store.msi.links = [ln for ln in store.msi.links
                           if (ln["stock_id"], ln["source_code"]) not in gone]
        _link_sync(store)
        return []

    @router.add("GET", "/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/"
                "{stockId}", API + "stock")
    async def assigned(call: Call) -> Any:
        store = call.store
        found = _stock(store, call.param("stockId"))
        return [dict(s) for s in store.msi.sources_of(found["stock_id"])]

    @router.add("GET", "/V1/inventory/are-products-salable", "Magento_InventorySalesApi::stock")
    async def are_salable(call: Call) -> Any:
        store = call.store
        raw = call.query.get("skus")
        if raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "skus"})
        stock_raw = call.query.get("stockId", call.query.get("stock_id"))
        if stock_raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "stockId"})
        stock_id = to_int(stock_raw)
        skus = list(raw.values()) if isinstance(raw, dict) else [raw]
        out = []
        for sku in skus:
            product = store.catalog.get(to_str(sku))
            salable = (stock_id == DEFAULT_STOCK and product is not None
                       and product.status == 1 and store.inventory.is_in_stock(product.sku))
            out.append({"sku": to_str(sku), "stock_id": stock_id, "salable": salable})
        return out

    @router.add("GET", "/V1/inventory/source-selection-algorithm-list", API + "source")
    async def algorithms(call: Call) -> Any:
        return [dict(a) for a in ALGORITHMS]

    @router.add("POST", "/V1/inventory/source-selection-algorithm-result", API + "source")
    async def select(call: Call) -> Any:
        store = call.store
        request = as_object(call.body.get("inventory_request"), "inventoryRequest")
        code = call.body.get("algorithm_code")
        if code in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "algorithmCode"})
        if code not in {a["code"] for a in ALGORITHMS}:
            raise WebapiError(400, 'Source Selection algorithm with code "%1" does not exist',
                              [to_str(code)])
        stock = _stock(store, request.get("stock_id"))
        sources = [s for s in store.msi.sources_of(stock["stock_id"]) if s.get("enabled")]
        selection: list[dict[str, Any]] = []
        shippable = True
        for entry in as_list(request.get("items"), "items"):
            item = as_object(entry, "items")
            sku = to_str(item.get("sku") or "")
            left = to_float(item.get("qty") or 0)
            for source in sources:
                have = store.inventory.items.get((sku, source["source_code"]))
                available = have.quantity if have is not None and have.status == 1 else 0.0
                take = min(left, max(0.0, available))
                selection.append({"source_code": source["source_code"], "sku": sku,
                                  "qty_to_deduct": take, "qty_available": available})
                left -= take
            if left > 1e-9:
                shippable = False
        return {"source_selection_items": selection, "shippable": shippable}
