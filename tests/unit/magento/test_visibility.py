"""``visibility: realistic``: orders reach searches after a seeded delay, out of id order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}
SEARCH = "/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=entity_id" \
         "&searchCriteria[filter_groups][0][filters][0][value]={last}" \
         "&searchCriteria[filter_groups][0][filters][0][condition_type]=gt"


async def _naive_poll(client: Any, deadline: float) -> set[int]:
    """A connector that polls ``entity_id > last`` without overlap."""
    last = 0
    seen: set[int] = set()
    while time.monotonic() < deadline:
        items = (await client.get(SEARCH.format(last=last), headers=ADMIN)).json()["items"]
        ids = [o["entity_id"] for o in items]
        seen.update(ids)
        last = max([last, *ids])
        await asyncio.sleep(0.02)
    return seen


async def test_realistic_visibility_loses_orders_for_a_poll_without_overlap(
        app_factory: Any, sim: Any) -> None:
    app = app_factory(config={"visibility": "realistic", "visibility_delay_ms": 1000})
    async with sim.client_for(app) as client:
        placed = [(await sim.guest_checkout(client)).json() for _ in range(6)]
        assert placed == [1, 2, 3, 4, 5, 6]
        # placed, but not yet committed for searches; reads by id see them at once
        assert (await client.get("/rest/V1/orders/1", headers=ADMIN)).status_code == 200
        seen = await _naive_poll(client, time.monotonic() + 1.3)
        everything = (await client.get(SEARCH.format(last=0), headers=ADMIN)).json()
    assert everything["total_count"] == 6
    assert seen < set(placed), "a poll without overlap must miss an order that committed late"


async def test_immediate_visibility_is_the_default_and_loses_nothing(
        app_factory: Any, sim: Any) -> None:
    async with sim.client_for(app_factory()) as client:
        placed = [(await sim.guest_checkout(client)).json() for _ in range(4)]
        seen = await _naive_poll(client, time.monotonic() + 0.1)
    assert seen == set(placed)


def test_delays_are_seeded_and_bounded(app_factory: Any) -> None:
    def draws(seed_app: Any) -> list[float]:
        delay = seed_app.store.orders.delay
        return [delay() for _ in range(50)]

    config = {"visibility": "realistic", "visibility_delay_ms": 300}
    first, second = draws(app_factory(config=config)), draws(app_factory(config=config))
    assert first == second
    assert all(0 <= d <= 0.3 for d in first) and len(set(first)) == 50
    assert app_factory().store.orders.delay is None
