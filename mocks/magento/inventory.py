"""MSI: source items, the default stock, reservations and salable quantity (spec §4.3).

::

    salable(sku) = Σ qty of in-stock source items on sources linked to stock 1
                   - min_qty + Σ signed reservations(sku)

Reservations are append-only signed rows (order_placed -, order_canceled +, shipment_created
+ with a source deduction, creditmemo_created +), so a finished order nets to zero.
``reserve`` is the place-order step: ``strict`` checks and appends with no await in between
(atomic on the event loop); ``race`` awaits a configurable window between the check and the
append, exactly where Magento's AppendReservations has no lock (magento/magento2#25653).
``locked(skus)`` is Magento's lock manager (named locks, one per SKU): core does not take it
around that window; an integration that guards its place-order step does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from .rest import WebapiError, check_fields, to_bool, to_float, to_int

__all__ = ["Inventory", "Reservation", "SourceItem", "StockConfig"]

DEFAULT_SOURCE = "default"
DEFAULT_STOCK = 1
STOCK_ITEM_FIELDS = frozenset({
    "item_id", "product_id", "stock_id", "qty", "is_in_stock", "is_qty_decimal",
    "show_default_notification_message", "use_config_min_qty", "min_qty",
    "use_config_min_sale_qty", "min_sale_qty", "use_config_max_sale_qty", "max_sale_qty",
    "use_config_backorders", "backorders", "use_config_notify_stock_qty", "notify_stock_qty",
    "use_config_qty_increments", "qty_increments", "use_config_enable_qty_inc",
    "enable_qty_increments", "use_config_manage_stock", "manage_stock", "low_stock_date",
    "is_decimal_divided", "stock_status_changed_auto", "extension_attributes"})


@dataclass
class SourceItem:
    sku: str
    source_code: str
    quantity: float
    status: int = 1
    seq: int = 0          # creation order: the evidence cursor
    ts: float = 0.0       # last change (epoch seconds): the evidence ``since`` filter

    def out(self) -> dict[str, Any]:
        return {"sku": self.sku, "source_code": self.source_code, "quantity": self.quantity,
                "status": self.status}


_SETTINGS_VERSIONS = itertools.count(1)


@dataclass
class StockConfig:
    """The legacy stock item's settings that MSI still honours."""

    item_id: int
    product_id: int
    min_qty: float = 0.0
    min_sale_qty: float = 1.0
    max_sale_qty: float = 10000.0
    backorders: int = 0
    manage_stock: bool = True
    qty_increments: float = 1.0
    enable_qty_increments: bool = False
    notify_stock_qty: float = 1.0
    is_qty_decimal: bool = False
    low_stock_date: str | None = None
    # The stock item as these settings render it (qty and status filled in per read): built
    # once per change of a setting, since every product read renders one.
    _rendered: dict[str, Any] | None = field(default=None, init=False, repr=False,
                                             compare=False)
    # Moves on every change of a setting, unique across all settings objects: a rendering
    # kept with it is stale once it moved.
    version: int = field(default=0, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_rendered" and name != "version":
            object.__setattr__(self, "_rendered", None)
            object.__setattr__(self, "version", next(_SETTINGS_VERSIONS))

    def stock_item(self, product_id: int, qty: float, in_stock: bool) -> dict[str, Any]:
        """``CatalogInventory``'s stock item of these settings (a fresh dict)."""
        rendered = self._rendered
        if rendered is None:
            rendered = self._rendered = {
                "item_id": self.item_id, "product_id": product_id, "stock_id": DEFAULT_STOCK,
                "qty": qty, "is_in_stock": in_stock, "is_qty_decimal": self.is_qty_decimal,
                "show_default_notification_message": False, "use_config_min_qty": True,
                "min_qty": self.min_qty, "use_config_min_sale_qty": 1,
                "min_sale_qty": self.min_sale_qty, "use_config_max_sale_qty": True,
                "max_sale_qty": self.max_sale_qty, "use_config_backorders": True,
                "backorders": self.backorders, "use_config_notify_stock_qty": True,
                "notify_stock_qty": self.notify_stock_qty, "use_config_qty_increments": True,
                "qty_increments": self.qty_increments, "use_config_enable_qty_inc": True,
                "enable_qty_increments": self.enable_qty_increments,
                "use_config_manage_stock": True, "manage_stock": self.manage_stock,
                "low_stock_date": self.low_stock_date, "is_decimal_divided": False,
                "stock_status_changed_auto": 0}
        item = rendered.copy()
        item["product_id"] = product_id
        item["qty"] = qty
        item["is_in_stock"] = in_stock
        return item


@dataclass(frozen=True)
class Reservation:
    reservation_id: int
    stock_id: int
    sku: str
    quantity: float
    metadata: dict[str, Any]
    ts: float = 0.0       # when it was appended (epoch seconds)

    def out(self) -> dict[str, Any]:
        return {"reservation_id": self.reservation_id, "stock_id": self.stock_id,
                "sku": self.sku, "quantity": self.quantity, "metadata": self.metadata}


@dataclass
class Inventory:
    mode: str = "strict"
    race_window: float = 0.02
    sources: dict[str, int] = field(default_factory=lambda: {DEFAULT_SOURCE: DEFAULT_STOCK})
    items: dict[tuple[str, str], SourceItem] = field(default_factory=dict)
    by_sku: dict[str, dict[str, SourceItem]] = field(default_factory=lambda: defaultdict(dict))
    config: dict[str, StockConfig] = field(default_factory=dict)
    reservations: list[Reservation] = field(default_factory=list)
    reserved: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _item_seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _locks: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    # --- source items --------------------------------------------------------------------

    def set_source_item(self, sku: str, source_code: str, quantity: float, status: int) -> None:
        item = self.items.get((sku, source_code))
        now = time.time()
        if item is None:
            # A new item goes to the end of ``items``, so ``items`` stays in ``seq`` order.
            item = SourceItem(sku, source_code, quantity, status, next(self._item_seq), now)
            self.items[(sku, source_code)] = item
            self.by_sku[sku][source_code] = item
        else:
            item.quantity, item.status, item.ts = quantity, status, now

    def delete_source_item(self, sku: str, source_code: str) -> None:
        if self.items.pop((sku, source_code), None) is not None:
            self.by_sku[sku].pop(source_code, None)

    def stock_config(self, sku: str, product_id: int) -> StockConfig:
        cfg = self.config.get(sku)
        if cfg is None:
            cfg = StockConfig(item_id=product_id, product_id=product_id)
            self.config[sku] = cfg
        return cfg

    def forget(self, sku: str) -> None:
        for code in list(self.by_sku.get(sku, {})):
            self.delete_source_item(sku, code)
        self.config.pop(sku, None)

    # --- the legacy stock item: a view of the default source (spec §4.1) -----------------

    def stock_item_state(self, sku: str, product_id: int) -> tuple[Any, ...]:
        """What ``stock_item`` reads, as a value: equal states render equal stock items."""
        cfg = self.stock_config(sku, product_id)
        item = self.items.get((sku, DEFAULT_SOURCE))
        if item is None:
            return (cfg.version,)
        return cfg.version, item.quantity, item.status

    def stock_item(self, sku: str, product_id: int) -> dict[str, Any]:
        """``CatalogInventory``'s stock item: its ``qty`` is the default source's (it drops on
        shipment, not on order placement)."""
        cfg = self.stock_config(sku, product_id)
        item = self.items.get((sku, DEFAULT_SOURCE))
        qty = item.quantity if item is not None else 0.0
        in_stock = item is not None and item.status == 1 and (qty > cfg.min_qty or bool(
            cfg.backorders))
        return cfg.stock_item(product_id, qty, in_stock)

    def apply_stock_item(self, sku: str, product_id: int, data: dict[str, Any],
                         version: tuple[int, ...]) -> int:
        """Write a stock item: its settings, and its qty into the default source item (as
        MSI's legacy sync does); returns the item id."""
        check_fields(data, STOCK_ITEM_FIELDS, version,
                     "Magento\\CatalogInventory\\Api\\Data\\StockItemInterface")
        cfg = self.stock_config(sku, product_id)
        for key in ("min_qty", "min_sale_qty", "max_sale_qty", "qty_increments",
                    "notify_stock_qty"):
            if data.get(key) is not None:
                setattr(cfg, key, to_float(data[key]))
        if data.get("backorders") is not None:
            cfg.backorders = to_int(data["backorders"])
        for key in ("manage_stock", "enable_qty_increments", "is_qty_decimal"):
            if data.get(key) is not None:
                setattr(cfg, key, to_bool(data[key]))
        current = self.items.get((sku, DEFAULT_SOURCE))
        qty = to_float(data["qty"]) if data.get("qty") is not None else (
            current.quantity if current else 0.0)
        if data.get("is_in_stock") is not None:
            status = 1 if to_bool(data["is_in_stock"]) else 0
        else:
            status = current.status if current else (1 if qty > 0 else 0)
        self.set_source_item(sku, DEFAULT_SOURCE, qty, status)
        return cfg.item_id

    # --- salable quantity ------------------------------------------------------------------

    def physical(self, sku: str) -> float:
        return sum(i.quantity for i in self.by_sku.get(sku, {}).values()
                   if i.status == 1 and self.sources.get(i.source_code) == DEFAULT_STOCK)

    def has_stock_data(self, sku: str) -> bool:
        return bool(self.by_sku.get(sku))

    def manages_stock(self, sku: str) -> bool:
        cfg = self.config.get(sku)
        return cfg is None or cfg.manage_stock

    def salable(self, sku: str) -> float:
        """What get-product-salable-quantity answers (0 when there is no stock data)."""
        if not self.has_stock_data(sku):
            return 0.0
        cfg = self.config.get(sku)
        min_qty = cfg.min_qty if cfg is not None else 0.0
        return self.physical(sku) - min_qty + self.reserved.get(sku, 0.0)

    def is_in_stock(self, sku: str) -> bool:
        cfg = self.config.get(sku)
        if cfg is not None and (not cfg.manage_stock or cfg.backorders):
            return True
        return self.has_stock_data(sku) and self.salable(sku) > 0

    def indexed_in_stock(self, sku: str) -> bool:
        """The stock index's is_salable: source quantities only, reservations not counted
        (what the catalog and add-to-cart see before the qty check)."""
        cfg = self.config.get(sku)
        if cfg is not None and (not cfg.manage_stock or cfg.backorders):
            return True
        min_qty = cfg.min_qty if cfg is not None else 0.0
        return self.has_stock_data(sku) and self.physical(sku) - min_qty > 0

    def can_sell(self, sku: str, qty: float) -> bool:
        cfg = self.config.get(sku)
        if cfg is not None and (not cfg.manage_stock or cfg.backorders):
            return True
        return self.has_stock_data(sku) and self.salable(sku) >= qty

    # --- reservations ----------------------------------------------------------------------

    def append(self, sku: str, quantity: float, event: str, order_id: int,
               increment_id: str) -> None:
        if quantity == 0:
            return
        metadata = {"event_type": event, "object_type": "order", "object_id": str(order_id),
                    "object_increment_id": increment_id}
        self.reservations.append(
            Reservation(next(self._ids), DEFAULT_STOCK, sku, quantity, metadata, time.time()))
        self.reserved[sku] += quantity

    def _short(self, wanted: dict[str, float]) -> list[str]:
        return [sku for sku, qty in wanted.items() if not self.can_sell(sku, qty)]

    @contextlib.asynccontextmanager
    async def locked(self, skus: Iterable[str]) -> AsyncIterator[None]:
        """Hold the named lock of each SKU, taken in sorted order so that two orders sharing
        SKUs cannot deadlock."""
        async with contextlib.AsyncExitStack() as stack:
            for sku in sorted(set(skus)):
                await stack.enter_async_context(self._locks[sku])
            yield

    async def reserve(self, wanted: dict[str, float], order_id: int,
                      increment_id: str) -> list[str]:
        """CheckItemsQuantity then append ``order_placed``; returns the SKUs that fell short."""
        short = self._short(wanted)
        if short:
            return short
        if self.mode == "race" and self.race_window > 0:
            # Magento's window: other requests run here and pass the same check.
            await asyncio.sleep(self.race_window)
        for sku, qty in wanted.items():
            self.append(sku, -qty, "order_placed", order_id, increment_id)
        return []

    def deduct(self, sku: str, source_code: str, qty: float) -> bool:
        """Shipment source deduction; False when the source would go below zero."""
        item = self.items.get((sku, source_code))
        cfg = self.config.get(sku)
        if cfg is not None and not cfg.manage_stock:
            return True
        if item is None or (item.quantity < qty and not (cfg and cfg.backorders)):
            return False
        item.quantity -= qty
        item.ts = time.time()
        return True

    def restock(self, sku: str, source_code: str, qty: float) -> None:
        item = self.items.get((sku, source_code))
        if item is None:
            self.set_source_item(sku, source_code, qty, 1)
        else:
            item.quantity += qty
            item.ts = time.time()

    def reservations_for(self, order_id: int) -> float:
        key = str(order_id)
        return sum(r.quantity for r in self.reservations if r.metadata["object_id"] == key)

    def salable_all(self) -> dict[str, float]:
        return {sku: self.salable(sku) for sku in self.by_sku if self.by_sku[sku]}


def stock_message(version: tuple[int, ...], precise: bool, salable: float, wanted: float) -> str:
    """The over-salable 400 phrase per version (spec §2.3), already rendered."""
    if version >= (2, 4, 8):
        if precise:
            return f"Only {_fmt(max(salable, 0))} of {_fmt(wanted)} available"
        return "Not enough items for sale"
    return "The requested qty is not available"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def stock_error(version: tuple[int, ...], precise: bool, salable: float,
                wanted: float) -> WebapiError:
    return WebapiError(400, stock_message(version, precise, salable, wanted))
