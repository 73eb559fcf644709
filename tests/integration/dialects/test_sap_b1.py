"""Dialect ``sap-b1`` driven with httpx against the documented Service Layer endpoints (no
maintained Python client library of the Service Layer exists), asserting what SAP documents
(spec §4): the B1SESSION/ROUTEID cookies, 201 documents, 20-a-page paging, v1 error shapes."""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from tests.integration.dialects.conftest import evidence, set_faults
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
LOGIN = {"CompanyDB": "PEAKREADY", "UserName": "manager", "Password": "peakready"}


@contextlib.contextmanager
def _session(erp: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{erp.url}/b1s/v1") as client:
        reply = client.post("/Login", json=LOGIN)
        assert reply.status_code == 200, reply.text
        yield client


def test_login_sets_the_session_cookies_then_create_lookup_and_read(
        serve: Callable[..., Served]) -> None:
    erp = serve("sap-b1")
    with httpx.Client(base_url=f"{erp.url}/b1s/v1") as b1:
        login = b1.post("/Login", json=LOGIN)
        assert login.json()["SessionTimeout"] == 30
        assert login.cookies["B1SESSION"] == login.json()["SessionId"]
        assert login.cookies["ROUTEID"] == ".node1"
        lookup = b1.get("/Orders", params={"$filter": "NumAtCard eq '000000401'",
                                           "$select": "DocEntry,DocNum"})
        assert lookup.json()["value"] == []
        created = b1.post("/Orders", json={
            "CardCode": "C20000", "NumAtCard": "000000401", "DocDate": "2024-05-01",
            "DocumentLines": [{"ItemCode": "SKU-1", "Quantity": 2, "UnitPrice": 19.99,
                               "WarehouseCode": "01"}]})
        assert created.status_code == 201
        document = created.json()
        assert (document["NumAtCard"], document["DocumentStatus"]) == ("000000401",
                                                                       "bost_Open")
        assert isinstance(document["DocEntry"], int) and isinstance(document["DocNum"], int)
        found = b1.get("/Orders", params={"$filter": "NumAtCard eq '000000401'",
                                          "$select": "DocEntry,DocNum"}).json()["value"]
        assert found == [{"DocEntry": document["DocEntry"], "DocNum": document["DocNum"]}]
        read = b1.get(f"/Orders({document['DocEntry']})").json()
        assert read["DocumentLines"][0]["ItemCode"] == "SKU-1"
        item = b1.get("/Items('SKU-1')").json()
        assert item["QuantityOnStock"] == 10
        assert item["ItemWarehouseInfoCollection"][0]["InStock"] == 10
        missing = b1.post("/Orders", json={"CardCode": "C20000", "NumAtCard": "000000402",
                                           "DocumentLines": [{"ItemCode": "NOPE",
                                                              "Quantity": 1}]})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == -2028
        assert b1.post("/Logout").status_code == 204
        after = b1.get("/Orders")
    assert after.status_code == 401
    assert after.json() == {"error": {"code": 301, "message": {
        "lang": "en-us", "value": "Invalid session or session already timeout."}}}
    assert [o["increment_id"] for o in evidence(erp.url, "orders")] == ["000000401"]


def test_default_page_is_20_with_a_relative_next_link_and_maxpagesize(
        serve: Callable[..., Served]) -> None:
    erp = serve("sap-b1", stock={f"SKU-{i:02d}": i for i in range(25)})
    with _session(erp) as b1:
        first = b1.get("/Items", params={"$select": "ItemCode,QuantityOnStock"}).json()
        assert len(first["value"]) == 20
        assert first["odata.nextLink"].startswith("Items?") and "$skip=20" in \
            first["odata.nextLink"]
        rest = b1.get("/" + first["odata.nextLink"]).json()
        assert len(rest["value"]) == 5 and "odata.nextLink" not in rest
        whole = b1.get("/Items", headers={"Prefer": "odata.maxpagesize=0"})
        assert len(whole.json()["value"]) == 25
        assert whole.headers["Preference-Applied"] == "odata.maxpagesize=0"


def test_bad_login_and_session_expiry_fault(serve: Callable[..., Served]) -> None:
    erp = serve("sap-b1")
    refused = httpx.post(f"{erp.url}/b1s/v1/Login", json={**LOGIN, "Password": "x"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"]["value"] == "Login failed"
    with _session(erp) as b1:
        assert b1.get("/Items").status_code == 200
        set_faults(erp.url, {"id": "b1-timeout", "session_expiry": True})
        expired = b1.get("/Items")
        assert expired.status_code == 401 and expired.json()["error"]["code"] == 301
        assert b1.post("/Login", json=LOGIN).status_code == 200     # re-login works
        assert b1.get("/Items").status_code == 200


def test_concurrency_limit_fault_is_a_502_proxy_error(serve: Callable[..., Served]) -> None:
    erp = serve("sap-b1")
    with _session(erp) as b1:
        cookies = b1.cookies
    set_faults(erp.url, {"id": "b1-workers", "concurrency_limit": {"max_in_flight": 1,
                                                                    "hold_ms": 300}})

    def one(_: int) -> httpx.Response:
        return httpx.get(f"{erp.url}/b1s/v1/Items", cookies=cookies)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(one, range(4)))
    statuses = sorted(r.status_code for r in replies)
    assert 200 in statuses and 502 in statuses
    assert "Proxy Error" in next(r.text for r in replies if r.status_code == 502)
