"""Fuzz every served route with hostile input: never a 5xx, always Magento's error envelope.

Hypothesis draws a route from the simulator's own route table, fills its path parameters
with odd strings, sends random JSON (objects, lists, scalars, deep nesting, wrong types in
the right keys) or raw bytes with random content types, and a random query string. Seeded
(derandomized) so a failure reproduces; the default run is small, ``-m slow`` runs more.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ADMIN = "Bearer peakready-simulator-admin-token"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
KEYS = ["cartItem", "cart_item", "qty", "sku", "quote_id", "quoteId", "product", "price",
        "address", "addressInformation", "shipping_address", "shipping_carrier_code",
        "shipping_method_code", "paymentMethod", "method", "email", "billingAddress",
        "sourceItems", "source_code", "quantity", "status", "stockItem", "items",
        "order_item_id", "arguments", "extension_attributes", "return_to_stock_items",
        "customer", "password", "firstname", "lastname", "username", "statusHistory",
        "comment", "tracks", "track_number", "custom_attributes", "attribute_code", "street",
        "category", "productLink", "parentId", "afterId", "entity", "group", "prices", "skus",
        "links", "source", "stock", "option", "attribute", "entry", "content",
        "inventoryRequest", "algorithmCode", "productWebsiteLink", "childSku", "quote",
        "customerId", "addressId", "confirmationKey", "currentPassword", "newPassword",
        "resetToken", "template", "creditmemo", "parent_id", "order_id", "entity_id"]
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6),
                                               children, max_size=5)),
    max_leaves=25)
path_values = st.one_of(st.sampled_from(["24-MB01", "1", "0", "-1", "999999999999999999999",
                                         "%20", "abc", "1.5", "HOT-1"]),
                        st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                                min_size=1, max_size=10))
query_values = st.one_of(
    st.just(""),
    st.sampled_from([
        "searchCriteria[pageSize]=x", "searchCriteria[currentPage]=-5&searchCriteria[pageSize]=1",
        "searchCriteria[filter_groups][0][filters][0][field]=sku",
        "searchCriteria[filter_groups][x][filters][0][value]=1",
        "searchCriteria[filter_groups][0][filters][0][field]=price"
        "&searchCriteria[filter_groups][0][filters][0][value]=a"
        "&searchCriteria[filter_groups][0][filters][0][condition_type]=gt",
        "searchCriteria[sortOrders][0][field]=sku&searchCriteria[sortOrders][0][direction]=up",
        "searchCriteria=1", "searchCriteria[filter_groups]=7", "fields=items[sku",
        "skuRequests[0][sku]=24-MB01&stockId=x", "searchCriteria[filter_groups][0]=1"]),
    st.text(max_size=30))


def _module(sim: Any) -> Any:
    return sim.sim_module()


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url,
                                        response.text)
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("message"), str), body
        assert set(body) <= {"message", "parameters", "errors", "code", "trace"}
        assert "trace" not in body


def _run(app: Any, routes: list[Any], data: Any) -> None:
    route = data.draw(st.sampled_from(routes))
    segments = [data.draw(path_values) if s.startswith(":") else s for s in route.segments]
    prefix = data.draw(st.sampled_from(["/rest", "/rest/default", "/rest/all",
                                        "/rest/async", "/rest/async/bulk"]))
    path = prefix + "/" + "/".join(quote(s, safe="") for s in segments)
    query = data.draw(query_values)
    headers = {}
    if data.draw(st.booleans()):
        headers["Authorization"] = ADMIN
    content: bytes | None = None
    if route.method in ("POST", "PUT"):
        if data.draw(st.integers(0, 9)) == 0:
            content = data.draw(st.binary(max_size=40))
            headers["Content-Type"] = data.draw(st.sampled_from(
                ["application/json", "text/plain", "application/xml", ""]))
        else:
            content = json.dumps(data.draw(json_values)).encode()
            headers["Content-Type"] = "application/json"

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://fuzz") as client:
            response = await client.request(route.method, path, params=query or None,
                                            content=content, headers=headers)
            _check(response)
            await app.store.bulk.drain(5)
            app.store.bulk.close()

    asyncio.run(go())


def _fuzz(sim: Any, examples: int) -> None:
    app = sim.make_app(None)
    routes = list(app.magento.router.routes)

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data: Any) -> None:
        _run(app, routes, data)

    run()


def test_fuzz_routes_never_5xx(sim: Any) -> None:
    _fuzz(sim, 200)


@pytest.mark.slow
def test_fuzz_routes_never_5xx_long(sim: Any) -> None:
    _fuzz(sim, 4000)


def test_bulk_consumer_failures_never_crash(sim: Any) -> None:
    """Hostile bulk payloads: each operation ends complete or failed; nothing is stuck."""
    app = sim.make_app(None)

    async def go() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://fuzz") as client:
            payload = [{"product": {"sku": 5}}, {"product": {"sku": "", "name": "x"}},
                       {"product": {"sku": "OK-1", "name": "ok", "price": "abc"}},
                       {"product": {"sku": "OK-2", "name": "ok", "price": 1,
                                    "custom_attributes": "nope"}},
                       {"product": []}, {"product": {"sku": "OK-3", "name": "fine"}}]
            r = await client.post("/rest/async/bulk/V1/products", json=payload,
                                  headers={"Authorization": ADMIN})
            assert r.status_code == 202
            await app.store.bulk.drain(5)
            uuid = r.json()["bulk_uuid"]
            status = (await client.get(f"/rest/V1/bulk/{uuid}/status",
                                       headers={"Authorization": ADMIN})).json()
            return [op["status"] for op in status["operations_list"]]

    statuses = asyncio.run(go())
    assert statuses and all(s in (1, 3) for s in statuses)
    assert statuses[-1] == 1
