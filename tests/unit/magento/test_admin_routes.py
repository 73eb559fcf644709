"""The simulator's admin routes go through mockkit's admin mechanism (issue 13): one error
shape, listed in the OpenAPI document; faulted requests are journaled under their template."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def test_capacity_and_integration_are_in_the_openapi_document(client: Any) -> None:
    paths = (await client.get("/__admin/openapi.json")).json()["paths"]
    assert "get" in paths["/__admin/capacity"]
    assert {"get", "put"} <= set(paths["/__admin/integration"])
    assert "post" in paths["/__admin/integration/cycle/{name}"]
    assert "/__admin/evidence" in paths and "/__admin/faults" in paths


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/__admin/capacity?mix=nonsense", 400),
    ("PUT", "/__admin/integration", 400),
    ("DELETE", "/__admin/integration", 405),
    ("GET", "/__admin/integration/nope", 404),
    ("GET", "/__admin/nope", 404),
    ("GET", "/__admin/evidence?kind=nope", 400),
])
async def test_every_admin_error_has_the_one_envelope(app_factory: Any, sim: Any, method: str,
                                                      path: str, status: int) -> None:
    async with sim.client_for(app_factory(capacity_model="on")) as client:
        r = await client.request(method, path, content=b"[1]",
                                 headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"] and isinstance(error["fields"], list)


async def test_admin_routes_are_neither_faulted_nor_journaled(client: Any) -> None:
    await client.put("/__admin/faults", json={"id": "all", "path": "*", "status": 503})
    assert (await client.get("/__admin/integration")).status_code == 200
    assert (await client.get("/__admin/capacity")).status_code == 200
    journal = (await client.get("/__admin/journal")).json()
    assert journal["total"] == 0


async def test_a_faulted_request_is_journaled_under_its_route_template(client: Any) -> None:
    """Before: the simulator set no route resolver, so this was journaled as <unmatched>."""
    await client.put("/__admin/faults", json={"id": "p503", "path": "/rest/V1/products/*",
                                              "status": 503})
    assert (await client.get("/rest/V1/products/ABC", headers=ADMIN)).status_code == 503
    assert (await client.get("/rest/V1/nothing")).status_code == 404
    routes = (await client.get("/__admin/journal")).json()["routes"]
    assert routes["/V1/products/:sku"]["GET"] == {"503": 1}
    assert routes["<unmatched>"]["GET"] == {"404": 1}     # only the route that does not exist
