"""Dialect ``business-central`` driven by msal (OAuth2 client credentials over TLS, as msal
insists on https) and httpx against the documented API v2.0 endpoints (spec §1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import msal
import pytest
import requests
from tests.integration.dialects.conftest import evidence, set_faults
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
BASE = "/v2.0/peakready/production/api/v2.0"
SCOPE = ["https://api.businesscentral.dynamics.com/.default"]


def _token(erp: Served, cert: Path, secret: str = "peakready") -> dict[str, object]:
    session = requests.Session()
    session.trust_env = False         # REQUESTS_CA_BUNDLE would override verify
    session.verify = str(cert)        # trust the loopback test certificate, nothing else
    app = msal.ConfidentialClientApplication(
        "peakready", client_credential=secret, authority=f"{erp.url}/peakready",
        instance_discovery=False, http_client=session)
    return dict(app.acquire_token_for_client(scopes=SCOPE))


def _api(erp: Served, cert: Path, token: str) -> httpx.Client:
    return httpx.Client(base_url=erp.url + BASE, verify=str(cert),
                        headers={"Authorization": f"Bearer {token}"})


def _order(ref: str, *lines: tuple[str, int]) -> dict[str, object]:
    return {"externalDocumentNumber": ref, "customerNumber": "10000",
            "email": "jane@example.com",
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": sku, "quantity": qty,
                                 "unitPrice": 19.99} for sku, qty in lines]}


def test_msal_client_credentials_then_create_lookup_and_read_back(
        serve: Callable[..., Served], tls_files: tuple[Path, Path]) -> None:
    erp = serve("business-central", tls=tls_files)
    token = _token(erp, tls_files[0])
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3599
    with _api(erp, tls_files[0], str(token["access_token"])) as api:
        [company] = api.get("/companies").json()["value"]
        orders = f"/companies({company['id']})/salesOrders"
        lookup = api.get(orders, params={"$filter": "externalDocumentNumber eq '000000201'"})
        assert lookup.status_code == 200 and lookup.json()["value"] == []
        created = api.post(orders, json=_order("000000201", ("SKU-1", 2), ("SKU-2", 1)))
        assert created.status_code == 201
        body = created.json()
        assert body["externalDocumentNumber"] == "000000201"
        assert body["@odata.etag"].startswith('W/"') and body["status"] == "Draft"
        assert "salesOrderLines" not in body          # header only without $expand
        again = api.get(orders, params={"$filter": "externalDocumentNumber eq '000000201'"})
        assert [o["id"] for o in again.json()["value"]] == [body["id"]]
        expanded = api.get(f"{orders}({body['id']})",
                           params={"$expand": "salesOrderLines"}).json()
        assert [(ln["lineObjectNumber"], ln["quantity"]) for ln in
                expanded["salesOrderLines"]] == [("SKU-1", 2), ("SKU-2", 1)]
        items = api.get(f"/companies({company['id']})/items",
                        params={"$filter": "number eq 'SKU-1'",
                                "$select": "number,inventory"}).json()["value"]
        assert items == [{"number": "SKU-1", "inventory": 10}]   # open orders keep on-hand
    [stored] = evidence(erp.url, "orders", verify=str(tls_files[0]))
    assert stored["increment_id"] == "000000201"


def test_bad_secret_and_missing_token_answer_as_entra_and_bc_do(
        serve: Callable[..., Served], tls_files: tuple[Path, Path]) -> None:
    erp = serve("business-central", tls=tls_files)
    refused = _token(erp, tls_files[0], secret="wrong")
    assert refused["error"] == "invalid_client"
    assert "AADSTS7000215" in str(refused["error_description"])
    with _api(erp, tls_files[0], "not-a-token") as api:
        reply = api.get("/companies")
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "Authentication_InvalidCredentials"


def test_paging_follows_odata_next_links(serve: Callable[..., Served],
                                         tls_files: tuple[Path, Path]) -> None:
    erp = serve("business-central", tls=tls_files)
    token = str(_token(erp, tls_files[0])["access_token"])
    with _api(erp, tls_files[0], token) as api:
        url = f"{erp.url}{BASE}/companies(5f3c1d2e-8b4a-4c6f-9e21-7d0a1b2c3d4e)/items"
        seen, pages = [], 0
        headers = {"Prefer": "odata.maxpagesize=2"}
        while url and pages < 10:
            reply = api.get(url, headers=headers)
            assert reply.headers["Preference-Applied"] == "odata.maxpagesize=2"
            seen += [i["number"] for i in reply.json()["value"]]
            url = reply.json().get("@odata.nextLink")
            pages += 1
    assert (seen, pages) == (["SKU-1", "SKU-2", "SKU-3"], 2)


def test_session_expiry_fault_revokes_tokens_and_a_new_token_works(
        serve: Callable[..., Served], tls_files: tuple[Path, Path]) -> None:
    erp = serve("business-central", tls=tls_files)
    cert = str(tls_files[0])
    old = str(_token(erp, tls_files[0])["access_token"])
    set_faults(erp.url, {"id": "token-expired", "session_expiry": True}, verify=cert)
    with _api(erp, tls_files[0], old) as api:
        assert api.get("/companies").status_code == 401
    fresh = str(_token(erp, tls_files[0])["access_token"])
    with _api(erp, tls_files[0], fresh) as api:
        assert api.get("/companies").status_code == 200


def test_concurrency_limit_fault_answers_429_above_the_limit(
        serve: Callable[..., Served], tls_files: tuple[Path, Path]) -> None:
    import concurrent.futures

    erp = serve("business-central", tls=tls_files)
    cert = str(tls_files[0])
    token = str(_token(erp, tls_files[0])["access_token"])
    set_faults(erp.url, {"id": "bc-limit", "concurrency_limit": {"max_in_flight": 1,
                                                                  "hold_ms": 300}},
               verify=cert)

    def one(_: int) -> httpx.Response:
        with _api(erp, tls_files[0], token) as api:
            return api.get("/companies")

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(one, range(4)))
    throttled = [r for r in replies if r.status_code == 429]
    assert throttled and any(r.status_code == 200 for r in replies)
    assert throttled[0].json()["error"]["code"] == "Application_TooManyRequests"
    assert throttled[0].headers["Retry-After"] == "1"
