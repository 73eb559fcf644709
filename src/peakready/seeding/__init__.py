"""Deterministic fixture profiles (catalog, customers, scarce hot SKUs) and store seeding.

::

    profiles.py       fixtures/profiles/<name>.yaml + seed → CatalogFixture (faker, seeded)
    store_seeder.py   CatalogFixture → a store over Magento REST (simulator or allow-listed real)
    cli.py            `peakready seed`

The ERP mock seeds its on-hand stock and the Magento simulator its catalog from the same
``generate_catalog(profile, seed)``, so SKUs and quantities agree across the estate.
"""

from __future__ import annotations

from peakready.seeding.model import CatalogFixture, CustomerFixture, ProductFixture

__all__ = ["CatalogFixture", "CustomerFixture", "ProductFixture"]
