"""StoreSeeder against an in-process stand-in store (and respx for a non-loopback host)."""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from peakready.errors import ConfigError, HarnessError, SafetyError
from peakready.seeding import generate_catalog
from peakready.seeding.store_seeder import SeedSummary, StoreSeeder

URL = "http://127.0.0.1:8280"
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
# The stand-in store (conftest.py) accepts this token; it must never reach a log.
TOKEN = "s3cr3t-token-value-for-tests"
FakeStore = Any  # conftest.FakeStore; test modules cannot import conftest by name


def _seed(store: FakeStore, profile: str = "tiny", **kwargs: object) -> SeedSummary:
    catalog = generate_catalog(profile, seed=1, fixtures_dir=FIXTURES)
    seeder = StoreSeeder(URL, TOKEN, transport=store.transport(), backoff_s=0.001,
                         **kwargs)  # type: ignore[arg-type]
    return asyncio.run(seeder.seed(catalog))


def test_fresh_store_gets_every_product_stock_row_and_customer(store: FakeStore) -> None:
    catalog = generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES)
    summary = _seed(store)
    n_products, n_customers = len(catalog.products), len(catalog.customers)
    assert (summary.products.created, summary.products.updated) == (n_products, 0)
    assert summary.stock.updated == n_products
    assert summary.customers.created == n_customers
    assert summary.failed == 0 and summary.errors == []
    # Bodies as Magento expects them (spec §3.2, §4.2, §7).
    hot = catalog.product("PR-HOT-01")
    assert store.products["PR-HOT-01"]["price"] == hot.price
    assert store.products["PR-HOT-01"]["type_id"] == "simple"
    assert store.source_items["PR-HOT-01"] == {"sku": "PR-HOT-01", "source_code": "default",
                                               "quantity": 10, "status": 1}
    assert {s: i["quantity"] for s, i in store.source_items.items()} == \
        {p.sku: p.qty for p in catalog.products}
    assert store.calls["POST /rest/all/V1/inventory/source-items"] == math.ceil(n_products / 20)
    customer = store.customers[catalog.customers[0].email]
    assert customer["password"] == catalog.customers[0].password
    assert customer["customer"]["addresses"][0]["default_shipping"] is True
    assert store.auth_headers == {f"Bearer {TOKEN}"}


def test_seeding_twice_updates_products_and_skips_customers(store: FakeStore) -> None:
    _seed(store)
    again = _seed(store)
    assert again.products.created == 0 and again.products.updated == len(store.products)
    assert again.customers.skipped == len(store.customers) and again.customers.created == 0
    assert again.failed == 0


def test_idempotent_calls_are_retried(store: FakeStore) -> None:
    key = "PUT /rest/all/V1/products/PR-000003"
    store.script[key] = [(503, {"message": "busy"}, {}), (502, {"message": "gateway"}, {})]
    summary = _seed(store)
    assert store.calls[key] == 3
    assert "PR-000003" in store.products
    assert summary.products.failed == 0


def test_retries_are_bounded(store: FakeStore) -> None:
    key = "PUT /rest/all/V1/products/PR-000004"
    store.script[key] = [(500, {"message": "boom"}, {})] * 5
    summary = _seed(store, attempts=3)
    assert store.calls[key] == 3
    assert summary.products.failed == 1
    assert any("PR-000004" in e and "500" in e for e in summary.errors)


def test_customer_creation_is_not_retried_after_a_server_error(store: FakeStore) -> None:
    store.script["POST /rest/V1/customers"] = [(500, {"message": "deadlock"}, {})]
    summary = _seed(store)
    total = len(generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES).customers)
    assert store.calls["POST /rest/V1/customers"] == total  # no second attempt
    assert summary.customers.failed == 1 and summary.customers.created == total - 1


def test_a_refused_customer_create_is_retried_after_retry_after(store: FakeStore) -> None:
    store.script["POST /rest/V1/customers"] = [(429, {"message": "Too Many Requests"},
                                                {"retry-after": "0"})]
    summary = _seed(store)
    total = len(generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES).customers)
    assert store.calls["POST /rest/V1/customers"] == total + 1
    assert summary.customers.created == total and summary.failed == 0


