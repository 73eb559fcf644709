"""Dialect ``business-central``, after the sale: shipments, invoices, cancelling, credit memos.

::

    GET    {company}/salesShipments          one per shipment the ERP made: number,
                                             orderNumber, externalDocumentNumber (the
                                             order's: the Magento increment id), shipmentDate,
                                             shippingAgentCode, packageTrackingNumber,
                                             lastModifiedDateTime; ?$expand=salesShipmentLines
                                             (lineObjectNumber, quantity); $filter
    GET    {company}/salesInvoices           one per invoiced order: number, orderNumber,
                                             externalDocumentNumber, status Open,
                                             totalAmountIncludingTax; $filter
    DELETE {company}/salesOrders({id})       cancel (BC deletes an unshipped order): 204; 400
                                             Application_DialogException once shipped
    POST   {company}/salesCreditMemos        {"customerNumber", "externalDocumentNumber",
                                             "salesCreditMemoLines": [{"lineType": "Account",
                                             "lineObjectNumber", "quantity", "unitPrice"}]}
                                             → 201 + the memo
    GET    {company}/salesCreditMemos        $filter externalDocumentNumber eq '…'

The shipment's carrier and tracking number are the Sales Shipment Header's ``Shipping Agent
Code`` and ``Package Tracking No.``; the standard v2.0 ``salesShipment`` page does not list
them, so a connector reads them through an API page extension: this mock serves them on the
shipment as ``shippingAgentCode`` and ``packageTrackingNumber``. A credit memo names its order
by ``externalDocumentNumber`` (the Magento increment id); its id in the store is its
``number``, its amount the lines' ``quantity * unitPrice``. BC has no idempotency key: a
connector reads the order's memos before booking more.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response, parse_time

from ._erp_stock import iso

if TYPE_CHECKING:
    from ._erp_dialect_bc import BusinessCentralDialect

__all__ = ["lifecycle_routes"]

_NS = uuid.UUID("7c1e4b9a-2d3f-4e5a-8b6c-9d0e1f2a3b4c")


def lifecycle_routes(d: BusinessCentralDialect) -> list[Operation]:
    from ._erp_dialect_bc import COMPANY, COMPANY_ID, error

    core = d.core
    memos: list[dict[str, Any]] = []

    def shipment(order: dict[str, Any], ship: dict[str, Any], expand: bool) -> dict[str, Any]:
        n = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
        doc = str(uuid.uuid5(_NS, ship["shipment_id"]))
        record: dict[str, Any] = {
            "id": doc, "number": f"S-SHPT{ship['shipment_id'][3:]}",
            "externalDocumentNumber": order["increment_id"], "orderNumber": f"S-ORD{100000 + n}",
            "customerNumber": "10000", "shipmentDate": str(ship["at"])[:10],
            "shippingAgentCode": ship["carrier"], "packageTrackingNumber":
                ship["tracking_number"], "lastModifiedDateTime": iso(parse_time(ship["at"]))}
        if expand:
            record["salesShipmentLines"] = [
                {"id": str(uuid.uuid5(_NS, f"{doc}:{i}")), "documentId": doc,
                 "sequence": 10000 * (i + 1), "lineType": "Item",
                 "lineObjectNumber": line["sku"], "quantity": line["qty"]}
                for i, line in enumerate(ship["items"])]
        return record

    async def shipments(request: Request) -> Response:
        if not d._authorized(request):
            return d._unauthorized()
        expand = "salesShipmentLines" in (request.query_params.get("$expand") or "")
        return d._collection(request, [shipment(o, s, expand) for o, s in core.shipments()],
                             f"companies({COMPANY_ID})/salesShipments")

    async def invoices(request: Request) -> Response:
        if not d._authorized(request):
            return d._unauthorized()
        records = []
        for order in core.invoiced():
            n = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
            at = parse_time(order["status_history"][-1]["at"])
            records.append({"id": str(uuid.uuid5(_NS, order["invoice_id"])),
                            "number": f"PS-INV{100000 + n}", "orderNumber": f"S-ORD{100000 + n}",
                            "externalDocumentNumber": order["increment_id"],
                            "invoiceDate": iso(at)[:10], "customerNumber": "10000",
                            "status": "Open", "totalAmountIncludingTax": order["grand_total"],
                            "lastModifiedDateTime": iso(at)})
        return d._collection(request, records, f"companies({COMPANY_ID})/salesInvoices")

    async def delete_order(request: Request) -> Response:
        if not d._authorized(request):
            return d._unauthorized()
        order = d._order_by_guid(request.path_params["order_id"])
        if order is None or order["status"] == "cancelled":
            return error(404, "BadRequest_ResourceNotFound",
                         "The resource salesOrders does not exist.")
        if core.cancel(request, order) == "refused_shipped":
            return error(400, "Application_DialogException",
                         "You cannot delete the order because it has been partially shipped.")
        return Response(status_code=204)

    def memo_record(entry: dict[str, Any], n: int) -> dict[str, Any]:
        memo = entry["memo"]
        return {"id": str(uuid.uuid5(_NS, memo["credit_memo_id"])),
                "number": memo["credit_memo_id"], "externalDocumentNumber": entry["ref"],
                "creditMemoDate": str(memo["at"])[:10], "customerNumber": "10000",
                "status": "Draft", "totalAmountIncludingTax": memo["amount"],
                "lastModifiedDateTime": memo["at"]}

    async def create_memo(request: Request) -> Response:
        if not d._authorized(request):
            return d._unauthorized()
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error(400, "BadRequest", f"Invalid JSON: {exc}")
        if not isinstance(data, dict):
            return error(400, "BadRequest", "The request body must be an object.")
        if not data.get("customerNumber") and not data.get("customerId"):
            return error(400, "Application_DialogException",
                         "A customerNumber or a customerID must be provided.")
        lines = data.get("salesCreditMemoLines")
        if not isinstance(lines, list) or not lines or not all(
                isinstance(x, dict) and isinstance(x.get("unitPrice"), int | float)
                for x in lines):
            return error(400, "BadRequest_MethodNotAllowed",
                         "This ERP takes salesCreditMemoLines deep-inserted with the memo.")
        ref = str(data.get("externalDocumentNumber") or "")
        ids = core.orders.by_increment.get(ref)
        if not ids:
            return error(400, "Application_DialogException",
                         f"No sales order has External Document No. '{ref}'.")
        amount = sum(float(x.get("quantity", 1) or 0) * float(x["unitPrice"]) for x in lines)
        _, memo = core.credit(core.orders.orders[ids[0]], f"S-CR{100001 + len(memos)}",
                              amount)
        memos.append({"ref": ref, "memo": memo})
        return json_response(memo_record(memos[-1], len(memos)), 201)

    async def list_memos(request: Request) -> Response:
        if not d._authorized(request):
            return d._unauthorized()
        return d._collection(request, [memo_record(m, i) for i, m in enumerate(memos)],
                             f"companies({COMPANY_ID})/salesCreditMemos")

    tags = ("business-central",)
    return [
        Operation("GET", f"{COMPANY}/salesShipments", shipments,
                  "Posted sales shipments ($expand=salesShipmentLines)", tags=tags),
        Operation("GET", f"{COMPANY}/salesInvoices", invoices, "Sales invoices", tags=tags),
        Operation("DELETE", f"{COMPANY}/salesOrders({{order_id}})", delete_order,
                  "Delete (cancel) a sales order that has not shipped", tags=tags),
        Operation("POST", f"{COMPANY}/salesCreditMemos", create_memo,
                  "Create a sales credit memo with its lines", tags=tags),
        Operation("GET", f"{COMPANY}/salesCreditMemos", list_memos, "Sales credit memos",
                  tags=tags),
    ]
