"""Plain data for a generated fixture profile (the interface between seeding and the mocks)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CatalogFixture", "CustomerFixture", "ProductFixture"]


@dataclass(frozen=True)
class ProductFixture:
    sku: str
    name: str
    price: float
    qty: int                      # on-hand quantity in the default source
    weight: float = 1.0
    category: str = "Default Category"
    url_key: str = ""
    hot: bool = False             # a scarce flash-sale SKU


@dataclass(frozen=True)
class CustomerFixture:
    email: str
    firstname: str
    lastname: str
    password: str
    street: str
    city: str
    postcode: str
    country_id: str = "US"
    region_id: int = 12
    region: str = "California"
    telephone: str = "5555550100"
    region_code: str = "CA"


@dataclass(frozen=True)
class CatalogFixture:
    profile: str
    seed: int
    products: tuple[ProductFixture, ...]
    customers: tuple[CustomerFixture, ...]
    hot_skus: tuple[str, ...] = field(default=())
    # Category paths ("Harbor/Olive/Summit"), parents before children; ProductFixture.category
    # is one of them (Magento ids are the store's business: id = 3 + index on a fresh store).
    categories: tuple[str, ...] = field(default=())
    description: str = ""

    def product(self, sku: str) -> ProductFixture:
        """The product with ``sku`` (KeyError if absent)."""
        for item in self.products:
            if item.sku == sku:
                return item
        raise KeyError(sku)
