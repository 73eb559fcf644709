"""The Luma-style pages behind the full-page cache model: what is cached, under which tags,
what purges it (as Magento does), the form_key on add to cart, the checkout's masked quote id
used by the REST guest-cart calls, and the per-second hit/miss evidence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.mockkit.capacity import CACHE_HIT, DEFAULT_ROUTES

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


@pytest.fixture
def shop(sim: Any, tmp_path: Path) -> Any:
    return sim.make_app(tmp_path, profile="small")


def _client(app: Any, cookies: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://magento.test", cookies=cookies)


def _category_of(app: Any) -> tuple[str, Any]:
    module = __import__(type(app.store).__module__.rsplit(".", 1)[0] + ".storefront_catalog",
                        fromlist=["category_tree"])
    tree = module.category_tree(app.store)
    leaf = next(c for c in tree.by_id.values() if c.own and c.level > 2)
    product = app.store.catalog.by_id[leaf.own[0]]
    return leaf.url_path, product


async def test_pages_are_cached_by_url_and_hits_skip_the_store(shop: Any) -> None:
    url_path, product = _category_of(shop)
    async with _client(shop) as client:
        for path in ("/", f"/{url_path}.html", f"/{product.custom['url_key']}.html",
                     "/catalogsearch/result/?q=a"):
            first = await client.get(path)
            second = await client.get(path)
            assert first.status_code == 200 and "text/html" in first.headers["content-type"]
            assert (first.headers["x-magento-cache-debug"],
                    second.headers["x-magento-cache-debug"]) == ("MISS", "HIT"), path
            assert second.text == first.text
        other_page = await client.get(f"/{url_path}.html?p=2")
        assert other_page.headers["x-magento-cache-debug"] == "MISS"
    summary = shop.store.page_cache.summary()
    assert (summary["hits"], summary["misses"]) == (4, 5)


async def test_a_product_save_purges_its_page_and_its_categories_pages(shop: Any) -> None:
    url_path, product = _category_of(shop)
    pages = ["/", f"/{url_path}.html", f"/{product.custom['url_key']}.html"]
    unrelated = next(p for p in shop.store.catalog.products.values()
                     if p.custom.get("category_name") != product.custom.get("category_name")
                     and p.id > 40)
    async with _client(shop) as client:
        for path in [*pages, f"/{unrelated.custom['url_key']}.html"]:
            await client.get(path)
        saved = await client.put(f"/rest/V1/products/{product.sku}", headers=ADMIN,
                                 json={"product": {"sku": product.sku, "price": 99}})
        assert saved.status_code == 200
        debug = [(await client.get(p)).headers["x-magento-cache-debug"] for p in pages[1:]]
        kept = await client.get(f"/{unrelated.custom['url_key']}.html")
    assert debug == ["MISS", "MISS"]
    assert kept.headers["x-magento-cache-debug"] == "HIT"


async def _stock(client: httpx.AsyncClient, sku: str, qty: float) -> None:
    reply = await client.post("/rest/V1/inventory/source-items", headers=ADMIN, json={
        "sourceItems": [{"sku": sku, "source_code": "default", "quantity": qty,
                         "status": 1 if qty > 0 else 0}]})
    assert reply.status_code == 200, reply.text


async def test_stock_saves_purge_only_when_salability_flips_on_schedule(shop: Any) -> None:
    _, product = _category_of(shop)
    page = f"/{product.custom['url_key']}.html"
    async with _client(shop) as client:
        await client.get(page)
        await _stock(client, product.sku, 7)             # still in stock: kept
        assert (await client.get(page)).headers["x-magento-cache-debug"] == "HIT"
        await _stock(client, product.sku, 0)             # sold out: purged
        after = await client.get(page)
    assert after.headers["x-magento-cache-debug"] == "MISS"
    assert "Out of stock" in after.text


async def test_update_on_save_purges_every_stock_save(sim: Any, tmp_path: Path) -> None:
    app = sim.make_app(tmp_path, profile="small", config={"indexer_mode": "save"})
    _, product = _category_of(app)
    page = f"/{product.custom['url_key']}.html"
    async with _client(app) as client:
        await client.get(page)
        await _stock(client, product.sku, 7)
        assert (await client.get(page)).headers["x-magento-cache-debug"] == "MISS"


async def test_a_flush_empties_the_cache_and_the_evidence_counts_it(shop: Any) -> None:
    async with _client(shop) as client:
        await client.get("/")
        await client.get("/")
        shop.store.page_cache.flush("cache:flush")
        assert (await client.get("/")).headers["x-magento-cache-debug"] == "MISS"
        evidence = (await client.get("/__admin/evidence", params={"kind": "page_cache"})).json()
    rows = evidence["records"]["page_cache"]
    assert sum(r["hits"] for r in rows) == 1 and sum(r["misses"] for r in rows) == 2
    # the second miss was of a page the flush had removed: the cache's cost, not a cold miss
    assert sum(r["purge_misses"] for r in rows) == 1
    assert sum(r["flushes"] for r in rows) == 1 and sum(r["purged"] for r in rows) == 1


async def test_add_to_cart_needs_the_form_key_and_checkout_gives_the_rest_quote(
        shop: Any) -> None:
    _, product = _category_of(shop)
    cookies = {"PHPSESSID": "s1", "form_key": "k123"}
    form = {"product": str(product.id), "qty": "2", "form_key": "k123"}
    ajax = {"X-Requested-With": "XMLHttpRequest"}
    async with _client(shop, cookies) as client:
        forged = await client.post("/checkout/cart/add", data={**form, "form_key": "other"},
                                   headers=ajax)
        assert forged.status_code == 302
        assert (await client.get("/customer/section/load/", params={"sections": "cart"})
                ).json()["cart"]["summary_count"] == 0
        added = await client.post("/checkout/cart/add", data=form, headers=ajax)
        assert added.status_code == 200 and added.json() == []
        section = (await client.get("/customer/section/load/", params={"sections": "cart"}
                                    )).json()["cart"]
        assert section["summary_count"] == 2
        checkout = await client.get("/checkout/")
        assert "no-store" in checkout.headers["cache-control"]
        found = re.search(r'"entity_id": "([0-9a-f]{32})"', checkout.text)
        assert found is not None
        totals = await client.get(f"/rest/V1/guest-carts/{found.group(1)}/totals")
    assert totals.status_code == 200 and totals.json()["items_qty"] == 2


def test_a_cache_hit_costs_at_most_a_third_of_a_miss() -> None:
    pages = [r for r in DEFAULT_ROUTES if r.name.startswith("page_") and r.method == "GET"]
    assert pages
    for route in pages:
        assert CACHE_HIT.mean_ms * 3 <= route.mean_ms, route.name


async def test_with_the_capacity_model_a_hit_takes_no_worker(sim: Any, tmp_path: Path) -> None:
    app = sim.make_app(tmp_path, profile="small", capacity_model=True,
                       config={"capacity": {"workers": 1}})
    async with _client(app) as client:
        miss = await client.get("/")
        hit = await client.get("/")
    assert "x-peakready-service-ms" in miss.headers       # went through the worker pool
    assert "x-peakready-service-ms" not in hit.headers    # answered in front of it
    assert app.capacity.report()["state"]["per_route"]["page_home"]["served"] == 1
