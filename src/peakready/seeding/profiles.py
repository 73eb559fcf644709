"""``generate_catalog(profile, seed)``: a deterministic catalog and customer base.

The same ``(profile, seed)`` gives byte-identical fixtures in every process (the simulator,
the ERP mock and the checks each generate it and must agree on SKUs and quantities).
Faker is seeded once per part and only asked for small pools of words and names; the rows are
combined from those pools with a seeded ``random.Random``, so the 24,000-product ``medium``
profile costs milliseconds, not 24,000 x fields Faker calls. Nothing here depends on hash
order or the wall clock.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from faker import Faker

from peakready.seeding.model import CatalogFixture, CustomerFixture, ProductFixture
from peakready.seeding.profile_spec import (
    CategoriesSpec,
    CustomersSpec,
    ProfileSpec,
    Range,
    find_profile_file,
    load_profile,
)

__all__ = ["generate_catalog", "hot_sku", "product_sku"]

# Product kinds give names a retail look ("Olive Harbor Jacket") without a Faker call per row.
_KINDS = (
    "Jacket", "Tee", "Hoodie", "Backpack", "Tote", "Sneaker", "Boot", "Cap", "Scarf", "Watch",
    "Mug", "Bottle", "Lamp", "Cushion", "Blanket", "Headphones", "Speaker", "Charger", "Notebook",
    "Pen", "Yoga Mat", "Dumbbell", "Tent", "Sleeping Bag", "Sunglasses", "Wallet", "Belt",
)
# (Magento directory region_id, name, USPS code) for US regions; ids from directory_country_region.
_US_REGIONS = (
    (12, "California", "CA"), (43, "New York", "NY"), (57, "Texas", "TX"),
    (18, "Florida", "FL"), (23, "Illinois", "IL"), (51, "Pennsylvania", "PA"),
    (47, "Ohio", "OH"), (62, "Washington", "WA"), (32, "Massachusetts", "MA"),
    (13, "Colorado", "CO"),
)
_POOL = 256  # distinct first names, last names, streets, ... drawn from Faker per call
_SLUG = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def product_sku(prefix: str, index: int) -> str:
    """The regular SKU for 1-based ``index``: ``PR-000123``."""
    return f"{prefix}-{index:06d}"


def hot_sku(prefix: str, index: int) -> str:
    """The scarce flash-sale SKU for 1-based ``index``: ``PR-HOT-01``."""
    return f"{prefix}-HOT-{index:02d}"


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _money(rng: random.Random, span: Range) -> float:
    return round(rng.uniform(span.min, span.max), 2)


def _unique_words(fake: Faker, count: int) -> list[str]:
    """``count`` distinct title-cased words; numbered once Faker's word list runs out."""
    base = [w.title() for w in fake.words(min(count, 900), unique=True)]
    words = list(base)
    round_ = 2
    while len(words) < count:
        words.extend(f"{w} {round_}" for w in base[: count - len(words)])
        round_ += 1
    return words


def _categories(fake: Faker, rng: random.Random, spec: CategoriesSpec) -> list[str]:
    """Category paths ("Harbor/Olive/Summit") forming a tree ``spec.depth`` levels deep."""
    names = _unique_words(fake, spec.count)
    top = max(1, min(spec.count, round(spec.count ** (1 / spec.depth))))
    paths = names[:top]
    depth_of = [1] * top
    for name in names[top:]:
        parents = [i for i, d in enumerate(depth_of) if d < spec.depth] or [0]
        parent = parents[rng.randrange(len(parents))]
        paths.append(f"{paths[parent]}/{name}")
        depth_of.append(depth_of[parent] + 1)
    return paths


