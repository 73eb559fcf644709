"""The schema is the route table: the index is Magento's schema, routing follows it
(literal segments first), and the coverage listing says what is served per group."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

SCHEMA = Path(__file__).resolve().parents[3] / ".." / "shared" / "spec" / \
    "magento-2.4-rest-schema.json"
IN_SCOPE = ("store", "catalog", "sales", "quotes", "customers", "msi", "async")


def _index_module(app: Any) -> Any:
    return sys.modules[type(app.magento.router).__module__.rsplit(".", 1)[0] + ".schema_index"]


def test_the_index_is_the_schema(app: Any) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: the index cannot be compared with it here")
    index = _index_module(app)
    rebuilt = index.build_index(json.loads(SCHEMA.read_text("utf-8")))
    stored = json.loads(index.INDEX_FILE.read_text("utf-8"))
    assert stored == rebuilt, "regenerate: python mocks/magento/schema_index.py <schema>"
    assert len(stored) == 415


def test_a_route_outside_the_schema_is_refused(app: Any) -> None:
    router = type(app.magento.router)()
    with pytest.raises(ValueError, match="not a route of Magento's schema"):
        router.add("GET", "/V1/orders/{id}/invented", "anonymous")
    async def handler(call: Any) -> Any:
        return call.path

    router.add("GET", "/V1/orders/{anything}", "anonymous")(handler)  # any parameter name
    assert router.routes[0].pattern == "/V1/orders/:id"      # … and becomes the schema's


def test_literal_segments_win_over_parameters(app: Any) -> None:
    router = app.magento.router
    route, params = router.match("GET", ["V1", "orders", "items"])
    assert route.pattern == "/V1/orders/items" and params == {}
    route, params = router.match("GET", ["V1", "orders", "17"])
    assert route.pattern == "/V1/orders/:id" and params == {"id": "17"}
    route, _ = router.match("GET", ["V1", "carts", "search"])
    assert route.pattern == "/V1/carts/search"
    route, params = router.match("PUT", ["V1", "orders", "17"])   # the address update
    assert route.pattern == "/V1/orders/:parent_id" and params == {"parent_id": "17"}
    # a literal that exists for another method only falls back to the parameter route
    route, params = router.match("PUT", ["V1", "carts", "mine"])
    assert route.pattern == "/V1/carts/mine"


async def test_shadowed_routes_answer_as_magento(client: Any) -> None:
    admin = {"Authorization": "Bearer peakready-simulator-admin-token"}
    r = await client.get("/rest/V1/orders/items?searchCriteria[pageSize]=5", headers=admin)
    assert r.status_code == 200 and r.json()["total_count"] == 0
    r = await client.get("/rest/V1/carts/search?searchCriteria[pageSize]=5", headers=admin)
    assert r.status_code == 200 and "items" in r.json()


def test_coverage_lists_every_schema_route_once(app: Any) -> None:
    index = _index_module(app)
    router = app.magento.router
    listing = index.coverage(router.index, router.served())
    assert sum(g["total"] for g in listing.values()) == len(router.index)
    assert list(listing)[:len(IN_SCOPE)] == list(IN_SCOPE)
    for group in IN_SCOPE:
        assert listing[group]["missing"] == [], group
        assert listing[group]["served"] == listing[group]["total"]
    assert listing["other:cms"]["served"] == 0   # out of scope, listed as not served


def test_coverage_report_names_the_groups(sim: Any) -> None:
    text = sim.sim_module().coverage_report()
    assert "store" in text and "7 / 7" in text
    assert "missing GET /V1/cmsPage/search" in text
    assert "outside the schema" not in text   # every served route is one of the schema's
