"""Deterministic fixture profiles (catalog, customers, scarce hot SKUs) and store seeding.

::

    model.py          CatalogFixture / ProductFixture / CustomerFixture (plain frozen data)
    profile_spec.py   fixtures/profiles/<name>.yaml → ProfileSpec (validated; ConfigError)
    profiles.py       ProfileSpec + seed → CatalogFixture (faker pools + seeded Random streams)
    payloads.py       fixture rows → Magento REST bodies (product, sourceItems, customer)
    store_seeder.py   CatalogFixture → a store over Magento REST (simulator or allow-listed real)
    cli.py            `peakready seed`

The ERP mock seeds its on-hand stock and the Magento simulator its catalog from the same
``generate_catalog(profile, seed)``, so SKUs and quantities agree across the estate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peakready.seeding.model import CatalogFixture, CustomerFixture, ProductFixture

if TYPE_CHECKING:
    from peakready.seeding.profiles import generate_catalog

__all__ = ["CatalogFixture", "CustomerFixture", "ProductFixture", "generate_catalog"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the fixture dataclasses must not pay for faker, pydantic and yaml.
    if name == "generate_catalog":
        from peakready.seeding.profiles import generate_catalog

        return generate_catalog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
