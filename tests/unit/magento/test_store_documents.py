"""A store reached over REST (the staging path) exports each order with its after-sale documents:
read through Magento's document searches and the order's own state, in the shape the embedded
simulator's evidence has, so order_lifecycle judges a real store too."""

from __future__ import annotations

from typing import Any

import pytest

from peakready.checks.lifecycle_records import MagentoLife
from peakready.run.export import _order_row
from peakready.run.store_documents import documents_since
from peakready.run.witness import StoreApi

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def _placed(client: Any, sim: Any, sku: str, qty: float) -> int:
    r = await sim.guest_checkout(client, sku, qty)
    assert r.status_code == 200, r.text
    return int(r.json())


async def _exported(client: Any, since: str = "2000-01-01 00:00:00") -> dict[str, MagentoLife]:
    store = StoreApi(client, "http://magento.test", "peakready-simulator-admin-token")
    documents = await documents_since(store, since)
    lives = {}
    async for page in store.orders(since):
        for order in page:
            life = MagentoLife.parse(_order_row(order, documents))
            lives[life.increment_id] = life
    return lives


async def test_orders_carry_their_shipments_invoices_credit_memos_and_cancellation(
        client: Any, sim: Any) -> None:
    shipped = await _placed(client, sim, "24-MB01", 2)
    r = await client.post(f"/rest/V1/order/{shipped}/invoice", headers=ADMIN, json={})
    assert r.status_code == 200, r.text
    r = await client.post(f"/rest/V1/order/{shipped}/ship", headers=ADMIN, json={
        "items": [{"order_item_id": (await client.get(f"/rest/V1/orders/{shipped}",
                                                       headers=ADMIN)).json()["items"][0][
            "item_id"], "qty": 1}],
        "tracks": [{"track_number": "1Z999", "title": "UPS", "carrier_code": "ups"}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/rest/V1/order/{shipped}/refund", headers=ADMIN, json={})
    assert r.status_code == 200, r.text
    cancelled = await _placed(client, sim, "24-MB04", 1)
    r = await client.post(f"/rest/V1/orders/{cancelled}/cancel", headers=ADMIN)
    assert r.status_code == 200 and r.json() is True
    untouched = await _placed(client, sim, "24-MB01", 1)

    lives = await _exported(client)
    by_id = {order["entity_id"]: order["increment_id"] for order in (await client.get(
        "/rest/V1/orders?searchCriteria[pageSize]=10", headers=ADMIN)).json()["items"]}
    life = lives[by_id[shipped]]
    assert life.documented
    assert len(life.shipments) == 1
    assert life.shipments[0].tracks == (("1Z999", "ups"),)
    assert life.shipments[0].items == (("24-MB01", 1.0),)
    assert life.shipments[0].ts is not None
    total = (await client.get(f"/rest/V1/orders/{shipped}", headers=ADMIN)).json()["grand_total"]
    assert [amount for _, amount in life.invoices] == [total]      # the whole order invoiced
    assert len(life.creditmemos) == 1 and life.creditmemos[0][2] > 0
    assert life.cancelled_ts is None and life.payment_method == "checkmo"

    gone = lives[by_id[cancelled]]
    assert gone.state == "canceled" and gone.cancelled_ts is not None
    assert (gone.invoices, gone.shipments, gone.creditmemos) == ((), (), ())

    quiet = lives[by_id[untouched]]
    assert quiet.documented and (quiet.invoices, quiet.shipments, quiet.creditmemos,
                                 quiet.cancelled_ts) == ((), (), (), None)


async def test_documents_before_the_run_are_not_the_runs(client: Any, sim: Any) -> None:
    order = await _placed(client, sim, "24-MB01", 1)
    await client.post(f"/rest/V1/order/{order}/invoice", headers=ADMIN, json={})
    store = StoreApi(client, "http://magento.test", "peakready-simulator-admin-token")
    assert await documents_since(store, "2000-01-01 00:00:00")
    assert await documents_since(store, "2999-01-01 00:00:00") == {}


def test_an_order_whose_documents_could_not_be_read_carries_none() -> None:
    row = _order_row({"entity_id": 7, "increment_id": "000000007", "state": "processing",
                      "payment": {"method": "checkmo"}, "items": []}, None)
    assert "documents" not in row and not MagentoLife.parse(row).documented
