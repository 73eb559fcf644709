"""CRM dialect ``salesforce`` driven by simple-salesforce through its public API, over TLS on
loopback with a certificate the test trusts, asserting what Salesforce documents (spec
erp-crm-dialects.md §5).

simple-salesforce builds every URL as ``https://{instance}`` and logs in at
``https://{domain}.salesforce.com``: the test gives it a requests session whose adapter for
that one login host connects to the loopback mock (no hosts-file edit); the token reply's
``instance_url`` then points the client at the mock for everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
)
from tests.support.asgi_server import Served, loopback_certificate, serve_asgi
from tests.support.crm_dialects import crm_app, evidence, set_faults

pytestmark = pytest.mark.timeout(60)
LOGIN_HOST = "https://peakready.salesforce.com"
EXT = "Magento_Customer_Id__c"


class _LoginHostToLoopback(HTTPAdapter):
    """Sends requests for the vendor's login host to the mock (the URL only; TLS verified)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = request.url.replace(LOGIN_HOST, self.target, 1)
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


_OPEN: list[requests.Session] = []


@pytest.fixture
def crm(tmp_path: Path, tls_files: tuple[Path, Path]) -> Iterator[Served]:
    with serve_asgi(crm_app(tmp_path, "salesforce"), tls=tls_files) as served:
        yield served
        # Idle keep-alive connections would hold the server's shutdown up.
        while _OPEN:
            _OPEN.pop().close()


def _session(crm: Served, tls_files: tuple[Path, Path]) -> requests.Session:
    session = requests.Session()
    _OPEN.append(session)
    # The machine's REQUESTS_CA_BUNDLE would override the session's own trust: not here.
    session.trust_env = False
    session.verify = str(tls_files[0])
    session.mount(LOGIN_HOST, _LoginHostToLoopback(crm.url))
    return session


def _login(crm: Served, tls_files: tuple[Path, Path], secret: str = "peakready") -> Salesforce:
    return Salesforce(consumer_key="peakready", consumer_secret=secret, domain="peakready",
                      session=_session(crm, tls_files))


