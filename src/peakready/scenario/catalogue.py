"""What the journeys buy and who buys it: the plan's fixture profile, generated in-process.

The simulator, the ERP mock and the checks generate the same profile with the same seed
(docs/seeding.md), so SKUs and customer passwords agree without being passed around.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peakready.seeding.model import CustomerFixture
from peakready.seeding.profiles import generate_catalog

__all__ = ["Catalogue", "load_catalogue"]


@dataclass(frozen=True)
class Catalogue:
    regular_skus: tuple[str, ...]
    hot_skus: tuple[str, ...]
    customers: tuple[CustomerFixture, ...]
    #: SKU → url_key: the product page (``/<url_key>.html``) a shopper of a page store visits
    url_keys: Mapping[str, str] = field(default_factory=dict)

    def basket(self, rng: random.Random) -> list[dict[str, Any]]:
        """One to three regular SKUs, one or two of each (never the scarce hot SKUs)."""
        skus = rng.sample(self.regular_skus, min(len(self.regular_skus), rng.randint(1, 3)))
        return [{"sku": sku, "qty": rng.randint(1, 2)} for sku in skus]


@functools.lru_cache(maxsize=4)
def load_catalogue(profile: str = "small", seed: int = 0,
                   fixtures_dir: str | None = None) -> Catalogue:
    fixture = generate_catalog(profile, seed,
                               Path(fixtures_dir) if fixtures_dir is not None else None)
    return Catalogue(regular_skus=tuple(p.sku for p in fixture.products if not p.hot),
                     hot_skus=fixture.hot_skus, customers=fixture.customers,
                     url_keys={p.sku: p.url_key for p in fixture.products if p.url_key})
