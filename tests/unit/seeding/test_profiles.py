"""generate_catalog: determinism, counts per profile, hot SKUs, speed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peakready.seeding import CatalogFixture, generate_catalog

_REPO = Path(__file__).resolve().parents[3]
_FIXTURES = _REPO / "fixtures"


def _digest(catalog: CatalogFixture) -> str:
    text = json.dumps(dataclasses.asdict(catalog), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_profile_and_seed_give_identical_output() -> None:
    first = generate_catalog("small", seed=7, fixtures_dir=_FIXTURES)
    second = generate_catalog("small", seed=7, fixtures_dir=_FIXTURES)
    assert first == second
    assert _digest(first) == _digest(second)


def test_output_is_byte_identical_across_processes_and_hash_seeds() -> None:
    # The simulator and the ERP mock generate the catalog in their own processes: hash
    # randomisation or import order must not change a byte.
    probe = (
        "import dataclasses, hashlib, json, sys\n"
        "from peakready.seeding import generate_catalog\n"
        f"c = generate_catalog('small', seed=3, fixtures_dir={str(_FIXTURES)!r})\n"
        "t = json.dumps(dataclasses.asdict(c), sort_keys=True, ensure_ascii=False)\n"
        "print(hashlib.sha256(t.encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             check=True, env=env, timeout=60)
        digests.add(out.stdout.strip())
    digests.add(_digest(generate_catalog("small", seed=3, fixtures_dir=_FIXTURES)))
    assert len(digests) == 1


def test_different_seeds_differ() -> None:
    a = generate_catalog("small", seed=1, fixtures_dir=_FIXTURES)
    b = generate_catalog("small", seed=2, fixtures_dir=_FIXTURES)
    assert [p.sku for p in a.products] == [p.sku for p in b.products]  # SKUs are stable
    assert [p.name for p in a.products] != [p.name for p in b.products]
    assert [p.qty for p in a.products] != [p.qty for p in b.products]
    assert [c.email for c in a.customers] != [c.email for c in b.customers]


@pytest.mark.parametrize(("profile", "products", "customers", "categories"), [
    ("tiny", 40, 10, 6),
    ("small", 800, 200, 30),      # Magento performance toolkit small.xml (spec §8.1)
    ("medium", 24_000, 2_000, 300),  # toolkit medium.xml
])
def test_counts_per_profile(profile: str, products: int, customers: int,
                            categories: int) -> None:
    catalog = generate_catalog(profile, fixtures_dir=_FIXTURES)
    regular = [p for p in catalog.products if not p.hot]
    assert len(regular) == products
    assert len(catalog.customers) == customers
    assert len(catalog.categories) == categories
    assert catalog.profile == profile


def test_hot_skus_are_scarce_and_readable() -> None:
    catalog = generate_catalog("small", fixtures_dir=_FIXTURES)
    assert catalog.hot_skus == ("PR-HOT-01", "PR-HOT-02", "PR-HOT-03", "PR-HOT-04", "PR-HOT-05")
    for sku in catalog.hot_skus:
        product = catalog.product(sku)
        assert product.hot and product.qty == 50
    assert not any(p.hot for p in catalog.products if p.sku not in catalog.hot_skus)


def test_skus_urls_and_emails_are_unique_and_well_formed() -> None:
    catalog = generate_catalog("medium", seed=5, fixtures_dir=_FIXTURES)
    skus = [p.sku for p in catalog.products]
    assert len(set(skus)) == len(skus)
    assert skus[0] == "PR-000001" and skus[23_999] == "PR-024000"
    assert len({p.url_key for p in catalog.products}) == len(skus)
    emails = [c.email for c in catalog.customers]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith("@example.com") and e == e.lower() for e in emails)


def test_values_respect_profile_ranges() -> None:
    catalog = generate_catalog("small", seed=11, fixtures_dir=_FIXTURES)
    regular = [p for p in catalog.products if not p.hot]
    assert all(4.99 <= p.price <= 249.99 for p in regular)
    assert all(20 <= p.qty <= 1000 for p in regular)
    assert all(round(p.price, 2) == p.price for p in catalog.products)
    assert set(p.category for p in catalog.products) <= set(catalog.categories)
    assert max(c.count("/") for c in catalog.categories) == 2  # depth 3
    for parent in (c.rsplit("/", 1)[0] for c in catalog.categories if "/" in c):
        assert parent in catalog.categories


def test_customer_passwords_meet_magento_policy() -> None:
    catalog = generate_catalog("tiny", fixtures_dir=_FIXTURES)
    for customer in catalog.customers:
        pw = customer.password
        classes = sum([any(ch.islower() for ch in pw), any(ch.isupper() for ch in pw),
                       any(ch.isdigit() for ch in pw), any(not ch.isalnum() for ch in pw)])
        assert len(pw) >= 8 and classes >= 3


def test_custom_profile_file(fixtures_copy: Path, good_profile_text: str) -> None:
    (fixtures_copy / "profiles" / "custom.yaml").write_text(good_profile_text)
    catalog = generate_catalog("custom", fixtures_dir=fixtures_copy)
    assert [p.sku for p in catalog.products][:2] == ["QA-000001", "QA-000002"]
    assert catalog.hot_skus == ("QA-HOT-01",)
    assert catalog.product("QA-HOT-01").qty == 7
    assert {p.qty for p in catalog.products if not p.hot} == {3}

