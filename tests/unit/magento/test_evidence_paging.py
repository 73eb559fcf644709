"""``GET /__admin/evidence`` of the simulator: paged and filterable, per kind."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def _walk(client: Any, kind: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    for _ in range(100):
        body = (await client.get("/__admin/evidence", params={
            "kind": kind, "after": after, "limit": limit, **params})).json()
        assert body["kind"] == kind
        page = body["records"][kind]
        out.extend(page)
        if not body["truncated"]:     # fewer than limit: the walk reached the end
            assert len(page) < limit
            return out
        assert body["next_after"] > after
        after = body["next_after"]
    raise AssertionError("paging did not end")


async def test_every_kind_pages_with_next_after(client: Any, sim: Any) -> None:
    placed = [(await sim.guest_checkout(client)).json() for _ in range(5)]
    orders = await _walk(client, "orders", 2)
    assert [o["entity_id"] for o in orders] == placed
    assert {"increment_id", "quote_id", "state", "created_at", "updated_at", "items",
            "customer_email", "grand_total"} <= set(orders[0])
    reservations = await _walk(client, "reservations", 3)
    assert len(reservations) == 5 and reservations[0]["quantity"] == -1
    items = await _walk(client, "source_items", 1)
    assert [i["sku"] for i in items] == ["24-MB01", "24-MB04", "HOT-1", "OFF-1"]
    customers = await _walk(client, "customers", 10)
    assert customers[0]["email"] == "roni_cost@example.com"
    assert {"created_at", "updated_at"} <= set(customers[0])
    counts = (await client.get("/__admin/evidence", params={"kind": "orders"})).json()["counts"]
    assert counts == {"orders": 5, "customers": 1, "source_items": 4, "reservations": 5,
                      "page_cache": 0}


async def test_since_keeps_what_changed_at_or_after_it(client: Any, app: Any,
                                                       sim: Any) -> None:
    await sim.guest_checkout(client)
    for order in app.store.orders.by_id.values():
        order.updated_at = "2020-01-01 00:00:00"
    for item in app.store.inventory.items.values():
        item.ts = 1_000.0
    cut = time.time() - 1
    await sim.guest_checkout(client)
    recent = await _walk(client, "orders", 10, since=cut)
    assert [o["entity_id"] for o in recent] == [2]
    iso = await _walk(client, "orders", 10, since="2019-12-31T23:59:59Z")
    assert len(iso) == 2
    assert await _walk(client, "source_items", 10, since=cut) == []
    assert (await client.get("/__admin/evidence", params={"since": "soon"})).status_code == 400


async def test_orders_page_in_entity_id_order_even_when_inserted_out_of_order(
        client: Any, app: Any, sim: Any) -> None:
    for _ in range(4):
        await sim.guest_checkout(client)
    by_id = app.store.orders.by_id
    for entity_id in (2, 1):      # as a race-mode placement would leave them
        by_id[entity_id] = by_id.pop(entity_id)
    assert [o["entity_id"] for o in await _walk(client, "orders", 3)] == [1, 2, 3, 4]


async def test_unknown_kind_is_a_400_naming_the_known_ones(client: Any) -> None:
    r = await client.get("/__admin/evidence", params={"kind": "invoices"})
    assert r.status_code == 400
    assert "orders" in r.json()["error"]["message"]


async def test_unpaged_evidence_has_a_small_summary_and_every_kind(client: Any,
                                                                   sim: Any) -> None:
    await sim.guest_checkout(client)
    body = (await client.get("/__admin/evidence")).json()
    assert set(body["records"]) == {"orders", "customers", "source_items", "reservations",
                                    "page_cache"}
    assert "orders" not in body["summary"] and body["summary"]["salable"]["24-MB01"] == 99
