"""Dialect ``sap-b1``, after the sale: delivery notes, invoices, cancelling, credit notes.

::

    GET  /b1s/v1/DeliveryNotes          one per shipment the ERP made: NumAtCard (copied from
                                        the order, as B1 does when a delivery is copied from
                                        it), TrackingNumber, TransportationCode, DocumentLines
                                        (ItemCode, Quantity, BaseType 17, BaseEntry = the
                                        order's DocEntry); $filter UpdateDate ge '…', paging
    GET  /b1s/v1/ShippingTypes          TransportationCode → carrier Name
    GET  /b1s/v1/Invoices               one per invoiced order: NumAtCard, DocTotal
    POST /b1s/v1/Orders({DocEntry})/Cancel   204; 400 -5002 once a delivery left
    POST /b1s/v1/CreditNotes            {"CardCode", "NumAtCard", "DocType":
                                        "dDocument_Service", "DocumentLines": [{"AccountCode",
                                        "LineTotal", "ItemDescription"}]} → 201 + the document
    GET  /b1s/v1/CreditNotes            $filter NumAtCard eq '…': the order's credit notes

Every document maps onto the one store: a cancel is the core's cancellation request, a credit
note a credit memo of the order its ``NumAtCard`` names (its id ``CN-<DocEntry>``, its amount
the lines' ``LineTotal``). B1 has no idempotency key: a connector reads the order's credit
notes before booking more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response, parse_time

from ._erp_odata import ODataError, compile_filter

if TYPE_CHECKING:
    from ._erp_dialect_sapb1 import SapB1Dialect

__all__ = ["SHIPPING_TYPES", "lifecycle_routes"]

BASE = "/b1s/v1"
SHIPPING_TYPES = {1: "UPS", 2: "FedEx", 3: "USPS"}
_CODES = {name.lower(): code for code, name in SHIPPING_TYPES.items()}


def lifecycle_routes(d: SapB1Dialect) -> list[Operation]:
    from ._erp_dialect_sapb1 import _day_time, error

    core = d.core
    notes: list[dict[str, Any]] = []        # credit notes, in booking order (DocEntry - 1)

    def terms(request: Request) -> list[tuple[str, str, Any]] | Response:
        try:
            return compile_filter(request.query_params.get("$filter"))
        except ODataError as exc:
            return error(400, -1000, str(exc))

    def delivery(order: dict[str, Any], shipment: dict[str, Any], n: int) -> dict[str, Any]:
        entry = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
        day, time_of_day = _day_time(parse_time(shipment["at"]))
        return {"DocEntry": n, "DocNum": 5000 + n, "DocDate": day, "CardCode": "C20000",
                "NumAtCard": order["increment_id"], "DocumentStatus": "bost_Open",
                "TrackingNumber": shipment["tracking_number"],
                "TransportationCode": _CODES.get(str(shipment["carrier"]).lower(), -1),
                "UpdateDate": day, "UpdateTime": time_of_day,
                "DocumentLines": [{"LineNum": i, "ItemCode": line["sku"],
                                   "Quantity": line["qty"], "BaseType": 17, "BaseEntry": entry}
                                  for i, line in enumerate(shipment["items"])]}

    async def delivery_notes(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        found = terms(request)
        if isinstance(found, Response):
            return found
        docs = [delivery(o, s, n) for n, (o, s) in enumerate(core.shipments(), start=1)]
        return d._collection(request, docs, "DeliveryNotes", found)

    async def shipping_types(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        return d._collection(request, [{"Code": c, "Name": n} for c, n in
                                       SHIPPING_TYPES.items()], "ShippingTypes", [])

    async def invoices(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        found = terms(request)
        if isinstance(found, Response):
            return found
        docs = []
        for order in core.invoiced():
            entry = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
            day, time_of_day = _day_time(parse_time(order["status_history"][-1]["at"]))
            docs.append({"DocEntry": entry, "DocNum": 8000 + entry, "DocDate": day,
                         "CardCode": "C20000", "NumAtCard": order["increment_id"],
                         "DocTotal": order["grand_total"], "UpdateDate": day,
                         "UpdateTime": time_of_day})
        return d._collection(request, docs, "Invoices", found)

    async def cancel(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        order = core.by_number(request.path_params["doc_entry"])
        if order is None:
            return error(404, -2028, "No matching records found (ODBC -2028)")
        if core.cancel(request, order) == "refused_shipped":
            return error(400, -5002, "Cannot cancel document; a delivery has been "
                                     "copied from it")
        return Response(status_code=204)

    def credit_note(memo: dict[str, Any], ref: str, entry: int) -> dict[str, Any]:
        day, time_of_day = _day_time(parse_time(memo["at"]))
        return {"DocEntry": entry, "DocNum": 9000 + entry, "DocType": "dDocument_Service",
                "DocDate": day, "CardCode": "C20000", "NumAtCard": ref,
                "DocTotal": memo["amount"], "UpdateDate": day, "UpdateTime": time_of_day,
                "DocumentLines": [{"LineNum": 0, "AccountCode": "_SYS00000000036",
                                   "LineTotal": memo["amount"]}]}

    async def create_credit_note(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error(400, -1000, f"Invalid JSON: {exc}")
        if not isinstance(data, dict) or not data.get("CardCode"):
            return error(400, -5002, "Enter a business partner code (CardCode)")
        lines = data.get("DocumentLines")
        if not isinstance(lines, list) or not lines or not all(
                isinstance(line, dict) and isinstance(line.get("LineTotal"), int | float)
                for line in lines):
            return error(400, -5002, "Document has no lines with a LineTotal (DocumentLines)")
        ref = str(data.get("NumAtCard") or "")
        ids = core.orders.by_increment.get(ref)
        if not ids:
            return error(404, -2028, "No matching records found (ODBC -2028)")
        order = core.orders.orders[ids[0]]
        entry = len(notes) + 1
        _, memo = core.credit(order, f"CN-{entry}", sum(float(x["LineTotal"]) for x in lines))
        notes.append({"ref": ref, "memo": memo})
        body = credit_note(memo, ref, entry)
        body["odata.metadata"] = f"{core.base_url(request)}{BASE}/$metadata#CreditNotes/@Element"
        return json_response(body, 201)

    async def list_credit_notes(request: Request) -> Response:
        denied = d._session(request)
        if denied:
            return denied
        found = terms(request)
        if isinstance(found, Response):
            return found
        docs = [credit_note(n["memo"], n["ref"], i) for i, n in enumerate(notes, start=1)]
        return d._collection(request, docs, "CreditNotes", found)

    tags = ("sap-b1",)
    return [
        Operation("GET", f"{BASE}/DeliveryNotes", delivery_notes,
                  "Deliveries (one per shipment), with tracking and lines", tags=tags),
        Operation("GET", f"{BASE}/ShippingTypes", shipping_types, "Carriers", tags=tags),
        Operation("GET", f"{BASE}/Invoices", invoices, "A/R invoices", tags=tags),
        Operation("POST", f"{BASE}/Orders({{doc_entry}})/Cancel", cancel,
                  "Cancel a sales order that has no delivery", tags=tags),
        Operation("POST", f"{BASE}/CreditNotes", create_credit_note,
                  "Book an A/R credit note (a Magento credit memo)", tags=tags),
        Operation("GET", f"{BASE}/CreditNotes", list_credit_notes, "A/R credit notes",
                  tags=tags),
    ]