def test_concurrency_is_bounded(store: FakeStore) -> None:
    store.delay_s = 0.005
    _seed(store, concurrency=3)
    assert 2 <= store.max_in_flight <= 3


def test_bad_token_is_a_config_error(store: FakeStore) -> None:
    store.token = "another"
    with pytest.raises(ConfigError, match="rejected the token"):
        _seed(store)


def test_non_loopback_target_is_refused_before_any_request() -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route(host="shop.example.com")
        with pytest.raises(SafetyError, match=r"shop\.example\.com"):
            StoreSeeder("https://shop.example.com", TOKEN)
        assert not route.called


def test_allow_listed_host_is_seeded() -> None:
    catalog = generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES)
    with respx.mock(base_url="https://shop.example.com", assert_all_called=True) as mock:
        mock.get("/rest/all/V1/store/storeGroups").respond(json=[
            {"id": 1, "root_category_id": 2}])
        mock.get("/rest/all/V1/categories/list").respond(json={"items": [], "total_count": 0})
        created = mock.post("/rest/all/V1/categories").respond(json={"id": 7})
        mock.get("/rest/all/V1/products").respond(json={"items": [], "total_count": 0})
        puts = mock.put(path__startswith="/rest/all/V1/products/").respond(json={})
        mock.post("/rest/all/V1/inventory/source-items").respond(json=[])
        mock.post("/rest/V1/customers").respond(json={})
        seeder = StoreSeeder("https://shop.example.com", TOKEN, allow_hosts=["shop.example.com"])
        summary = asyncio.run(seeder.seed(catalog))
    assert puts.call_count == len(catalog.products)
    assert created.call_count == len(catalog.categories)
    assert summary.failed == 0


def test_unreachable_store_is_a_harness_error() -> None:
    catalog = generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES)
    with respx.mock() as mock:
        mock.route().mock(side_effect=httpx.ConnectError("connection refused"))
        seeder = StoreSeeder(URL, TOKEN, backoff_s=0.001, attempts=2)
        with pytest.raises(HarnessError, match="cannot reach the store"):
            asyncio.run(seeder.seed(catalog))


def test_token_never_reaches_the_logs(store: FakeStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # A store that echoes the credential in its error text (some proxies do).
    echo = {"message": f"invalid header Authorization: Bearer {TOKEN}"}
    store.script["PUT /rest/all/V1/products/PR-000001"] = [(400, echo, {})]
    store.script["POST /rest/V1/customers"] = [(500, {"message": f"token {TOKEN} expired"}, {})]
    store.script["PUT /rest/all/V1/products/PR-000002"] = [(503, echo, {})]
    summary = _seed(store)
    assert summary.products.failed == 1 and summary.customers.failed == 1
    assert caplog.records, "the seeder logs progress and failures"
    assert TOKEN not in caplog.text
    assert TOKEN not in "\n".join(summary.lines())
    assert any("***" in e for e in summary.errors)


def test_the_category_tree_is_seeded_once_and_products_linked(store: FakeStore) -> None:
    catalog = generate_catalog("tiny", seed=1, fixtures_dir=FIXTURES)
    summary = _seed(store)
    assert summary.categories.created == len(catalog.categories) > 0
    by_name = {c["name"]: c for c in store.categories.values()}
    for path in catalog.categories:
        parent_path, _, name = path.rpartition("/")
        parent = by_name[parent_path.rpartition("/")[2]]["id"] if parent_path else 2
        assert by_name[name]["parent_id"] == parent, path
    hot = catalog.product("PR-HOT-01")
    linked = {c["attribute_code"]: c["value"]
              for c in store.products["PR-HOT-01"]["custom_attributes"]}["category_ids"]
    assert linked == [str(by_name[hot.category.rpartition("/")[2]]["id"])]
    again = _seed(store)                  # found under their parents, not created twice
    assert again.categories.created == 0
    assert again.categories.skipped == len(catalog.categories)