def _products(fake: Faker, rng: random.Random, spec: ProfileSpec,
              categories: list[str]) -> list[ProductFixture]:
    p = spec.products
    # Faker's CSS colour names are CamelCase ("DarkRed"); shoppers read "Dark Red".
    colors = sorted({_CAMEL.sub(" ", fake.color_name()) for _ in range(64)})
    words = _unique_words(fake, 200)
    products = []
    for index in range(1, p.count + 1):
        sku = product_sku(p.sku_prefix, index)
        name = f"{rng.choice(colors)} {rng.choice(words)} {rng.choice(_KINDS)}"
        products.append(ProductFixture(
            sku=sku, name=name, price=_money(rng, p.price),
            qty=rng.randint(int(p.qty.min), int(p.qty.max)),
            weight=round(rng.uniform(p.weight.min, p.weight.max), 2),
            category=rng.choice(categories), url_key=f"{_slug(name)}-{sku.lower()}",
        ))
    hot = spec.hot
    for index in range(1, hot.count + 1):
        sku = hot_sku(p.sku_prefix, index)
        name = f"Limited {rng.choice(words)} {rng.choice(_KINDS)} Drop {index:02d}"
        products.append(ProductFixture(
            sku=sku, name=name, price=_money(rng, hot.price), qty=hot.qty,
            weight=round(rng.uniform(p.weight.min, p.weight.max), 2),
            category=categories[0], url_key=f"{_slug(name)}-{sku.lower()}", hot=True,
        ))
    return products


def _customers(fake: Faker, rng: random.Random, spec: CustomersSpec) -> list[CustomerFixture]:
    pool = min(_POOL, max(spec.count, 1))
    firsts = [fake.first_name() for _ in range(pool)]
    lasts = [fake.last_name() for _ in range(pool)]
    streets = [f"{fake.street_name()}" for _ in range(pool)]
    cities = [fake.city() for _ in range(pool)]
    regions = {code: [fake.postcode_in_state(code) for _ in range(8)]
               for _, _, code in _US_REGIONS}
    customers = []
    for index in range(1, spec.count + 1):
        first, last = rng.choice(firsts), rng.choice(lasts)
        region_id, region, code = rng.choice(_US_REGIONS)
        # The index keeps emails unique however the names collide.
        email = f"{_slug(first)}.{_slug(last)}.{index:05d}@{spec.email_domain}"
        # Magento's default password policy: 8+ characters from 3+ classes (spec §7).
        password = f"Peak-{rng.getrandbits(32):08x}-Ready1"
        customers.append(CustomerFixture(
            email=email, firstname=first, lastname=last, password=password,
            street=f"{rng.randint(1, 9999)} {rng.choice(streets)}", city=rng.choice(cities),
            postcode=rng.choice(regions[code]), region_id=region_id, region=region,
            region_code=code,
            telephone=f"555555{rng.randint(0, 9999):04d}",
        ))
    return customers


def generate_catalog(profile: str = "small", seed: int = 0,
                     fixtures_dir: Path | None = None) -> CatalogFixture:
    """Build the catalog and customers of ``fixtures/profiles/<profile>.yaml`` for ``seed``.

    Raises ``ConfigError`` for a missing or invalid profile file, ``ContentError`` when no
    fixtures directory can be found.
    """
    path = find_profile_file(profile, fixtures_dir)
    spec = load_profile(path)
    fake = Faker("en_US")

    # One seeded stream per part, so that changing the customer count of a profile does not
    # reshuffle its products (str seeds are hashed with SHA-512: stable across processes).
    def stream(part: str) -> random.Random:
        fake.seed_instance(f"{seed}:{part}")
        return random.Random(f"{seed}:{part}")

    categories = _categories(fake, stream("categories"), spec.categories)
    products = _products(fake, stream("products"), spec, categories)
    customers = _customers(fake, stream("customers"), spec.customers)
    return CatalogFixture(
        profile=spec.name or path.stem, seed=seed, products=tuple(products),
        customers=tuple(customers), hot_skus=tuple(p.sku for p in products if p.hot),
        categories=tuple(categories), description=spec.description,
    )
