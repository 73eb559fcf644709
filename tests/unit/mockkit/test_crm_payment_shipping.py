"""Business rules of the CRM, payment and shipping mocks, in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from peakready.mockkit import MockSettings

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@pytest.fixture
def start(mock_module: Callable[[str], ModuleType], make_client: Callable[[Any], Any],
          tmp_path: Path) -> Callable[..., Any]:
    def make(name: str, **options: Any) -> Any:
        settings = MockSettings(name, data_dir=tmp_path / name, options=options)
        return make_client(mock_module(name).create_app(settings))
    return make


# -- CRM ------------------------------------------------------------------------------------

def _crm(start: Callable[..., Any], **options: Any) -> Any:
    return start("crm", contacts=[{"email": "ann@example.com", "segment": "vip",
                                   "marketing_consent": True, "lead_score": 80}], **options)


def test_crm_upsert_by_email_creates_then_updates(start: Callable[..., Any]) -> None:
    client = _crm(start)
    created = client.put("/api/contacts/Bob@Example.com", json={"firstname": "Bob"})
    assert created.status_code == 201 and created.json()["email"] == "bob@example.com"
    updated = client.put("/api/contacts/bob@example.com", json={"lastname": "Stone"})
    assert updated.status_code == 200
    assert updated.json()["firstname"] == "Bob" and updated.json()["lastname"] == "Stone"
    assert updated.json()["contact_id"] == created.json()["contact_id"]
    summary = client.get("/__admin/evidence").json()["summary"]
    assert summary["duplicate_contact_count"] == 0 and summary["overwrites"] == 0


def test_crm_refuses_a_customer_id_beyond_magentos_id_column(start: Callable[..., Any]) -> None:
    # Found by the slow fuzz run: a 21-digit id was accepted, then its reply failed to encode (500).
    client = _crm(start)
    response = client.post("/api/contacts", json={"email": "b@example.com",
                                                  "magento_customer_id": 10**20})
    assert response.status_code == 422
    assert "magento_customer_id" in response.text


def test_crm_create_for_an_existing_email_is_duplicate_evidence(
        start: Callable[..., Any]) -> None:
    client = _crm(start)
    dup = client.post("/api/contacts", json={"email": "ann@example.com", "firstname": "Ann"})
    assert dup.status_code == 201 and dup.json()["duplicates"] == 1
    evidence = client.get("/__admin/evidence").json()
    assert evidence["summary"]["duplicate_emails"] == {
        "ann@example.com": ["C-0000001", dup.json()["contact_id"]]}
    assert evidence["records"]["duplicates"][0]["email"] == "ann@example.com"
    found = client.get("/api/contacts", params={"email": "ann@example.com"}).json()
    assert found["total_count"] == 2


def test_crm_push_of_an_owned_field_is_overwrite_evidence(start: Callable[..., Any]) -> None:
    client = _crm(start)
    r = client.put("/api/contacts/ann@example.com",
                   json={"firstname": "Ann", "segment": "new", "marketing_consent": True})
    assert r.json()["segment"] == "new"  # a naive CRM API accepts it...
    evidence = client.get("/__admin/evidence").json()
    overwrites = evidence["records"]["overwrites"]
    # ...and the evidence shows it; an unchanged owned value is no overwrite.
    assert [(o["field"], o["crm_value"], o["pushed_value"]) for o in overwrites] == \
        [("segment", "vip", "new")]
    assert evidence["summary"]["overwrites_by_field"] == {"segment": 1}


def test_crm_protect_owned_fields_keeps_the_crm_value(start: Callable[..., Any]) -> None:
    client = _crm(start, protect_owned_fields=True)
    r = client.put("/api/contacts/ann@example.com", json={"lead_score": 1})
    assert r.json()["lead_score"] == 80
    assert client.get("/__admin/evidence").json()["records"]["overwrites"][0]["applied"] \
        is False


def test_crm_side_preference_change_and_search(start: Callable[..., Any]) -> None:
    client = _crm(start)
    r = client.put("/api/contacts/ann@example.com/preferences",
                   json={"marketing_consent": False})
    assert r.status_code == 200 and r.json()["marketing_consent"] is False
    assert client.get("/api/contacts", params={"segment": "vip"}).json()["total_count"] == 1
    assert client.get("/api/contacts", params={"q": "ann"}).json()["total_count"] == 1
    assert client.get("/api/contacts/nobody@example.com").status_code == 404


def test_crm_bad_input(start: Callable[..., Any]) -> None:
    client = _crm(start)
    assert client.put("/api/contacts/not-an-email", json={}).status_code == 422
    r = client.put("/api/contacts/ann@example.com", json={"lead_score": "high"})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "lead_score"
    assert client.post("/api/contacts", content=b"[").status_code == 400


def test_crm_seeds_contacts_from_the_fixture_profile(start: Callable[..., Any]) -> None:
    client = start("crm", profile="tiny")
    assert client.get("/api/contacts").json()["total_count"] > 0


# -- payment --------------------------------------------------------------------------------

def _authorize(client: Any, order_id: str = "000000001", key: str | None = None,
               number: str = CARD["number"], amount: float = 50.0) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/payments/authorize", headers=headers, json={
        "order_id": order_id, "amount": amount, "card": {**CARD, "number": number}})


def test_payment_idempotent_authorize_and_capture(start: Callable[..., Any]) -> None:
    client = start("payment")
    first = _authorize(client, key="auth-1")
    again = _authorize(client, key="auth-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["payment_id"] == first.json()["payment_id"]
    pid = first.json()["payment_id"]
    cap = client.post(f"/api/payments/{pid}/capture", headers={"Idempotency-Key": "cap-1"})
    cap2 = client.post(f"/api/payments/{pid}/capture", headers={"Idempotency-Key": "cap-1"})
    assert cap.status_code == cap2.status_code == 200 and cap.json() == cap2.json()
    assert cap.json()["status"] == "captured" and cap.json()["captured_amount"] == 50.0
    summary = client.get("/__admin/evidence").json()["summary"]
    assert summary["double_authorization_count"] == 0 and summary["double_capture_count"] == 0


def test_payment_retry_without_key_is_double_charge_evidence(
        start: Callable[..., Any]) -> None:
    client = start("payment")
    ids = [_authorize(client).json()["payment_id"] for _ in range(2)]
    for pid in ids:
        assert client.post(f"/api/payments/{pid}/capture").status_code == 200
    summary = client.get("/__admin/evidence").json()["summary"]
    assert summary["double_authorizations"] == {"000000001": ids}
    assert summary["double_captures"] == {"000000001": ids}


@pytest.mark.parametrize(("number", "code"), [("4000000000000002", "card_declined"),
                                              ("4000000000009995", "insufficient_funds"),
                                              ("4000000000000069", "expired_card")])
def test_payment_declines_by_test_card(start: Callable[..., Any], number: str,
                                       code: str) -> None:
    client = start("payment")
    r = _authorize(client, number=number)
    assert r.status_code == 402 and r.json()["decline_code"] == code
    pid = r.json()["payment_id"]
    assert client.post(f"/api/payments/{pid}/capture").status_code == 409
    assert client.get("/__admin/evidence").json()["summary"]["double_authorization_count"] == 0


def test_payment_state_machine(start: Callable[..., Any]) -> None:
    client = start("payment")
    pid = _authorize(client, amount=30).json()["payment_id"]
    assert client.post(f"/api/payments/{pid}/refund").status_code == 409
    part = client.post(f"/api/payments/{pid}/capture", json={"amount": 10})
    assert part.json()["status"] == "partially_captured"
    assert client.post(f"/api/payments/{pid}/capture", json={"amount": 25}).status_code == 409
    assert client.post(f"/api/payments/{pid}/void").status_code == 409
    refund = client.post(f"/api/payments/{pid}/refund", json={"amount": 4})
    assert refund.json()["status"] == "partially_refunded"
    other = _authorize(client, order_id="2").json()["payment_id"]
    assert client.post(f"/api/payments/{other}/void").json()["status"] == "voided"
    assert client.post("/api/payments/PAY-9/capture").status_code == 404
    ops = client.get("/__admin/evidence?kind=operations").json()["records"]["operations"]
    assert [o["op"] for o in ops] == ["authorize", "capture", "refund", "authorize", "void"]


def test_payment_bad_card_is_422(start: Callable[..., Any]) -> None:
    client = start("payment")
    r = _authorize(client, number="4242424242424241")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "card.number"


# -- shipping -------------------------------------------------------------------------------

def test_shipping_rates_are_deterministic_and_by_zone(start: Callable[..., Any]) -> None:
    client = start("shipping")
    body = {"destination": {"country_id": "US", "postcode": "78701"},
            "parcel": {"weight": 2.0}}
    first = client.post("/api/rates", json=body).json()
    assert first == client.post("/api/rates", json=body).json()
    assert {r["carrier"] for r in first["rates"]} == {"usps", "ups", "fedex"}
    assert all(r["amount"] > 0 and r["eta_days"] >= 1 for r in first["rates"])
    abroad = client.post("/api/rates", json={**body, "destination": {
        "country_id": "DE", "postcode": "10115"}}).json()
    assert {r["carrier"] for r in abroad["rates"]} == {"dhl", "ups"}
    bulky = client.post("/api/rates", json={**body, "parcel": {
        "weight": 1, "length": 60, "width": 50, "height": 40}}).json()
    assert bulky["billable_weight"] == 24.0
    assert client.get("/__admin/evidence").json()["counts"]["rate_requests"] == 4


def test_shipping_bad_input(start: Callable[..., Any]) -> None:
    client = start("shipping")
    r = client.post("/api/rates", json={"destination": {"country_id": "usa"},
                                        "parcel": {"weight": -1}})
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["error"]["fields"]}
    assert {"destination.country_id", "destination.postcode", "parcel.weight"} <= fields


def test_payment_capture_retried_without_key_with_increment_captures_twice(
        start: Callable[..., Any]) -> None:
    client = start("payment")
    pid = _authorize(client, amount=30).json()["payment_id"]
    body = {"amount": 30, "increment": True}
    assert client.post(f"/api/payments/{pid}/capture", json=body).status_code == 200
    again = client.post(f"/api/payments/{pid}/capture", json=body)
    assert again.status_code == 200 and again.json()["captured_amount"] == 60.0
    keyed = _authorize(client, amount=30, order_id="2").json()["payment_id"]
    for _ in range(2):
        reply = client.post(f"/api/payments/{keyed}/capture", json=body,
                            headers={"Idempotency-Key": "cap-2"})
        assert reply.json()["captured_amount"] == 30.0
    ops = client.get("/__admin/evidence?kind=operations").json()["records"]["operations"]
    mine = [(o["op"], o["idempotency_key"]) for o in ops if o["payment_id"] == pid]
    assert mine == [("authorize", None), ("capture", None), ("increment", None),
                    ("capture", None)]
    assert client.post(f"/api/payments/{pid}/capture", json={"amount": 5}).status_code == 409
