"""Dialect ``netsuite`` driven by the ``netsuite`` package (jacobsvante/netsuite: token-based
auth signed by authlib, HMAC-SHA256) through its public API, each call given the loopback
URL (its ``url=`` keyword: the package builds ``https://<account>.suitetalk.api.netsuite.com``
otherwise), asserting what NetSuite documents (spec §2)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from netsuite import Config, NetSuiteRestApi
from netsuite.config import TokenAuth
from netsuite.exceptions import NetsuiteAPIRequestError
from tests.integration.dialects.conftest import evidence, set_faults
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
RECORD = "/services/rest/record/v1"


def _api(token: str = "peakready") -> NetSuiteRestApi:
    return NetSuiteRestApi(Config(account="PEAKREADY", auth=TokenAuth(
        consumer_key="peakready", consumer_secret="secret", token_id=token,
        token_secret="secret")))


def _call(erp: Served, method: str, subpath: str, api: NetSuiteRestApi | None = None,
          **kw: Any) -> Any:
    client = api or _api()
    return asyncio.run(getattr(client, method)(subpath, url=f"{erp.url}/services/rest"
                                                            f"{subpath}", **kw))


def _order(ref: str, *lines: tuple[int, int]) -> dict[str, Any]:
    return {"entity": {"id": "1234"}, "otherRefNum": ref,
            "item": {"items": [{"item": {"id": str(i)}, "quantity": q, "rate": 5.0}
                               for i, q in lines]}}


def test_create_is_204_with_location_then_lookup_and_read_with_sublist(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite")
    assert _call(erp, "get", "/record/v1/salesOrder",
                 params={"q": 'otherRefNum IS "000000301"'})["items"] == []
    api = _api()
    reply = asyncio.run(api.request("POST", "/record/v1/salesOrder",
                                    url=f"{erp.url}{RECORD}/salesOrder",
                                    json=_order("000000301", (1, 2), (2, 1))))
    assert reply.status_code == 204 and reply.content == b""
    order_id = reply.headers["Location"].rsplit("/", 1)[1]
    assert _call(erp, "post", "/record/v1/salesOrder",
                 json=_order("000000302", (1, 1))) is None   # the package's 204 is None
    found = _call(erp, "get", "/record/v1/salesOrder",
                  params={"q": 'otherRefNum IS "000000301"'})
    assert [i["id"] for i in found["items"]] == [order_id]
    assert found["hasMore"] is False and found["totalResults"] == 1
    record = _call(erp, "get", f"/record/v1/salesOrder/{order_id}",
                   params={"expandSubResources": "true"})
    assert record["otherRefNum"] == "000000301"
    assert record["orderStatus"] == {"id": "B", "refName": "Pending Fulfillment"}
    assert [(i["item"]["refName"], i["quantity"]) for i in record["item"]["items"]] == [
        ("SKU-1", 2), ("SKU-2", 1)]
    assert {o["increment_id"] for o in evidence(erp.url, "orders")} == {"000000301",
                                                                        "000000302"}


def test_suiteql_answers_lower_case_columns_and_text_numbers_with_paging(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite")
    api = _api()
    page = asyncio.run(api.suiteql(
        "SELECT item, quantityonhand FROM inventoryitemlocations ORDER BY item",
        limit=2, offset=0, url=f"{erp.url}/services/rest/query/v1/suiteql"))
    assert page["hasMore"] is True and page["totalResults"] == 3
    assert [(r["item"], r["quantityonhand"]) for r in page["items"]] == [("1", "10"),
                                                                         ("2", "5")]
    skus = asyncio.run(api.suiteql("SELECT id, itemid FROM item WHERE itemid IN ('SKU-3')",
                                   url=f"{erp.url}/services/rest/query/v1/suiteql"))
    assert [(r["id"], r["itemid"]) for r in skus["items"]] == [("3", "SKU-3")]


def test_unknown_token_is_invalid_login_with_netsuite_error_details(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite")
    with pytest.raises(NetsuiteAPIRequestError) as refused:
        _call(erp, "get", "/record/v1/salesOrder", api=_api(token="stolen"))
    assert refused.value.status_code == 401
    assert '"o:errorCode":"INVALID_LOGIN"' in refused.value.response_text.replace(" ", "")


def test_eid_upsert_and_async_idempotency_key_never_create_twice(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite")
    for _ in range(2):
        assert _call(erp, "put", "/record/v1/salesOrder/eid:magento-000000303",
                     json=_order("000000303", (1, 1))) is None
    api = _api()
    headers = {"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "k-304"}
    first = asyncio.run(api.request("POST", "/record/v1/salesOrder", headers=headers,
                                    url=f"{erp.url}{RECORD}/salesOrder",
                                    json=_order("000000304", (2, 1))))
    assert first.status_code == 202 and "/async/v1/job/" in first.headers["Location"]
    again = asyncio.run(api.request("POST", "/record/v1/salesOrder", headers=headers,
                                    url=f"{erp.url}{RECORD}/salesOrder",
                                    json=_order("000000304", (2, 1))))
    assert again.status_code == 400
    assert again.json()["o:errorDetails"][0]["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert again.headers["Location"] == first.headers["Location"]
    job = asyncio.run(api.get("", url=first.headers["Location"]))
    assert job["completed"] is True
    orders = evidence(erp.url, "orders")
    assert sorted(o["increment_id"] for o in orders) == ["000000303", "000000304"]
    assert {o["increment_id"]: o["attempts"] for o in orders} == {"000000303": 2,
                                                                  "000000304": 2}


def test_concurrency_limit_fault_is_429_concurrency_limit_exceeded(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite")
    set_faults(erp.url, {"id": "ns-governance", "concurrency_limit": {"max_in_flight": 1,
                                                                       "hold_ms": 300}})

    def one(i: int) -> httpx.Response:
        return asyncio.run(_api().request("POST", "/record/v1/salesOrder",
                                          url=f"{erp.url}{RECORD}/salesOrder",
                                          json=_order(f"00000031{i}", (1, 1))))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(one, range(4)))
    blocked = [r for r in replies if r.status_code == 429]
    assert blocked and any(r.status_code == 204 for r in replies)
    assert blocked[0].json()["o:errorDetails"][0]["o:errorCode"] == \
        "CONCURRENCY_LIMIT_EXCEEDED"
    assert "Retry-After" not in blocked[0].headers
    attempts = evidence(erp.url, "requests")
    assert sorted(a["status"] for a in attempts) == sorted(r.status_code for r in replies)
