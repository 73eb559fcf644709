"""The ERP's strict validation: edge-case data Magento accepts is refused, field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

ADDRESS = {"firstname": "Zoë", "lastname": "O'Brien", "street": ["1 Main St", "Apt 2"],
           "city": "Austin", "region": "Texas", "postcode": "78701", "country_id": "US",
           "telephone": "+1 (512) 555-0100", "company": "Acme GmbH & Co. KG"}


def _order(**address: Any) -> dict[str, Any]:
    return {"increment_id": "000000001", "customer_email": "ann@example.com",
            "items": [{"sku": "A", "qty": 1, "price": 9.5}],
            "totals": {"grand_total": 9.5}, "billing_address": dict(ADDRESS),
            "shipping_address": {**ADDRESS, **address}}


def test_ordinary_latin_1_data_is_accepted(erp: Callable[..., Any]) -> None:
    r = erp().post("/api/orders", json=_order())
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("change", "field"), [
    ({"telephone": "+1 (555) 010-0199 ext. 4471, mobile +1 555 010 0188, call after 6 pm!!"},
     "shipping_address.telephone"),
    ({"firstname": "美咲"}, "shipping_address.firstname"),
    ({"lastname": "Party 🎉"}, "shipping_address.lastname"),
    ({"street": ["Flat 4B", "1187 North Lakeshore Boulevard", "c/o Reception"]},
     "shipping_address.street"),
    ({"company": "Internationale Handelsgesellschaft für Outdoor- und Freizeitbedarf"},
     "shipping_address.company"),
    ({"city": None}, "shipping_address.city"),
    ({"postcode": "7870#1"}, "shipping_address.postcode"),
    ({"country_id": "us"}, "shipping_address.country_id"),
])
def test_edge_case_data_is_a_422_naming_the_field(erp: Callable[..., Any],
                                                  change: dict[str, Any], field: str) -> None:
    r = erp().post("/api/orders", json=_order(**change))
    assert r.status_code == 422, r.text
    fields = [f["field"] for f in r.json()["error"]["fields"]]
    assert any(f.startswith(field) for f in fields), fields


def test_refusal_is_deterministic_and_recorded_with_the_answer(erp: Callable[..., Any]) -> None:
    client = erp()
    bad = _order(firstname="Sam 😀")
    answers = [client.post("/api/orders", json=bad, headers={"Idempotency-Key": "k"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [422, 422, 422]
    evidence = client.get("/__admin/evidence").json()
    assert evidence["records"]["orders"] == []
    requests = evidence["records"]["requests"]
    assert [r["outcome"] for r in requests] == ["rejected"] * 3
    assert requests[0]["increment_id"] == "000000001"
    assert requests[0]["error"]["code"] == "validation_error"
    assert requests[0]["error"]["fields"][0]["field"] == "shipping_address.firstname"
    assert "Latin-1" in requests[0]["error"]["fields"][0]["reason"]


def test_non_ascii_email_and_long_increment_id_are_refused(erp: Callable[..., Any]) -> None:
    client = erp()
    r = client.post("/api/orders", json={**_order(), "customer_email": "zoë@example.com"})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "customer_email"
    r = client.post("/api/orders", json={**_order(), "increment_id": "9" * 33})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "increment_id"


def test_lenient_validation_accepts_what_magento_accepts(erp: Callable[..., Any]) -> None:
    client = erp(validation="lenient")
    r = client.post("/api/orders", json=_order(firstname="美咲", telephone="x" * 60,
                                               street=["a", "b", "c"]))
    assert r.status_code == 201, r.text


def test_validation_option_is_checked(erp: Callable[..., Any]) -> None:
    from peakready.errors import ConfigError

    with pytest.raises(ConfigError, match="validation"):
        erp(validation="picky")
