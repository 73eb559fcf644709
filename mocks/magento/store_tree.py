"""Websites, store groups, store views and their configuration (Magento_Store), plus the
directory (countries, currency) they answer with.

The simulator runs Magento's default single-site tree: website ``base`` (1) → store group
``main_website_store`` (1, root category 2) → store view ``default`` (1), beside the admin
scope (``admin``, id 0) that every Magento install has and that the list routes return too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["COUNTRIES", "StoreTree"]

# ISO codes with the regions connectors send most (US states carry Magento's region ids).
COUNTRIES: dict[str, tuple[str, str, list[tuple[int, str, str]]]] = {
    "US": ("USA", "United States", [(1, "AL", "Alabama"), (12, "CA", "California"),
                                   (43, "NY", "New York"), (57, "TX", "Texas"),
                                   (62, "WA", "Washington")]),
    "CA": ("CAN", "Canada", [(66, "ON", "Ontario"), (76, "QC", "Quebec")]),
    "GB": ("GBR", "United Kingdom", []),
    "DE": ("DEU", "Germany", [(82, "BER", "Berlin"), (88, "NRW", "Nordrhein-Westfalen")]),
    "FR": ("FRA", "France", []),
    "NL": ("NLD", "Netherlands", []),
}


@dataclass
class StoreTree:
    base_url: str = "http://localhost:8280/"
    websites: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
        {"id": 1, "code": "base", "name": "Main Website", "default_group_id": 1}])
    groups: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": 0, "website_id": 0, "root_category_id": 0, "default_store_id": 0,
         "name": "Default", "code": "default"},
        {"id": 1, "website_id": 1, "root_category_id": 2, "default_store_id": 1,
         "name": "Main Website Store", "code": "main_website_store"}])
    views: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": 0, "code": "admin", "website_id": 0, "store_group_id": 0, "is_active": 1,
         "name": "Admin"},
        {"id": 1, "code": "default", "website_id": 1, "store_group_id": 1, "is_active": 1,
         "name": "Default Store View"}])
    currency: str = "USD"

    def website_ids(self) -> set[int]:
        return {w["id"] for w in self.websites if w["id"] != 0}

    def config(self, view: dict[str, Any]) -> dict[str, Any]:
        url = self.base_url
        return {"id": view["id"], "code": view["code"], "website_id": view["website_id"],
                "locale": "en_US", "base_currency_code": self.currency,
                "default_display_currency_code": self.currency,
                "timezone": "America/Los_Angeles", "weight_unit": "lbs", "base_url": url,
                "base_link_url": url, "base_static_url": f"{url}static/",
                "base_media_url": f"{url}media/", "secure_base_url": url,
                "secure_base_link_url": url, "secure_base_static_url": f"{url}static/",
                "secure_base_media_url": f"{url}media/"}

    def configs(self, codes: list[str] | None) -> list[dict[str, Any]]:
        """StoreConfigManager::getStoreConfigs: the named views (all of them when none),
        unknown codes skipped as Magento's collection filter skips them. Its store collection
        does not load the admin store (id 0), unlike the store view list."""
        wanted = [v for v in self.views if v["id"] != 0 and (codes is None or v["code"] in codes)]
        return [self.config(v) for v in wanted]


def country(code: str) -> dict[str, Any] | None:
    found = COUNTRIES.get(code.upper())
    if found is None:
        return None
    iso3, name, regions = found
    out: dict[str, Any] = {"id": code.upper(), "two_letter_abbreviation": code.upper(),
                           "three_letter_abbreviation": iso3, "full_name_locale": name,
                           "full_name_english": name}
    if regions:
        out["available_regions"] = [{"id": str(i), "code": c, "name": n}
                                    for i, c, n in regions]
    return out
