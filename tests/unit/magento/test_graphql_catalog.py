"""The simulator's catalog GraphQL (products, categories, route, storeConfig), its limits, its
GET caching behind the full-page cache, and the served schema being Magento's own subset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema

from support.magento_graphql_spec import conformance_errors, spec_schema, subset_sdl

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
SPEC = ("spec", "magento-graphql")


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> GraphQLSchema:
    folder = shared_dir.joinpath(*SPEC)
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: answers cannot be checked against Magento's schema")
    return spec_schema(folder)


@pytest.fixture
def catalog_app(sim: Any, tmp_path: Path) -> Any:
    return sim.make_app(tmp_path, profile="small")


async def _get(app: Any, query: str, spec: GraphQLSchema | None = None,
               **variables: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://magento.test") as client:
        params = {"query": query, **({"variables": json.dumps(variables)} if variables else {})}
        reply = await client.get("/graphql", params=params)
    if spec is not None and reply.status_code == 200 and "data" in reply.json():
        assert conformance_errors(spec, query, variables or None, reply.json()["data"]) == []
    return reply


CARD = """fragment Card on ProductInterface { __typename uid sku name url_key url_suffix
  stock_status small_image { url label }
  price_range { minimum_price { regular_price { value currency } final_price { value currency }
  discount { amount_off percent_off } } } }"""


def test_the_served_schema_is_magentos_own_subset(shared_dir: Path) -> None:
    folder = shared_dir.joinpath(*SPEC)
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    served = Path(__file__).resolve().parents[3] / "mocks/magento/graphql/schema.graphqls"
    assert served.read_text("utf-8") == subset_sdl(spec_schema(folder))


def test_the_conformance_check_refuses_a_wrong_answer(spec: GraphQLSchema) -> None:
    query = "{ products(search: \"a\") { items { __typename sku stock_status } } }"
    good = {"products": {"items": [{"__typename": "SimpleProduct", "sku": "A",
                                    "stock_status": "IN_STOCK"}]}}
    bad = {"products": {"items": [{"__typename": "SimpleProduct", "sku": "A",
                                   "stock_status": "MAYBE"}]}}
    assert conformance_errors(spec, query, None, good) == []
    assert conformance_errors(spec, query, None, bad) != []


async def test_products_search_sort_and_page(catalog_app: Any, spec: GraphQLSchema) -> None:
    query = CARD + """query($s:String!){ products(search:$s, pageSize:5, currentPage:2,
        sort:{price:ASC}) { total_count page_info { page_size current_page total_pages }
        items { ...Card } aggregations { attribute_code label count
        options { label value count } } sort_fields { default options { value label } } } }"""
    out = (await _get(catalog_app, query, spec, s="a")).json()["data"]["products"]
    assert out["total_count"] > 10 and out["page_info"]["current_page"] == 2
    prices = [i["price_range"]["minimum_price"]["final_price"]["value"] for i in out["items"]]
    assert prices == sorted(prices) and len(prices) == 5
    assert {a["attribute_code"] for a in out["aggregations"]} == {"price", "category_uid"}


async def test_products_by_category_uid_match_the_category(catalog_app: Any,
                                                           spec: GraphQLSchema) -> None:
    tree = (await _get(catalog_app, """{ categories(filters:{parent_id:{eq:"2"}}) {
        total_count items { uid name url_path product_count children { uid name } } } }""",
                       spec)).json()["data"]["categories"]
    top = tree["items"][0]
    listed = (await _get(catalog_app, CARD + """query($u:String!){ products(filter:{
        category_uid:{eq:$u}}, pageSize:100) { total_count items { ...Card } } }""", spec,
                         u=top["uid"])).json()["data"]["products"]
    assert listed["total_count"] == top["product_count"] > 0


async def test_route_resolves_products_and_categories_and_null_for_unknown(
        catalog_app: Any, spec: GraphQLSchema) -> None:
    product = next(iter(catalog_app.store.catalog.products.values()))
    url = f"{product.custom['url_key']}.html"
    query = """query($u:String!){ route(url:$u) { __typename relative_url redirect_code type
        ... on SimpleProduct { sku } ... on CategoryTree { uid name } } }"""
    found = (await _get(catalog_app, query, spec, u=url)).json()["data"]["route"]
    assert found["sku"] == product.sku and found["type"] == "PRODUCT"
    assert (await _get(catalog_app, query, spec, u="no-such.html")).json()["data"]["route"] \
        is None
    resolved = (await _get(catalog_app, "query($u:String!){ urlResolver(url:$u) { entity_uid "
                           "type relative_url } }", spec, u=url)).json()["data"]["urlResolver"]
    assert resolved["type"] == "PRODUCT"
    config = (await _get(catalog_app, "{ storeConfig { store_code root_category_uid "
                         "product_url_suffix } }", spec)).json()["data"]["storeConfig"]
    assert config["product_url_suffix"] == ".html"


@pytest.mark.parametrize(("depth", "expected"), [(20, None), (21, 21)])
async def test_query_depth_is_limited_to_twenty(app: Any, depth: int,
                                                expected: int | None) -> None:
    # categories { items { children { children ... { uid } } } }: depth = 2 + nested levels
    inner = "uid"
    for _ in range(depth - 2):
        inner = f"children {{ {inner} }}"
    reply = (await _get(app, f"{{ categories {{ items {{ {inner} }} }} }}")).json()
    if expected is None:
        assert "errors" not in reply
    else:
        assert "data" not in reply
        assert reply["errors"][0]["message"] == \
            f"Max query depth should be 20 but got {expected}."
        assert reply["errors"][0]["extensions"]["category"] == "graphql"


async def test_query_complexity_is_limited_to_three_hundred(app: Any) -> None:
    fields = " ".join(f"a{i}: sku" for i in range(299))   # + products + items = 301
    reply = (await _get(app, f'{{ products(search:"a") {{ items {{ {fields} }} }} }}')).json()
    assert "data" not in reply
    assert reply["errors"][0]["message"] == \
        "Max query complexity should be 300 but got 301."


async def test_a_mutation_by_get_is_refused(app: Any) -> None:
    reply = (await _get(app, "mutation { createGuestCart { cart { id } } }")).json()
    assert reply["errors"][0]["message"] == "Mutation requests allowed only for POST requests"
    assert reply["errors"][0]["extensions"]["category"] == "graphql-input"
    assert not app.store.carts.by_mask


async def test_unparsable_bodies_are_500_and_syntax_errors_200(app: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://magento.test") as client:
        broken = await client.post("/graphql", content=b"{not json",
                                   headers={"content-type": "application/json"})
        syntax = await client.post("/graphql", json={"query": "{ products("})
    assert broken.status_code == 500
    assert syntax.status_code == 200 and syntax.json()["errors"][0]["extensions"] == {
        "category": "graphql"}


async def test_cacheable_gets_are_served_from_the_full_page_cache_until_a_save(app: Any) -> None:
    query = '{ products(filter:{sku:{eq:"24-MB01"}}) { items { sku stock_status } } }'
    first = await _get(app, query)
    second = await _get(app, query)
    assert first.headers["x-magento-cache-debug"] == "MISS"
    assert second.headers["x-magento-cache-debug"] == "HIT"
    assert "x-magento-tags" not in second.headers       # Varnish strips the tags
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://magento.test") as client:
        saved = await client.put("/rest/V1/products/24-MB01", headers=ADMIN,
                                 json={"product": {"sku": "24-MB01", "price": 35}})
        assert saved.status_code == 200
    third = await _get(app, query)
    assert third.headers["x-magento-cache-debug"] == "MISS"
    other = await _get(app, '{ products(filter:{sku:{eq:"24-MB04"}}) { items { sku } } }')
    assert other.headers["x-magento-cache-debug"] == "MISS"
    assert (await _get(app, '{ products(filter:{sku:{eq:"24-MB04"}}) { items { sku } } }')
            ).headers["x-magento-cache-debug"] == "HIT"


async def test_an_uncacheable_field_makes_the_whole_get_uncacheable(app: Any) -> None:
    query = '{ storeConfig { store_code } cart(cart_id:"nope") { id } }'
    await _get(app, query)
    again = await _get(app, query)
    assert again.headers["x-magento-cache-debug"] == "MISS"
    assert "no-store" in again.headers["cache-control"]
