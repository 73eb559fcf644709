"""After the sale, per ERP dialect, through the clients the other dialect tests use (msal +
httpx for Business Central, the ``netsuite`` package, odoorpc, httpx for the SAP B1 Service
Layer): the vendor's shipment documents (both parts of a partial shipment, with lines,
carrier and tracking number), its invoice, cancelling an order (refused once a shipment
left) and booking a credit memo, in the vendor's documented shapes, landing on the one store
exactly as with the peakready dialect (``cancel_requests``, ``credit_memos``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import odoorpc
import pytest
from netsuite.exceptions import NetsuiteAPIRequestError
from tests.integration.dialects.conftest import evidence, set_faults
from tests.integration.dialects.test_business_central import BASE as BC_BASE
from tests.integration.dialects.test_business_central import _order as bc_order
from tests.integration.dialects.test_business_central import _token
from tests.integration.dialects.test_netsuite import _api as ns_api
from tests.integration.dialects.test_netsuite import _call as ns_call
from tests.integration.dialects.test_netsuite import _order as ns_order
from tests.integration.dialects.test_odoo import _order_lines
from tests.integration.dialects.test_sap_b1 import LOGIN
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
# Every order ships in two parts 0.2 s apart, invoiced a second after the last: all by 1.4 s.
LIFE = {"pick_after": 0, "ship_after": 0.2, "invoice_after": 0.6, "partial_share": 1.0,
        "partial_gap": 0.2}


def _stored(url: str, ref: str, verify: Any = True) -> dict[str, Any]:
    [order] = [o for o in evidence(url, "orders", verify) if o["increment_id"] == ref]
    return order


def _settle() -> None:
    time.sleep(1.8)       # past both parts and the invoice (a second after the last part)


def test_business_central_shipments_invoices_delete_and_credit_memos(
        serve: Callable[..., Served], tls_files: tuple[Path, Path]) -> None:
    erp = serve("business-central", tls=tls_files, **LIFE)
    cert = str(tls_files[0])
    token = str(_token(erp, tls_files[0])["access_token"])
    with httpx.Client(base_url=erp.url + BC_BASE, verify=cert,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        [company] = api.get("/companies").json()["value"]
        root = f"/companies({company['id']})"
        shipped = api.post(f"{root}/salesOrders", json=bc_order("000000801", ("SKU-1", 4)))
        kept = api.post(f"{root}/salesOrders", json=bc_order("000000802", ("SKU-2", 2)))
        assert api.delete(f"{root}/salesOrders({kept.json()['id']})").status_code == 204
        assert api.delete(f"{root}/salesOrders({kept.json()['id']})").status_code == 404
        _settle()
        ships = api.get(f"{root}/salesShipments", params={
            "$filter": "externalDocumentNumber eq '000000801'",
            "$expand": "salesShipmentLines"}).json()["value"]
        stored = _stored(erp.url, "000000801", cert)
        assert [(s["packageTrackingNumber"], s["shippingAgentCode"],
                 [(ln["lineObjectNumber"], ln["quantity"]) for ln in s["salesShipmentLines"]])
                for s in ships] == [(s["tracking_number"], s["carrier"], [("SKU-1", 2)])
                                    for s in stored["shipments"]]
        assert {s["orderNumber"] for s in ships} == {shipped.json()["number"]}
        [invoice] = api.get(f"{root}/salesInvoices").json()["value"]
        assert invoice["externalDocumentNumber"] == "000000801"
        refused = api.delete(f"{root}/salesOrders({shipped.json()['id']})")
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "Application_DialogException"
        memo = api.post(f"{root}/salesCreditMemos", json={
            "customerNumber": "10000", "externalDocumentNumber": "000000801",
            "salesCreditMemoLines": [{"lineType": "Account", "lineObjectNumber": "6610",
                                      "quantity": 1, "unitPrice": 19.99}]})
        assert memo.status_code == 201 and memo.json()["totalAmountIncludingTax"] == 19.99
        listed = api.get(f"{root}/salesCreditMemos", params={
            "$filter": "externalDocumentNumber eq '000000801'"}).json()["value"]
        assert [m["number"] for m in listed] == [memo.json()["number"]]
    stored = _stored(erp.url, "000000801", cert)
    assert [r["outcome"] for r in stored["cancel_requests"]] == ["refused_shipped"]
    assert [(m["credit_memo_id"], m["amount"]) for m in stored["credit_memos"]] == [
        (memo.json()["number"], 19.99)]
    assert _stored(erp.url, "000000802", cert)["status"] == "cancelled"


def test_netsuite_item_fulfillments_cancel_status_and_credit_memo_upsert(
        serve: Callable[..., Served]) -> None:
    erp = serve("netsuite", **LIFE)
    for ref in ("000000811", "000000812"):
        assert ns_call(erp, "put", f"/record/v1/salesOrder/eid:magento-{ref}",
                       json=ns_order(ref, (1, 4))) is None
    ids = {ref: ns_call(erp, "get", "/record/v1/salesOrder",
                        params={"q": f'otherRefNum IS "{ref}"'})["items"][0]["id"]
           for ref in ("000000811", "000000812")}
    assert ns_call(erp, "patch", f"/record/v1/salesOrder/{ids['000000812']}",
                   json={"orderStatus": "C"}) is None          # 204: cancelled
    _settle()
    listed = ns_call(erp, "get", "/record/v1/itemFulfillment",
                     params={"q": 'lastModifiedDate ON_OR_AFTER "2020-01-01T00:00:00Z"'})
    records = [ns_call(erp, "get", f"/record/v1/itemFulfillment/{row['id']}")
               for row in listed["items"]]
    stored = _stored(erp.url, "000000811")
    assert [(r["createdFrom"]["id"], r["shipMethod"]["refName"],
             r["package"]["items"][0]["packageTrackingNumber"],
             [(ln["item"]["refName"], ln["quantity"]) for ln in r["item"]["items"]])
            for r in records] == [(ids["000000811"], s["carrier"], s["tracking_number"],
                                   [("SKU-1", 2)]) for s in stored["shipments"]]
    order = ns_call(erp, "get", f"/record/v1/salesOrder/{ids['000000811']}")
    assert order["orderStatus"]["id"] == "G"                   # Billed
    with pytest.raises(NetsuiteAPIRequestError) as refused:
        asyncio.run(ns_api().patch(f"/record/v1/salesOrder/{ids['000000811']}",
                                   url=f"{erp.url}/services/rest/record/v1/salesOrder/"
                                       f"{ids['000000811']}", json={"orderStatus": "C"}))
    assert refused.value.status_code == 400
    memo = {"entity": {"id": "1234"}, "otherRefNum": "000000811",
            "item": {"items": [{"item": {"id": "1"}, "quantity": 1, "rate": 5.0}]}}
    for _ in range(2):                 # the same external id again never books twice
        assert ns_call(erp, "put", "/record/v1/creditMemo/eid:cm-811", json=memo) is None
    stored = _stored(erp.url, "000000811")
    assert [r["outcome"] for r in stored["cancel_requests"]] == ["refused_shipped"]
    assert [(m["credit_memo_id"], m["amount"]) for m in stored["credit_memos"]] == [
        ("cm-811", 5.0)]
    assert _stored(erp.url, "000000812")["status"] == "cancelled"


def test_netsuite_stale_lookup_hides_the_reference_lookup_not_the_change_feed(
        serve: Callable[..., Served]) -> None:
    """A stale lookup by ``otherrefnum`` must not also blind the connector's SuiteQL change
    feed: the invoices (status G) it reads by ``lastmodifieddate`` keep arriving."""
    erp = serve("netsuite", **LIFE)
    assert ns_call(erp, "put", "/record/v1/salesOrder/eid:magento-000000815",
                   json=ns_order("000000815", (1, 2))) is None
    set_faults(erp.url, {"id": "stale", "stale_lookup": True})
    _settle()
    api = ns_api()

    def suiteql(where: str) -> list[dict[str, Any]]:
        query = f"SELECT otherrefnum, status FROM transaction WHERE {where}"
        return list(asyncio.run(api.suiteql(query, url=f"{erp.url}/services/rest/query/v1/"
                                                         f"suiteql"))["items"])

    assert suiteql("otherrefnum = '000000815'") == []
    assert [(r["otherrefnum"], r["status"]) for r in suiteql(
        "lastmodifieddate >= '2020-01-01T00:00:00Z'")] == [("000000815", "G")]


def test_odoo_pickings_moves_action_cancel_and_out_refund(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo", **LIFE)
    odoo = odoorpc.ODOO("127.0.0.1", port=erp.port, protocol="jsonrpc")
    odoo.login("peakready", "admin", "peakready")
    orders = odoo.env["sale.order"]
    shipped = orders.create({"client_order_ref": "000000821",
                             "order_line": _order_lines(odoo.env, ("SKU-1", 4))})
    kept = orders.create({"client_order_ref": "000000822",
                          "order_line": _order_lines(odoo.env, ("SKU-2", 2))})
    assert orders.action_cancel([kept]) is True
    _settle()
    pickings = odoo.env["stock.picking"].search_read(
        [["state", "=", "done"], ["picking_type_code", "=", "outgoing"]],
        ["sale_id", "carrier_id", "carrier_tracking_ref", "move_ids"])
    moves = odoo.env["stock.move"].search_read(
        [["picking_id", "in", [p["id"] for p in pickings]]], ["picking_id", "product_id",
                                                               "quantity"])
    stored = _stored(erp.url, "000000821")
    assert [(p["sale_id"][0], p["carrier_id"][1], p["carrier_tracking_ref"],
             [(m["product_id"][1], m["quantity"]) for m in moves
              if m["picking_id"][0] == p["id"]]) for p in pickings] == [
        (shipped, s["carrier"], s["tracking_number"], [("[SKU-1] SKU-1", 2)])
        for s in stored["shipments"]]
    [read] = orders.read([shipped], ["state", "delivery_status", "invoice_status", "name"])
    assert (read["delivery_status"], read["invoice_status"]) == ("full", "invoiced")
    with pytest.raises(odoorpc.error.RPCError, match=r"UserError|delivery is done"):
        orders.action_cancel([shipped])
    refund = odoo.env["account.move"].create({
        "move_type": "out_refund", "invoice_origin": read["name"], "ref": "000000821-9.50",
        "invoice_line_ids": [[0, 0, {"name": "refund", "quantity": 1, "price_unit": 9.5}]]})
    [booked] = odoo.env["account.move"].search_read(
        [["move_type", "=", "out_refund"], ["invoice_origin", "=", read["name"]]],
        ["amount_total", "ref"])
    assert (booked["id"], booked["amount_total"]) == (refund, 9.5)
    stored = _stored(erp.url, "000000821")
    assert [r["outcome"] for r in stored["cancel_requests"]] == ["refused_shipped"]
    assert [(m["credit_memo_id"], m["amount"]) for m in stored["credit_memos"]] == [
        ("000000821-9.50", 9.5)]
    assert orders.read([kept], ["state"])[0]["state"] == "cancel"


def test_sap_b1_delivery_notes_invoices_cancel_and_credit_notes(
        serve: Callable[..., Served]) -> None:
    erp = serve("sap-b1", **LIFE)
    with httpx.Client(base_url=f"{erp.url}/b1s/v1") as b1:
        assert b1.post("/Login", json=LOGIN).status_code == 200
        docs = {ref: b1.post("/Orders", json={
            "CardCode": "C20000", "NumAtCard": ref,
            "DocumentLines": [{"ItemCode": "SKU-1", "Quantity": 4, "UnitPrice": 5.0}]}).json()
            for ref in ("000000831", "000000832")}
        assert b1.post(f"/Orders({docs['000000832']['DocEntry']})/Cancel").status_code == 204
        _settle()
        carriers = {t["Code"]: t["Name"] for t in b1.get("/ShippingTypes").json()["value"]}
        notes = b1.get("/DeliveryNotes", params={
            "$filter": "NumAtCard eq '000000831'"}).json()["value"]
        stored = _stored(erp.url, "000000831")
        assert [(n["TrackingNumber"], carriers[n["TransportationCode"]],
                 [(ln["ItemCode"], ln["Quantity"], ln["BaseType"], ln["BaseEntry"])
                  for ln in n["DocumentLines"]]) for n in notes] == [
            (s["tracking_number"], s["carrier"],
             [("SKU-1", 2, 17, docs["000000831"]["DocEntry"])]) for s in stored["shipments"]]
        [invoice] = b1.get("/Invoices").json()["value"]
        assert invoice["NumAtCard"] == "000000831"
        refused = b1.post(f"/Orders({docs['000000831']['DocEntry']})/Cancel")
        assert refused.status_code == 400 and refused.json()["error"]["code"] == -5002
        note = b1.post("/CreditNotes", json={
            "CardCode": "C20000", "NumAtCard": "000000831", "DocType": "dDocument_Service",
            "DocumentLines": [{"AccountCode": "_SYS00000000036", "LineTotal": 7.5}]})
        assert note.status_code == 201 and note.json()["DocTotal"] == 7.5
        listed = b1.get("/CreditNotes", params={"$filter": "NumAtCard eq '000000831'"})
        assert [n["DocEntry"] for n in listed.json()["value"]] == [note.json()["DocEntry"]]
        cancelled = b1.get(f"/Orders({docs['000000832']['DocEntry']})").json()
        assert (cancelled["Cancelled"], cancelled["DocumentStatus"]) == ("tYES", "bost_Close")
    stored = _stored(erp.url, "000000831")
    assert [r["outcome"] for r in stored["cancel_requests"]] == ["refused_shipped"]
    assert [m["amount"] for m in stored["credit_memos"]] == [7.5]
