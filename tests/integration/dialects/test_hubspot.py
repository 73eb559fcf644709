"""CRM dialect ``hubspot`` driven by hubspot-api-client through its public API (``host``
override, private-app token), asserting what HubSpot documents (spec erp-crm-dialects.md §6).
The client's models refuse a reply without the fields HubSpot always sends, so every call
that returns a model also checks the mock's reply shape."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    Error,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from tests.support.asgi_server import Served, serve_asgi
from tests.support.crm_dialects import crm_app, evidence, set_faults

pytestmark = pytest.mark.timeout(60)
TOKEN = "pat-na1-peakready"


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[Served]:
    app = crm_app(tmp_path, "hubspot", dialect_options={"search_index_delay": 0.3})
    with serve_asgi(app) as served:
        yield served


def _client(crm: Served, token: str = TOKEN) -> hubspot.Client:
    return hubspot.Client.create(access_token=token, host=crm.url)


def _error(exc: ApiException) -> Error:
    """The error body as the client's own model (which requires category, correlationId and
    message)."""
    body = json.loads(exc.body)
    return Error(category=body.get("category"), correlation_id=body.get("correlationId"),
                 message=body.get("message"), sub_category=body.get("subCategory"),
                 context=body.get("context"), links=body.get("links"),
                 errors=None)


def test_batch_upsert_by_email_creates_and_updates(crm: Served) -> None:
    client = _client(crm)
    reply = client.crm.contacts.batch_api.upsert(BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[SimplePublicObjectBatchInputUpsert(
                    id_property="email", id="ann@example.com",
                    properties={"firstname": "Annie", "magento_customer_id": "7"}),
                SimplePublicObjectBatchInputUpsert(
                    id_property="email", id="bob@example.com",
                    properties={"firstname": "Bob", "lastname": "Stone",
                                "magento_customer_id": "42"})]))
    assert reply.status == "COMPLETE"
    assert sorted((r.properties["email"], r.new) for r in reply.results) == \
        [("ann@example.com", False), ("bob@example.com", True)]
    contacts = {c["email"]: c for c in evidence(crm.url, "contacts")}
    assert contacts["bob@example.com"]["magento_customer_id"] == 42
    assert contacts["ann@example.com"]["firstname"] == "Annie"


def test_batch_upsert_with_a_bad_input_is_207_with_errors(crm: Served) -> None:
    client = _client(crm)
    reply = client.crm.contacts.batch_api.upsert(BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[SimplePublicObjectBatchInputUpsert(id_property="email", id="ok@example.com",
                                                   properties={"firstname": "Ok"}),
                SimplePublicObjectBatchInputUpsert(id_property="email", id="bad@",
                                                   properties={"firstname": "Bad"})]))
    assert reply.num_errors == 1 and reply.errors[0].category == "VALIDATION_ERROR"
    assert reply.errors[0].context == {"ids": ["bad@"]}
    assert [r.properties["email"] for r in reply.results] == ["ok@example.com"]


def test_create_of_an_existing_email_is_409_conflict_naming_the_id(crm: Served) -> None:
    client = _client(crm)
    with pytest.raises(ApiException) as conflict:
        client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
            properties={"email": "ann@example.com", "firstname": "Ann"}))
    assert conflict.value.status == 409
    error = _error(conflict.value)
    assert error.category == "CONFLICT" and "Existing ID: 1" in error.message


def test_create_with_a_changed_email_is_a_second_contact_for_the_customer(
        crm: Served) -> None:
    # A connector that creates instead of updating (Magento customer 7 changed its email)
    # gets a second contact: HubSpot only keeps emails unique. The evidence shows it.
    client = _client(crm)
    created = client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
        properties={"email": "ann.lee@example.com", "magento_customer_id": "7"}))
    assert created.id == "2" and created.properties["magento_customer_id"] == "7"
    [duplicate] = evidence(crm.url, "duplicates")
    assert duplicate["magento_customer_id"] == 7 and duplicate["by"] == "magento_customer_id"


def test_read_and_update_by_email_id_property(crm: Served) -> None:
    client = _client(crm)
    contact = client.crm.contacts.basic_api.get_by_id("ann@example.com", id_property="email",
                                                      properties=["email", "lastname"])
    assert contact.id == "1" and contact.properties["lastname"] == "Lee"
    updated = client.crm.contacts.basic_api.update(
        "ann@example.com", SimplePublicObjectInput(properties={"phone": "555-0102"}),
        id_property="email")
    assert updated.properties["phone"] == "555-0102"
    with pytest.raises(ApiException) as missing:
        client.crm.contacts.basic_api.get_by_id("nobody@example.com", id_property="email")
    assert missing.value.status == 404 and _error(missing.value).category == "OBJECT_NOT_FOUND"


def test_pushing_a_crm_owned_property_is_an_overwrite(crm: Served) -> None:
    client = _client(crm)
    client.crm.contacts.basic_api.update("1", SimplePublicObjectInput(
        properties={"hubspotscore": "0"}))
    [overwrite] = evidence(crm.url, "overwrites")
    assert (overwrite["field"], overwrite["crm_value"], overwrite["pushed_value"]) == \
        ("lead_score", 80, 0)


def test_search_sees_a_write_after_the_index_delay_and_pages(crm: Served) -> None:
    client = _client(crm)
    client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
        properties={"email": "new@example.com", "firstname": "New"}))
    request = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[Filter(
        property_name="email", operator="EQ", value="new@example.com")])], limit=10)
    assert client.crm.contacts.search_api.do_search(request).total == 0   # not indexed yet
    time.sleep(0.4)
    found = client.crm.contacts.search_api.do_search(request)
    assert found.total == 1 and found.results[0].properties["firstname"] == "New"
    every = client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=1))
    assert every.total == 2 and every.paging.next.after == "1"


def test_rate_limit_headers_then_429_over_the_ten_second_window(tmp_path: Path) -> None:
    app = crm_app(tmp_path, "hubspot", dialect_options={"ten_secondly_limit": 3})
    with serve_asgi(app) as crm:
        client = _client(crm)
        page = client.crm.contacts.basic_api.get_page_with_http_info(limit=10)
        headers = page[2]
        assert headers["X-HubSpot-RateLimit-Max"] == "3"
        assert headers["X-HubSpot-RateLimit-Remaining"] == "2"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        client.crm.contacts.basic_api.get_page(limit=10)
        client.crm.contacts.basic_api.get_page(limit=10)
        with pytest.raises(ApiException) as limited:
            client.crm.contacts.basic_api.get_page(limit=10)
        assert limited.value.status == 429
        body = json.loads(limited.value.body)
        # HubSpot's 429 body has no category: callers read status and policyName.
        assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT",
                                                           "TEN_SECONDLY_ROLLING")
        assert "category" not in body and body["correlationId"]


def test_api_limit_fault_is_a_429_with_remaining_zero(crm: Served) -> None:
    client = _client(crm)
    set_faults(crm.url, {"id": "limit", "path": "/crm/*", "api_limit": True})
    with pytest.raises(ApiException) as limited:
        client.crm.contacts.basic_api.get_by_id("1")
    assert limited.value.status == 429
    assert limited.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    set_faults(crm.url)
    assert client.crm.contacts.basic_api.get_by_id("1").id == "1"


def test_a_wrong_token_is_401_invalid_authentication(crm: Served) -> None:
    with pytest.raises(ApiException) as refused:
        _client(crm, token="pat-na1-wrong").crm.contacts.basic_api.get_by_id("1")
    assert refused.value.status == 401
    assert _error(refused.value).category == "INVALID_AUTHENTICATION"


def test_a_custom_unique_property_can_be_the_upsert_id_property(tmp_path: Path) -> None:
    app = crm_app(tmp_path, "hubspot",
                  dialect_options={"unique_properties": ["magento_customer_id"]})
    with serve_asgi(app) as crm:
        client = _client(crm)
        reply = client.crm.contacts.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id_property="magento_customer_id", id="7",
                    properties={"email": "ann.lee@example.com"}),
                SimplePublicObjectBatchInputUpsert(
                    id_property="magento_customer_id", id="9",
                    properties={"email": "cy@example.com", "lastname": "Cy"})]))
        assert sorted((r.properties["email"], r.new) for r in reply.results) == \
            [("ann.lee@example.com", False), ("cy@example.com", True)]
        with pytest.raises(ApiException) as conflict:
            client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
                properties={"email": "other@example.com", "magento_customer_id": "7"}))
        assert conflict.value.status == 409 and _error(conflict.value).category == "CONFLICT"
        assert evidence(crm.url, "duplicates") == []
