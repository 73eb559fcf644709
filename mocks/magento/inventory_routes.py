"""Inventory routes: legacy CatalogInventory (§4.1) and MSI (§4.2) over ``inventory.py``.

The legacy stock item is a view of the default source (its ``qty`` drops on shipment, not on
order placement); writing it writes the default source item, as MSI's legacy sync does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import Product, no_product
from .inventory import DEFAULT_STOCK
from .pages.invalidation import salability, stock_saved
from .rest import (
    WebapiError,
    as_list,
    as_object,
    check_fields,
    to_float,
    to_int,
    to_str,
)
from .search import parse_criteria, search

if TYPE_CHECKING:
    from .routing import Call, Router
    from .state import Store

__all__ = ["register", "save_source_items"]

SOURCE_ITEM_FIELDS = frozenset({"sku", "source_code", "quantity", "status",
                                "extension_attributes"})
SOURCE_ITEM_TYPE = "Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"
_SI_SEARCHABLE = frozenset({"sku", "source_code", "quantity", "status", "source_item_id"})


def _validate_source_item(store: Store, raw: Any) -> tuple[str, str, float, int]:
    if not isinstance(raw, dict):
        raise WebapiError(400, 'The "%value" value\'s type is invalid. The "%type" type was '
                          "expected. Verify and try again.",
                          {"value": "scalar", "type": SOURCE_ITEM_TYPE})
    check_fields(raw, SOURCE_ITEM_FIELDS, store.cfg.version, SOURCE_ITEM_TYPE)
    errors: list[dict[str, Any]] = []
    sku = raw.get("sku")
    if sku is None or (isinstance(sku, str) and not sku.strip()):
        errors.append({"message": '"%field" can not be empty.', "parameters": {"field": "sku"}})
    elif isinstance(sku, str) and sku != sku.strip():
        errors.append({"message": '"%field" can not contain leading or trailing spaces.',
                       "parameters": {"field": "sku"}})
    source = raw.get("source_code")
    if source in (None, ""):
        errors.append({"message": '"%field" can not be empty.',
                       "parameters": {"field": "source_code"}})
    quantity = raw.get("quantity", 0)
    try:
        qty = to_float(quantity)
    except WebapiError:
        errors.append({"message": '"%field" should be numeric.',
                       "parameters": {"field": "quantity"}})
        qty = 0.0
    status = raw.get("status", 1)
    if status not in (0, 1, "0", "1", True, False):
        errors.append({"message": '"%field" should a known status.',
                       "parameters": {"field": "status"}})
    if errors:
        first = errors[0]
        text = first["message"].replace("%field", first["parameters"]["field"])
        raise WebapiError(400, f"Validation Failed: {text}", errors=errors)
    return to_str(sku), to_str(source), qty, int(status in (1, "1", True))


def save_source_items(store: Store, raw: Any, *, async_call: bool = False) -> None:
    """SourceItemsSaveInterface::execute — all valid or nothing saved."""
    items = as_list(raw, "sourceItems")
    limits = store.cfg.input_limits
    limit = limits.async_array_limit if async_call else limits.complex_array_limit
    if limits.enabled and len(items) > limit:
        raise WebapiError(400, 'Maximum items of type "%type" is %max',
                          {"type": SOURCE_ITEM_TYPE, "max": limit})
    if not items:
        raise WebapiError(400, "Input data is empty")
    parsed = [_validate_source_item(store, item) for item in items]
    for sku, source, _, _ in parsed:
        if source not in store.inventory.sources:
            raise WebapiError(400, "Could not save Source Item")
        if store.catalog.get(sku) is None:
            raise WebapiError(400, "Could not save Source Item")
    before = salability(store, {sku for sku, _, _, _ in parsed})
    for sku, source, qty, status in parsed:
        product = store.catalog.get(sku)
        assert product is not None
        store.inventory.stock_config(product.sku, product.id)
        store.inventory.set_source_item(product.sku, source, qty, status)
    stock_saved(store, before, "source_items")


def _salable_product(store: Store, sku: str) -> Product:
    product = store.catalog.get(sku)
    if product is None:
        raise no_product()
    if product.is_composite:
        raise WebapiError(400, "Can't check requested quantity for products without Source "
                          "Items support.")
    return product


def _stock(call: Call) -> int:
    stock_id = to_int(call.path["stockId"])
    if stock_id != DEFAULT_STOCK:
        raise WebapiError(404, "Stock with id \"%value\" does not exist.", {"value": stock_id})
    return stock_id


def _salability(store: Store, sku: str, qty: float) -> dict[str, Any]:
    product = _salable_product(store, sku)
    inv = store.inventory
    if inv.can_sell(product.sku, qty):
        return {"salable": True, "errors": []}
    if not inv.has_stock_data(product.sku):
        code = "requested-sku-is-not-assigned-to-given-stock"
        message = "The requested sku is not assigned to given stock."
    else:
        code = "is_salable_with_reservations-not_enough_qty"
        message = ("Not enough items for sale" if store.cfg.version >= (2, 4, 8)
                   else "The requested qty is not available")
    return {"salable": False, "errors": [{"code": code, "message": message}]}


def register(router: Router) -> None:
    legacy = "Magento_CatalogInventory::cataloginventory"
    sales_stock = "Magento_InventorySalesApi::stock"

    @router.add("GET", "/V1/stockItems/{productSku}", legacy)
    async def get_stock_item(call: Call) -> Any:
        product = call.store.catalog.get(call.path["productSku"])
        if product is None:
            raise no_product()
        return call.store.inventory.stock_item(product.sku, product.id)

    @router.add("PUT", "/V1/products/{productSku}/stockItems/{itemId}", legacy)
    async def put_stock_item(call: Call) -> Any:
        product = call.store.catalog.get(call.path["productSku"])
        if product is None:
            raise no_product()
        data = as_object(call.body.get("stock_item"), "stockItem")
        before = salability(call.store, [product.sku])
        saved = call.store.inventory.apply_stock_item(product.sku, product.id, data,
                                                      call.store.cfg.version)
        stock_saved(call.store, before, "stock_item")
        return saved

    @router.add("GET", "/V1/stockStatuses/{productSku}", legacy)
    async def get_stock_status(call: Call) -> Any:
        product = call.store.catalog.get(call.path["productSku"])
        if product is None:
            raise no_product()
        item = call.store.inventory.stock_item(product.sku, product.id)
        # StockStatusInterface::getQty() is declared int: Magento's output casts it.
        return {"product_id": product.id, "stock_id": DEFAULT_STOCK, "qty": int(item["qty"]),
                "stock_status": 1 if item["is_in_stock"] else 0, "stock_item": item}

    @router.add("GET", "/V1/stockItems/lowStock", legacy)
    async def low_stock(call: Call) -> Any:
        store = call.store
        q = call.query
        threshold = to_float(q.get("qty")) if q.get("qty") not in (None, "") else None
        if q.get("scopeId", q.get("scope_id")) in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "scopeId"})
        if threshold is None:
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "qty"})
        rows = []
        for product in store.catalog.products.values():
            if product.is_composite:
                continue
            item = store.inventory.stock_item(product.sku, product.id)
            if item["manage_stock"] and item["qty"] < threshold:
                rows.append(item)
        size = to_int(q["pageSize"]) if q.get("pageSize") not in (None, "") else 0
        page = max(1, to_int(q["currentPage"])) if q.get("currentPage") not in (None, "") \
            else 1
        total = len(rows)
        if size > 0:
            last = max(1, -(-total // size))
            page = min(page, last)
            rows = rows[(page - 1) * size:page * size]
        criteria = {"mapper_interface_name": "Magento\\CatalogInventory\\Model\\ResourceModel"
                    "\\Stock\\Item\\StockItemCriteriaMapper", "criteria_list": [],
                    "filters": [], "orders": [],
                    "limit": [str(page), str(size)] if size > 0 else []}
        return {"items": rows, "search_criteria": criteria, "total_count": total}

    @router.add("GET", "/V1/inventory/source-items", "Magento_InventoryApi::source")
    async def list_source_items(call: Call) -> Any:
        crit = parse_criteria(call.query, limits=call.store.cfg.input_limits)
        rows, total = search(list(call.store.inventory.items.values()), crit,
                             lambda i, f: getattr(i, f, None), lambda f: f in _SI_SEARCHABLE)
        return {"items": [i.out() for i in rows], "search_criteria": crit.echo(),
                "total_count": total}

    def assign_acl(version: tuple[int, ...]) -> str:
        return ("Magento_InventoryApi::stock_source_item_assign" if version >= (2, 4, 5)
                else "Magento_InventoryApi::source")

    @router.add("POST", "/V1/inventory/source-items", "version:source_items",
                service="Magento\\InventoryApi\\Api\\SourceItemsSaveInterface::execute")
    async def save(call: Call) -> Any:
        save_source_items(call.store, call.body.get("source_items"),
                          async_call=call.is_async)
        return []

    @router.add("POST", "/V1/inventory/source-items-delete", "version:source_items")
    async def delete(call: Call) -> Any:
        items = as_list(call.body.get("source_items"), "sourceItems")
        parsed = []
        for raw in items:
            data = as_object(raw, "sourceItems")
            if data.get("sku") in (None, "") or data.get("source_code") in (None, ""):
                raise WebapiError(400, "Could not delete Source Items")
            parsed.append((to_str(data["sku"]), to_str(data["source_code"])))
        for sku, source in parsed:
            call.store.inventory.delete_source_item(sku, source)
        return []

    router.acl_resolvers["version:source_items"] = assign_acl

    @router.add("GET", "/V1/inventory/get-product-salable-quantity/{sku}/{stockId}", sales_stock)
    async def salable_qty(call: Call) -> Any:
        _stock(call)
        product = _salable_product(call.store, call.path["sku"])
        return call.store.inventory.salable(product.sku)

    @router.add("GET", "/V1/inventory/is-product-salable/{sku}/{stockId}", sales_stock)
    async def is_salable(call: Call) -> Any:
        _stock(call)
        product = call.store.catalog.get(call.path["sku"])
        return product is not None and product.status == 1 and \
            call.store.inventory.is_in_stock(product.sku)

    @router.add("GET", "/V1/inventory/is-product-salable-for-requested-qty/{sku}/{stockId}/"
                "{requestedQty}", sales_stock)
    async def is_salable_qty(call: Call) -> Any:
        _stock(call)
        return _salability(call.store, call.path["sku"], to_float(call.path["requestedQty"]))

    @router.add("GET", "/V1/inventory/are-product-salable-for-requested-qty", sales_stock)
    async def are_salable_qty(call: Call) -> Any:
        raw = call.query.get("skuRequests", call.query.get("sku_requests"))
        stock_id = call.query.get("stockId", call.query.get("stock_id"))
        if stock_id in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "stockId"})
        if raw in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "skuRequests"})
        sid = to_int(stock_id)
        out = []
        for entry in as_list(raw, "skuRequests"):
            if not isinstance(entry, dict) or entry.get("sku") in (None, ""):
                raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                                  {"fieldName": "sku"})
            sku = to_str(entry["sku"])
            qty = to_float(entry.get("qty", 1))
            result = _salability(call.store, sku, qty)
            out.append({"sku": sku, "stock_id": sid, **result})
        return out

    @router.add("GET", "/V1/inventory/stock-resolver/{type}/{code}", sales_stock)
    async def resolver(call: Call) -> Any:
        if call.path["type"] != "website" or call.path["code"] != "base":
            raise WebapiError(404, "No linked stock found")
        return {"stock_id": DEFAULT_STOCK, "name": "Default Stock",
                "extension_attributes": {"sales_channels": [{"type": "website",
                                                             "code": "base"}]}}
