"""Dialect ``odoo`` driven by odoorpc, odoo-client-lib and the stdlib's XML-RPC client, through
their public APIs, asserting what Odoo documents (spec erp-crm-dialects.md §3)."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable

import httpx
import odoolib
import odoorpc
import pytest
from tests.integration.dialects.conftest import evidence, set_faults
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
DB, LOGIN, KEY = "peakready", "admin", "peakready"


def _order_lines(env: odoorpc.env.Environment, *skus_qty: tuple[str, int]) -> list[list[object]]:
    products = env["product.product"].search_read([["default_code", "in",
                                                    [s for s, _ in skus_qty]]],
                                                  ["id", "default_code", "qty_available"])
    ids = {p["default_code"]: p["id"] for p in products}
    return [[0, 0, {"product_id": ids[sku], "product_uom_qty": qty, "price_unit": 9.5}]
            for sku, qty in skus_qty]


def test_odoorpc_logs_in_creates_an_order_and_reads_it_back(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    odoo = odoorpc.ODOO("127.0.0.1", port=erp.port, protocol="jsonrpc")
    odoo.login(DB, LOGIN, KEY)
    assert odoo.version == "17.0"
    orders = odoo.env["sale.order"]
    assert orders.search_count([["client_order_ref", "=", "000000101"]]) == 0
    order_id = orders.create({"client_order_ref": "000000101",
                              "order_line": _order_lines(odoo.env, ("SKU-1", 2),
                                                         ("SKU-2", 1))})
    assert isinstance(order_id, int)
    assert orders.action_confirm([order_id]) is True
    [read] = orders.read([order_id], ["client_order_ref", "state", "amount_total"])
    assert read["client_order_ref"] == "000000101"
    assert read["state"] == "sale"
    assert read["amount_total"] == pytest.approx(28.5)
    record = orders.browse(order_id)
    assert record.client_order_ref == "000000101"
    quants = odoo.env["stock.quant"].search_read([["location_id.usage", "=", "internal"]],
                                                 ["product_id", "quantity"])
    on_hand = {q["product_id"][1]: q["quantity"] for q in quants}
    assert on_hand["[SKU-1] SKU-1"] == 10   # an open order does not take on-hand
    # The canonical evidence: one order, keyed by the increment id; one attempt (the reads
    # on the same endpoint are no order attempts).
    [stored] = evidence(erp.url, "orders")
    assert stored["increment_id"] == "000000101"
    assert [(i["sku"], i["qty"]) for i in stored["items"]] == [("SKU-1", 2), ("SKU-2", 1)]
    attempts = evidence(erp.url, "requests")
    assert [(a["increment_id"], a["status"], a["outcome"]) for a in attempts] == [
        ("000000101", 200, "created")]


def test_odoorpc_wrong_key_is_refused_as_odoo_refuses_it(serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    odoo = odoorpc.ODOO("127.0.0.1", port=erp.port)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        odoo.login(DB, LOGIN, "wrong")


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
def test_odoo_client_lib_search_read_pages_by_offset_and_limit(
        serve: Callable[..., Served], protocol: str) -> None:
    erp = serve("odoo")
    connection = odoolib.get_connection(hostname="127.0.0.1", port=erp.port,
                                        protocol=protocol, database=DB, login=LOGIN,
                                        password=KEY)
    products = connection.get_model("product.product")
    first = products.search_read([], ["default_code"], offset=0, limit=2, order="id asc")
    rest = products.search_read([], ["default_code"], offset=2, limit=2, order="id asc")
    assert [p["default_code"] for p in first + rest] == ["SKU-1", "SKU-2", "SKU-3"]
    orders = connection.get_model("sale.order")
    new_id = orders.create({"client_order_ref": f"000000{protocol[:1]}02",
                            "order_line": [[0, 0, {"product_id": 2, "product_uom_qty": 1}]]})
    assert orders.search([["client_order_ref", "=", f"000000{protocol[:1]}02"]]) == [new_id]


def test_xmlrpc_authenticate_faults_and_false_for_bad_credentials(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    common = xmlrpc.client.ServerProxy(f"{erp.url}/xmlrpc/2/common")
    assert common.version()["server_version"] == "17.0"
    assert common.authenticate(DB, LOGIN, KEY, {}) == 2
    assert common.authenticate(DB, LOGIN, "nope", {}) is False     # not a fault
    models = xmlrpc.client.ServerProxy(f"{erp.url}/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as denied:
        models.execute_kw(DB, 2, "nope", "sale.order", "search", [[]])
    assert denied.value.faultCode == 3                               # AccessDenied
    with pytest.raises(xmlrpc.client.Fault) as missing:
        models.execute_kw(DB, 2, KEY, "sale.order", "create",
                          [{"client_order_ref": "000000103",
                            "order_line": [[0, 0, {"product_id": 999}]]}])
    assert missing.value.faultCode == 2
    order_id = models.execute_kw(DB, 2, KEY, "sale.order", "create",
                                 [{"client_order_ref": "000000103",
                                   "order_line": [[0, 0, {"product_id": 1,
                                                          "product_uom_qty": 3}]]}])
    assert models.execute_kw(DB, 2, KEY, "sale.order", "search_count",
                             [[["client_order_ref", "=", "000000103"]]]) == 1
    assert isinstance(order_id, int)


def test_a_refused_order_is_an_error_inside_a_200_and_canonical_evidence_says_refused(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    reply = httpx.post(f"{erp.url}/jsonrpc", json={
        "jsonrpc": "2.0", "method": "call", "id": 7, "params": {
            "service": "object", "method": "execute_kw", "args": [
                DB, 2, KEY, "sale.order", "create",
                [{"client_order_ref": "bad ref with spaces",
                  "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 1}]]}], {}]}})
    assert reply.status_code == 200
    body = reply.json()
    assert body["id"] == 7 and "result" not in body
    assert body["error"]["code"] == 200
    assert body["error"]["data"]["name"] == "odoo.exceptions.ValidationError"
    [attempt] = evidence(erp.url, "requests")
    assert (attempt["status"], attempt["wire_status"], attempt["outcome"]) == (
        422, 200, "rejected")
    assert evidence(erp.url, "orders") == []


def test_error_in_200_fault_fails_the_create_inside_a_200(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    set_faults(erp.url, {"id": "odoo-busy", "path": "/jsonrpc", "error_in_200": True,
                         "max_hits": 1})
    odoo_call = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw", "args": [
            DB, 2, KEY, "sale.order", "create",
            [{"client_order_ref": "000000104",
              "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 1}]]}], {}]}}
    failed = httpx.post(f"{erp.url}/jsonrpc", json=odoo_call)
    assert failed.status_code == 200
    assert failed.json()["error"]["data"]["name"] == "psycopg2.errors.SerializationFailure"
    assert evidence(erp.url, "orders") == []
    retried = httpx.post(f"{erp.url}/jsonrpc", json=odoo_call)
    assert isinstance(retried.json()["result"], int)
    attempts = evidence(erp.url, "requests")
    assert [(a["status"], a.get("outcome"), a["faults"]) for a in attempts] == [
        (500, "error_in_200", ["odoo-busy"]), (200, "created", [])]


def test_stale_lookup_fault_hides_existing_orders_from_search_count(
        serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    models = xmlrpc.client.ServerProxy(f"{erp.url}/xmlrpc/2/object")
    models.execute_kw(DB, 2, KEY, "sale.order", "create",
                      [{"client_order_ref": "000000105",
                        "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 1}]]}])
    domain = [[["client_order_ref", "=", "000000105"]]]
    assert models.execute_kw(DB, 2, KEY, "sale.order", "search_count", domain) == 1
    set_faults(erp.url, {"id": "replica-lag", "stale_lookup": True})
    assert models.execute_kw(DB, 2, KEY, "sale.order", "search_count", domain) == 0


def test_error_in_200_on_a_read_is_no_order_attempt(serve: Callable[..., Served]) -> None:
    erp = serve("odoo")
    set_faults(erp.url, {"id": "odoo-busy", "path": "/jsonrpc", "error_in_200": True})
    failed = httpx.post(f"{erp.url}/jsonrpc", json={
        "jsonrpc": "2.0", "method": "call", "id": 2, "params": {
            "service": "object", "method": "execute_kw", "args": [
                DB, 2, KEY, "sale.order", "search_count", [[]], {}]}})
    assert failed.json()["error"]["data"]["name"] == "psycopg2.errors.SerializationFailure"
    assert evidence(erp.url, "requests") == []
