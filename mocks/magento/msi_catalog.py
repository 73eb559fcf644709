"""MSI's sources, stocks and the links between them (InventoryApi).

``Inventory.sources`` (source code → stock id) is what salable quantity reads; this module owns
the records the REST API shows: a source (address, enabled flag), a stock (name, sales
channels) and each stock-source link with its priority. The default source ``default`` is
linked to the default stock 1, bound to website ``base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LINK_FIELDS", "SOURCE_FIELDS", "STOCK_FIELDS", "MsiCatalog"]

SOURCE_FIELDS = frozenset({
    "source_code", "name", "email", "contact_name", "enabled", "description", "latitude",
    "longitude", "country_id", "region_id", "region", "city", "street", "postcode", "phone",
    "fax", "use_default_carrier_config", "carrier_links", "extension_attributes"})
STOCK_FIELDS = frozenset({"stock_id", "name", "extension_attributes"})
LINK_FIELDS = frozenset({"stock_id", "source_code", "priority", "extension_attributes"})


@dataclass
class MsiCatalog:
    sources: dict[str, dict[str, Any]] = field(default_factory=lambda: {"default": {
        "source_code": "default", "name": "Default Source", "enabled": True,
        "description": "Default Source", "latitude": 0, "longitude": 0, "country_id": "US",
        "postcode": "00000", "use_default_carrier_config": True, "carrier_links": []}})
    stocks: dict[int, dict[str, Any]] = field(default_factory=lambda: {1: {
        "stock_id": 1, "name": "Default Stock", "extension_attributes": {
            "sales_channels": [{"type": "website", "code": "base"}]}}})
    links: list[dict[str, Any]] = field(default_factory=lambda: [
        {"stock_id": 1, "source_code": "default", "priority": 1}])
    next_stock_id: int = 2

    def link(self, stock_id: int, source_code: str) -> dict[str, Any] | None:
        return next((ln for ln in self.links if ln["stock_id"] == stock_id
                     and ln["source_code"] == source_code), None)

    def sources_of(self, stock_id: int) -> list[dict[str, Any]]:
        """Sources assigned to a stock, by link priority (GetSourcesAssignedToStock…)."""
        links = sorted((ln for ln in self.links if ln["stock_id"] == stock_id),
                       key=lambda ln: ln["priority"])
        return [self.sources[ln["source_code"]] for ln in links
                if ln["source_code"] in self.sources]

    def stock_of_channel(self, kind: str, code: str) -> dict[str, Any] | None:
        for stock in self.stocks.values():
            channels = stock.get("extension_attributes", {}).get("sales_channels", [])
            if any(c.get("type") == kind and c.get("code") == code for c in channels):
                return stock
        return None
