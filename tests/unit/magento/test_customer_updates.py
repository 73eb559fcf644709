"""Customer updates through REST: PUT /V1/customers/{id} (admin) and /V1/customers/me."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}


async def _me(client: Any) -> dict[str, str]:
    token = (await client.post("/rest/V1/integration/customer/token", json={
        "username": "roni_cost@example.com", "password": "roni_cost3@example.com"})).json()
    return {"Authorization": f"Bearer {token}"}


async def test_admin_update_changes_fields_and_keeps_what_is_not_sent(
        client: Any, app: Any) -> None:
    created = (await client.post("/rest/V1/customers", json={
        "customer": {"email": "ann@example.com", "firstname": "Ann", "lastname": "Lee",
                     "addresses": [{"firstname": "Ann", "lastname": "Lee", "city": "Austin",
                                    "street": ["1 Main"], "country_id": "US",
                                    "postcode": "78701", "telephone": "5125550100"}]},
        "password": "Str0ng-Pass"})).json()
    assert created["extension_attributes"]["is_subscribed"] is False
    app.store.customers.by_id[created["id"]].updated_at = "2020-01-01 00:00:00"
    r = await client.put(f"/rest/V1/customers/{created['id']}", headers=ADMIN, json={
        "customer": {"email": "ann.lee@example.com", "firstname": "Ann", "lastname": "Lee-Wu",
                     "extension_attributes": {"is_subscribed": True}, "group_id": 2}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["email"], body["lastname"], body["group_id"]) == \
        ("ann.lee@example.com", "Lee-Wu", 2)
    assert body["extension_attributes"]["is_subscribed"] is True
    assert body["addresses"] == created["addresses"]          # not sent: kept
    assert body["updated_at"] > "2020-01-01 00:00:00"
    assert body["created_at"] == created["created_at"]
    again = (await client.get(f"/rest/V1/customers/{created['id']}", headers=ADMIN)).json()
    assert again == body
    # the new email signs in to the same account; the old one is free again
    assert (await client.post("/rest/V1/customers/isEmailAvailable",
                              json={"customerEmail": "ann@example.com"})).json() is True
    found = await client.get("/rest/V1/customers/search?searchCriteria[filter_groups][0]"
                             "[filters][0][field]=email&searchCriteria[filter_groups][0]"
                             "[filters][0][value]=ann.lee@example.com", headers=ADMIN)
    assert [c["id"] for c in found.json()["items"]] == [created["id"]]


async def test_customer_updates_itself_and_cannot_change_its_group(client: Any) -> None:
    me = await _me(client)
    current = (await client.get("/rest/V1/customers/me", headers=me)).json()
    r = await client.put("/rest/V1/customers/me", headers=me, json={"customer": {
        "id": 999, "email": current["email"], "firstname": "Roni", "lastname": "Cost",
        "group_id": 3, "extension_attributes": {"is_subscribed": True}}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["firstname"], body["group_id"]) == (current["id"], "Roni", 1)
    assert body["extension_attributes"]["is_subscribed"] is True
    # unsubscribing by sending false; a body without the flag keeps it
    r = await client.put("/rest/V1/customers/me", headers=me, json={"customer": {
        "email": current["email"], "firstname": "Roni", "lastname": "Cost"}})
    assert r.json()["extension_attributes"]["is_subscribed"] is True
    r = await client.put("/rest/V1/customers/me", headers=me, json={"customer": {
        "email": current["email"], "firstname": "Roni", "lastname": "Cost",
        "extension_attributes": {"is_subscribed": False}}})
    assert r.json()["extension_attributes"]["is_subscribed"] is False


@pytest.mark.parametrize(("url", "headers", "body", "status", "message"), [
    ("/rest/V1/customers/1", {}, {"customer": {"email": "a@b.co", "firstname": "A",
                                               "lastname": "B"}}, 401, "authorized"),
    ("/rest/V1/customers/me", ADMIN, {"customer": {"email": "a@b.co", "firstname": "A",
                                                   "lastname": "B"}}, 401, "authorized"),
    ("/rest/V1/customers/77", ADMIN, {"customer": {"email": "a@b.co", "firstname": "A",
                                                   "lastname": "B"}}, 404, "No such entity"),
    ("/rest/V1/customers/1", ADMIN, {"customer": {"email": "a@b.co", "firstname": "A"}},
     400, "is required"),
    ("/rest/V1/customers/1", ADMIN, {"customer": {"email": "nope", "firstname": "A",
                                                  "lastname": "B"}}, 400, "valid email"),
    ("/rest/V1/customers/1", ADMIN, {}, 400, "is required"),
])
async def test_update_refusals(client: Any, url: str, headers: dict[str, str], body: Any,
                               status: int, message: str) -> None:
    r = await client.put(url, headers=headers, json=body)
    assert r.status_code == status, r.text
    assert message in r.json()["message"]


async def test_update_to_an_email_another_customer_has_is_refused(client: Any) -> None:
    await client.post("/rest/V1/customers", json={"customer": {
        "email": "bo@example.com", "firstname": "Bo", "lastname": "Ek"}})
    r = await client.put("/rest/V1/customers/1", headers=ADMIN, json={"customer": {
        "email": "BO@example.com", "firstname": "V", "lastname": "C"}})
    assert r.status_code == 400 and "same email address" in r.json()["message"]


async def test_is_subscribed_is_honoured_at_creation(client: Any) -> None:
    r = await client.post("/rest/V1/customers", json={"customer": {
        "email": "news@example.com", "firstname": "N", "lastname": "S",
        "extension_attributes": {"is_subscribed": True}}})
    assert r.json()["extension_attributes"]["is_subscribed"] is True


async def test_bulk_customer_update_goes_through_the_consumer(client: Any, app: Any) -> None:
    r = await client.put("/rest/async/bulk/V1/customers/byCustomerId", headers=ADMIN, json=[
        {"customerId": 1, "customer": {"email": "roni_cost@example.com", "firstname": "Bulk",
                                       "lastname": "Update",
                                       "extension_attributes": {"is_subscribed": True}}}])
    assert r.status_code == 202, r.text
    assert r.json()["request_items"][0]["status"] == "accepted"
    await asyncio.wait_for(app.store.bulk.drain(), 10)
    customer = (await client.get("/rest/V1/customers/1", headers=ADMIN)).json()
    assert (customer["firstname"], customer["extension_attributes"]["is_subscribed"]) == \
        ("Bulk", True)