def test_client_credentials_login_then_upsert_creates_201_and_updates_204(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    assert sf.sf_instance == f"127.0.0.1:{crm.port}"   # the token reply's instance_url
    created = sf.Contact.upsert(f"{EXT}/42", {"FirstName": "Bob", "LastName": "Stone",
                                              "Email": "Bob@Example.com"})
    assert created == 201
    updated = sf.Contact.upsert(f"{EXT}/42", {"Phone": "555-0101"})
    assert updated == 204
    record = sf.Contact.get_by_custom_id(EXT, "42")
    assert (record["FirstName"], record["LastName"], record["Email"], record["Phone"]) == \
        ("Bob", "Stone", "bob@example.com", "555-0101")
    assert record["attributes"]["type"] == "Contact" and record["Id"].startswith("003")
    assert sf.Contact.get(record["Id"])["Magento_Customer_Id__c"] == "42"
    # Sforce-Limit-Info on every answer, parsed by the client.
    assert sf.limits()["DailyApiRequests"]["Max"] == sf.api_usage["api-usage"].total
    assert sf.api_usage["api-usage"].used >= 5
    # Canonical evidence: the contact, keyed by the Magento customer, no duplicate.
    [contact] = [c for c in evidence(crm.url, "contacts", verify=str(tls_files[0]))
                 if c["email"] == "bob@example.com"]
    assert contact["magento_customer_id"] == 42 and contact["phone"] == "555-0101"
    assert evidence(crm.url, "duplicates", verify=str(tls_files[0])) == []


def test_bad_client_secret_is_refused_as_salesforce_does(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    with pytest.raises(SalesforceAuthenticationFailed, match="invalid_client"):
        _login(crm, tls_files, secret="wrong")


def test_pushing_a_crm_owned_field_is_an_overwrite_in_the_evidence(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    assert sf.Contact.upsert(f"{EXT}/7", {"LastName": "Lee", "Segment__c": "new"}) == 204
    [overwrite] = evidence(crm.url, "overwrites", verify=str(tls_files[0]))
    assert (overwrite["email"], overwrite["field"], overwrite["crm_value"],
            overwrite["pushed_value"]) == ("ann@example.com", "segment", "vip", "new")


def test_create_instead_of_upsert_duplicates_and_the_next_upsert_gets_300(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    # A connector that POSTs (say, retrying after a timeout) makes a second Contact for
    # Magento customer 7: Salesforce allows it, and the CRM's evidence shows it.
    reply = sf.Contact.create({"LastName": "Lee", "Email": "ann@example.com", EXT: "7"})
    assert reply["success"] is True
    [duplicate] = evidence(crm.url, "duplicates", verify=str(tls_files[0]))
    assert duplicate["magento_customer_id"] == 7 and len(duplicate["contact_ids"]) == 2
    with pytest.raises(SalesforceMoreThanOneRecord) as raised:
        sf.Contact.upsert(f"{EXT}/7", {"FirstName": "Ann"})
    assert raised.value.status == 300 and len(raised.value.content) == 2


def test_soql_query_all_follows_next_records_url(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    records = [{"attributes": {"type": "Contact"}, EXT: str(100 + n), "LastName": f"L{n}",
                "Email": f"c{n}@example.com"} for n in range(200)]
    results = sf.restful(f"composite/sobjects/Contact/{EXT}", method="PATCH",
                         json={"allOrNone": False, "records": records})
    assert [r["created"] for r in results] == [True] * 200
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    first = sf.query("SELECT Id, Email FROM Contact")
    assert first["done"] is False and first["nextRecordsUrl"].startswith(
        "/services/data/v")
    everything = sf.query_all("SELECT Id, Email FROM Contact")
    assert everything["totalSize"] == 201 and len(everything["records"]) == 201
    one = sf.query("SELECT Id, Email, LastName FROM Contact WHERE Email = 'c5@example.com'")
    assert one["totalSize"] == 1 and one["records"][0]["LastName"] == "L5"


def test_collection_upsert_reports_failures_per_record_in_a_200(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    results = sf.restful(f"composite/sobjects/Contact/{EXT}", method="PATCH", json={
        "allOrNone": False, "records": [
            {"attributes": {"type": "Contact"}, EXT: "7", "FirstName": "Annie"},
            {"attributes": {"type": "Contact"}, EXT: "8", "Email": "x@example.com"}]})
    assert results[0] == {"id": results[0]["id"], "success": True, "errors": [],
                          "created": False}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_composite_request_runs_its_subrequests(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    base = f"/services/data/v{sf.sf_version}/sobjects/Contact"
    reply = sf.restful("composite", method="POST", json={"compositeRequest": [
        {"method": "PATCH", "url": f"{base}/{EXT}/9", "referenceId": "up",
         "body": {"LastName": "Nine", "Email": "nine@example.com"}},
        {"method": "GET", "url": f"{base}/{EXT}/9", "referenceId": "read"}]})
    statuses = {r["referenceId"]: r["httpStatusCode"] for r in reply["compositeResponse"]}
    assert statuses == {"up": 201, "read": 200}
    assert reply["compositeResponse"][1]["body"]["LastName"] == "Nine"


def test_api_limit_fault_is_403_request_limit_exceeded(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    verify = str(tls_files[0])
    set_faults(crm.url, {"id": "limit", "path": "/services/data/*", "api_limit": True},
               verify=verify)
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.Contact.upsert(f"{EXT}/7", {"FirstName": "Ann"})
    assert refused.value.status == 403
    assert refused.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    set_faults(crm.url, verify=verify)
    assert sf.Contact.upsert(f"{EXT}/7", {"FirstName": "Ann"}) == 204


def test_session_expiry_fault_ends_old_sessions_and_a_new_login_works(
        crm: Served, tls_files: tuple[Path, Path]) -> None:
    sf = _login(crm, tls_files)
    verify = str(tls_files[0])
    set_faults(crm.url, {"id": "expiry", "path": "/services/data/*", "session_expiry": True},
               verify=verify)
    # simple-salesforce re-logs only when it has credentials it can log in with; a client made
    # from a bare session id cannot, and sees the expiry as Salesforce reports it.
    bare = Salesforce(instance_url=crm.url, session_id=sf.session_id,
                      session=_session(crm, tls_files))
    with pytest.raises(SalesforceExpiredSession) as expired:
        bare.Contact.get_by_custom_id(EXT, "7")
    assert expired.value.content[0]["errorCode"] == "INVALID_SESSION_ID"
    set_faults(crm.url, verify=verify)      # the window is over; the old session stays dead
    with pytest.raises(SalesforceExpiredSession):
        bare.Contact.get_by_custom_id(EXT, "7")
    fresh = _login(crm, tls_files)
    assert fresh.Contact.get_by_custom_id(EXT, "7")["Email"] == "ann@example.com"
