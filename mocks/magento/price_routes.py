"""Price storage routes (Magento_Catalog): base prices, special prices, tier prices, their
``-information`` reads, and the per-group tier price management of one product.

The storage updates answer a list of ``PriceUpdateResultInterface`` for the rows they could
not save (an empty list when all were saved), as Magento's price storages do; the valid rows
of a partly invalid call are still saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import no_product
from .pages.invalidation import product_saved
from .rest import WebapiError, as_list, to_float, to_int, to_str

if TYPE_CHECKING:
    from .catalog import Product
    from .routing import Call, Router
    from .state import Store

__all__ = ["register"]

ACL = "Magento_Catalog::products"
ALL_GROUPS = "32000"
MSG_MISSING = "Requested product doesn't exist: %sku"


def _result(message: str, *params: Any) -> dict[str, Any]:
    return {"message": message, "parameters": [str(p) for p in params]}


def _products_for(store: Store, call: Call) -> list[Product]:
    skus = as_list(call.body.get("skus"), "skus")
    out = []
    for raw in skus:
        product = store.catalog.get(to_str(raw))
        if product is None:
            raise WebapiError(404, MSG_MISSING, {"sku": to_str(raw)})
        out.append(product)
    return out


def _rows(call: Call) -> list[dict[str, Any]]:
    rows = as_list(call.body.get("prices"), "prices")
    return [r if isinstance(r, dict) else {} for r in rows]


def _group_code(store: Store, group_id: Any) -> str:
    if str(group_id) == ALL_GROUPS:
        return "ALL GROUPS"
    group = store.groups.by_id.get(to_int(group_id))
    return group["code"] if group else str(group_id)


def _group_id(store: Store, code: str) -> str | None:
    if code.upper() == "ALL GROUPS":
        return ALL_GROUPS
    group = store.groups.by_code(code)
    return str(group["id"]) if group else None


def _tier_out(store: Store, product: Product, tier: dict[str, Any]) -> dict[str, Any]:
    return {"price": tier["value"], "price_type": tier.get("price_type", "fixed"),
            "website_id": tier.get("website_id", 0), "sku": product.sku,
            "customer_group": _group_code(store, tier["customer_group_id"]),
            "quantity": tier["qty"]}


def _apply_tiers(store: Store, call: Call, replace: bool) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    valid: list[tuple[Product, dict[str, Any]]] = []
    for row in _rows(call):
        sku = to_str(row.get("sku") or "")
        product = store.catalog.get(sku) if sku else None
        group = _group_id(store, to_str(row.get("customer_group") or ""))
        try:
            price = to_float(row.get("price"))
            qty = to_float(row.get("quantity"))
        except WebapiError:
            price = qty = -1.0
        kind = row.get("price_type", "fixed")
        if product is None or group is None or price < 0 or qty <= 0 or kind not in (
                "fixed", "discount"):
            results.append(_result("Invalid attribute %fieldName = %fieldValue.", "sku", sku))
            continue
        valid.append((product, {"customer_group_id": group, "qty": qty, "value": price,
                                "website_id": to_int(row.get("website_id", 0)),
                                "price_type": kind}))
    if replace:
        for product in {p.sku: p for p, _ in valid}.values():
            product.tier_prices = []
    for product, tier in valid:
        product.tier_prices = [t for t in product.tier_prices if not (
            t["customer_group_id"] == tier["customer_group_id"] and t["qty"] == tier["qty"]
            and t.get("website_id", 0) == tier["website_id"])]
        product.tier_prices.append(tier)
        product.updated_at = store.now()
    return results


def register(router: Router) -> None:
    @router.add("POST", "/V1/products/base-prices", ACL)
    async def base_update(call: Call) -> Any:
        store, results = call.store, []
        for row in _rows(call):
            product = store.catalog.get(to_str(row.get("sku") or ""))
            try:
                price = to_float(row.get("price"))
            except WebapiError:
                price = -1.0
            if product is None or price < 0:
                results.append(_result(
                    "Invalid attribute %fieldName = %fieldValue.", "sku", row.get("sku", "")))
                continue
            product.price = price
            product.updated_at = store.now()
            product_saved(store, product, "price")   # its pages show the old price
        return results

    @router.add("POST", "/V1/products/base-prices-information", ACL)
    async def base_read(call: Call) -> Any:
        return [{"price": p.price, "store_id": 0, "sku": p.sku}
                for p in _products_for(call.store, call)]

    @router.add("POST", "/V1/products/special-price", ACL)
    async def special_update(call: Call) -> Any:
        store, results = call.store, []
        for row in _rows(call):
            product = store.catalog.get(to_str(row.get("sku") or ""))
            try:
                price = to_float(row.get("price"))
            except WebapiError:
                price = -1.0
            if product is None or price < 0:
                results.append(_result(
                    "Invalid attribute %fieldName = %fieldValue.", "sku", row.get("sku", "")))
                continue
            # EAV decimals come back as strings with six places, like every custom attribute
            product.custom["special_price"] = f"{price:.6f}"
            for key, attr in (("price_from", "special_from_date"),
                              ("price_to", "special_to_date")):
                if row.get(key):
                    product.custom[attr] = to_str(row[key])
            product.updated_at = store.now()
        return results

    @router.add("POST", "/V1/products/special-price-delete", ACL)
    async def special_delete(call: Call) -> Any:
        store, results = call.store, []
        for row in _rows(call):
            product = store.catalog.get(to_str(row.get("sku") or ""))
            if product is None or "special_price" not in product.custom:
                results.append(_result("The product that was requested doesn't exist. Verify "
                                       "the product and try again.", row.get("sku", "")))
                continue
            for attr in ("special_price", "special_from_date", "special_to_date"):
                product.custom.pop(attr, None)
        return results

    @router.add("POST", "/V1/products/special-price-information", ACL)
    async def special_read(call: Call) -> Any:
        return [{"price": float(p.custom["special_price"]), "store_id": 0, "sku": p.sku,
                 "price_from": str(p.custom.get("special_from_date") or ""),
                 "price_to": str(p.custom.get("special_to_date") or "")}
                for p in _products_for(call.store, call) if "special_price" in p.custom]

    @router.add("POST", "/V1/products/tier-prices", ACL)
    async def tier_add(call: Call) -> Any:
        return _apply_tiers(call.store, call, replace=False)

    @router.add("PUT", "/V1/products/tier-prices", ACL)
    async def tier_replace(call: Call) -> Any:
        return _apply_tiers(call.store, call, replace=True)

    @router.add("POST", "/V1/products/tier-prices-delete", ACL)
    async def tier_delete(call: Call) -> Any:
        store, results = call.store, []
        for row in _rows(call):
            product = store.catalog.get(to_str(row.get("sku") or ""))
            group = _group_id(store, to_str(row.get("customer_group") or ""))
            if product is None or group is None:
                results.append(_result("Invalid attribute %fieldName = %fieldValue.", "sku",
                                       row.get("sku", "")))
                continue
            qty = to_float(row.get("quantity") or 0)
            product.tier_prices = [t for t in product.tier_prices if not (
                t["customer_group_id"] == group and t["qty"] == qty)]
        return results

    @router.add("POST", "/V1/products/tier-prices-information", ACL)
    async def tier_read(call: Call) -> Any:
        store = call.store
        return [_tier_out(store, p, t) for p in _products_for(store, call)
                for t in p.tier_prices]

    def _product(call: Call) -> Product:
        product = call.store.catalog.get(call.param("sku"))
        if product is None:
            raise no_product()
        return product

    def _group(call: Call) -> str:
        raw = call.param("customerGroupId")
        if raw.lower() == "all" or raw == ALL_GROUPS:
            return ALL_GROUPS
        if to_int(raw) not in call.store.groups.by_id:
            raise WebapiError(404, "No such entity with %fieldName = %fieldValue",
                              {"fieldName": "customerGroupId", "fieldValue": raw})
        return str(to_int(raw))

    @router.add("GET", "/V1/products/{sku}/group-prices/{customerGroupId}/tiers", ACL)
    async def tiers(call: Call) -> Any:
        product, group = _product(call), _group(call)
        return [{"customer_group_id": to_int(t["customer_group_id"]), "qty": t["qty"],
                 "value": t["value"]} for t in product.tier_prices
                if t["customer_group_id"] == group]

    @router.add("POST", "/V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}/price/"
                "{price}", ACL)
    async def tier_set(call: Call) -> Any:
        product, group = _product(call), _group(call)
        qty, price = to_float(call.param("qty")), to_float(call.param("price"))
        if qty <= 0 or price < 0:
            raise WebapiError(400, "The data was invalid. Verify the data and try again.")
        product.tier_prices = [t for t in product.tier_prices if not (
            t["customer_group_id"] == group and t["qty"] == qty)]
        product.tier_prices.append({"customer_group_id": group, "qty": qty, "value": price,
                                    "website_id": 0, "price_type": "fixed"})
        product.updated_at = call.store.now()
        return True

    @router.add("DELETE", "/V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}", ACL)
    async def tier_remove(call: Call) -> Any:
        product, group = _product(call), _group(call)
        qty = to_float(call.param("qty"))
        kept = [t for t in product.tier_prices
                if not (t["customer_group_id"] == group and t["qty"] == qty)]
        if len(kept) == len(product.tier_prices):
            raise WebapiError(404, "No such entity.")
        product.tier_prices = kept
        return True
