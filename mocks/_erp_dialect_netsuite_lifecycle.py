"""Dialect ``netsuite``, after the sale: item fulfillments, cancelling, credit memos.

::

    GET   /services/rest/record/v1/itemFulfillment?q=lastModifiedDate ON_OR_AFTER "<ISO>"
                                   one record per shipment the ERP made (ids; paging)
    GET   /services/rest/record/v1/itemFulfillment/{id}
                                   createdFrom (the sales order: id, refName), shipStatus C
                                   (Shipped), shipMethod (refName: the carrier), item.items
                                   (item id and refName = itemId, quantity), package.items
                                   (packageTrackingNumber), lastModifiedDate
    PATCH /services/rest/record/v1/salesOrder/{id}   {"orderStatus": "C"} (or {"id": "C"}):
                                   cancel → 204; 400 USER_ERROR once fulfilled
    PUT   /services/rest/record/v1/creditMemo/eid:{externalId}
                                   {"entity", "otherRefNum": the order's, "item": {"items":
                                   [{"amount"} | {"quantity", "rate"}]}} → 204 + Location;
                                   the same external id again never books twice

A fulfillment's and a credit memo's fields map onto the one store: the cancel is the core's
cancellation request, the credit memo a memo of the order its ``otherRefNum`` names, with the
external id as its id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response, parse_time

from ._erp_stock import iso

if TYPE_CHECKING:
    from ._erp_dialect_netsuite import NetSuiteDialect

__all__ = ["lifecycle_routes"]


def lifecycle_routes(d: NetSuiteDialect) -> list[Operation]:
    from ._erp_dialect_netsuite import _Q, RECORD, error

    core = d.core

    def fulfillment_id(order: dict[str, Any], ship: dict[str, Any]) -> int:
        return d._number(order) * 10 + int(str(ship["shipment_id"]).rsplit("-", 1)[1])

    def find_fulfillment(text: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        if not text.isdigit():
            return None
        order = core.by_number(int(text) // 10)
        part = int(text) % 10
        ships = (order or {}).get("shipments") or []
        return (order, ships[part - 1]) if order and 0 < part <= len(ships) else None

    async def list_fulfillments(request: Request) -> Response:
        denied = d._authorized(request)
        if denied:
            return denied
        since = 0.0
        q = request.query_params.get("q")
        if q:
            match = _Q.match(q)
            if match is None or match.group(1).lower() != "lastmodifieddate":
                return error(400, "INVALID_PARAMETER", f"Invalid query: {q}. Use "
                             f"lastModifiedDate ON_OR_AFTER \"<ISO time>\".")
            since = parse_time(match.group(3))
        base = core.base_url(request)
        rows = [{"links": [{"rel": "self", "href": f"{base}{RECORD}/itemFulfillment/"
                                                    f"{fulfillment_id(o, s)}"}],
                 "id": str(fulfillment_id(o, s))} for o, s in core.shipments(since)]
        return d._collection(request, rows, f"{RECORD}/itemFulfillment")

    async def get_fulfillment(request: Request) -> Response:
        denied = d._authorized(request)
        if denied:
            return denied
        core.advance()
        found = find_fulfillment(request.path_params["fulfillment_id"])
        if found is None:
            return error(404, "NONEXISTENT_ID", "The record instance does not exist. Provide "
                                                "a valid record instance ID.")
        order, ship = found
        n, fid = d._number(order), fulfillment_id(order, ship)
        base = core.base_url(request)
        return json_response({
            "links": [{"rel": "self", "href": f"{base}{RECORD}/itemFulfillment/{fid}"}],
            "id": str(fid), "tranId": f"IF{10000 + fid}", "tranDate": str(ship["at"])[:10],
            "createdFrom": {"id": str(n), "refName": f"Sales Order #SO{10000 + n}"},
            "shipStatus": {"id": "C", "refName": "Shipped"},
            "shipMethod": {"id": str(1 + ("UPS", "FedEx", "USPS").index(ship["carrier"]))
                           if ship["carrier"] in ("UPS", "FedEx", "USPS") else "0",
                           "refName": ship["carrier"]},
            "lastModifiedDate": iso(parse_time(ship["at"])),
            "item": {"items": [{"line": i + 1, "item": {
                "id": str(core.product_ids.get(line["sku"], 0)), "refName": line["sku"]},
                "quantity": line["qty"], "itemReceive": True}
                for i, line in enumerate(ship["items"])]},
            "package": {"items": [{"packageTrackingNumber": ship["tracking_number"],
                                   "packageWeight": 1.0}]}})

    async def patch_order(request: Request) -> Response:
        denied = d._authorized(request)
        if denied:
            return denied
        order = d._find(request.path_params["order_id"])
        if order is None:
            return error(404, "NONEXISTENT_ID", "The record instance does not exist. Provide "
                                                "a valid record instance ID.")
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            data = None
        status = data.get("orderStatus") if isinstance(data, dict) else None
        status = status.get("id") if isinstance(status, dict) else status
        if status != "C":
            return error(400, "INVALID_CONTENT", "This ERP changes a sales order's "
                         "orderStatus to C (Cancelled) only.")
        if core.cancel(request, order) == "refused_shipped":
            return error(400, "USER_ERROR", "You cannot cancel a sales order that has been "
                         "partially or fully fulfilled.")
        return Response(status_code=204, headers={
            "Location": f"{core.base_url(request)}{RECORD}/salesOrder/{d._number(order)}"})

    async def upsert_memo(request: Request) -> Response:
        denied = d._authorized(request)
        if denied:
            return denied
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error(400, "INVALID_CONTENT", f"Invalid JSON: {exc}")
        lines = ((data.get("item") or {}).get("items") if isinstance(data, dict) else None)
        if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
            return error(400, "INVALID_CONTENT", "A credit memo needs item.items.")
        try:
            amount = sum(float(x["amount"]) if "amount" in x else
                         float(x.get("quantity", 1)) * float(x["rate"]) for x in lines)
        except (KeyError, TypeError, ValueError):
            return error(400, "INVALID_CONTENT", "Each item line needs amount or rate.")
        ref = str(data.get("otherRefNum") or "")
        ids = core.orders.by_increment.get(ref)
        if not ids:
            return error(400, "USER_ERROR", f"No sales order has otherRefNum {ref!r}.")
        external = request.path_params["external_id"]
        order = core.orders.orders[ids[0]]
        core.credit(order, external, amount)
        number = next(i for i, m in enumerate(order["credit_memos"], start=1)
                      if m["credit_memo_id"] == external)
        return Response(status_code=204, headers={
            "Location": f"{core.base_url(request)}{RECORD}/creditMemo/"
                        f"{d._number(order) * 100 + number}"})

    tags = ("netsuite",)
    return [
        Operation("GET", f"{RECORD}/itemFulfillment", list_fulfillments,
                  "Item fulfillments (q=lastModifiedDate ON_OR_AFTER)", tags=tags),
        Operation("GET", f"{RECORD}/itemFulfillment/{{fulfillment_id}}", get_fulfillment,
                  "One item fulfillment: lines, carrier, tracking", tags=tags),
        Operation("PATCH", f"{RECORD}/salesOrder/{{order_id}}", patch_order,
                  "Cancel a sales order (orderStatus C)", tags=tags),
        Operation("PUT", f"{RECORD}/creditMemo/eid:{{external_id}}", upsert_memo,
                  "Upsert a credit memo by external id", tags=tags),
    ]
