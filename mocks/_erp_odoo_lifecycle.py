"""Odoo's models after the sale: deliveries, their moves, refunds, and cancelling an order.

* ``stock.picking``: one done delivery (``WH/OUT/…``) per shipment the ERP made, with
  ``origin`` and ``sale_id`` (the sale order), ``carrier_id`` ([id, carrier name]),
  ``carrier_tracking_ref``, ``date_done`` and ``move_ids``;
* ``stock.move``: the delivery's lines (``picking_id``, ``product_id`` [id, "[SKU] name"],
  ``product_uom_qty``, ``quantity``, ``state`` ``done``);
* ``account.move``: the refunds a connector created (``move_type`` ``out_refund``,
  ``invoice_origin`` the sale order's name, ``ref``, ``amount_total`` from
  ``invoice_line_ids`` ``[0, 0, {"quantity", "price_unit"}]``);
* ``sale.order`` ``action_cancel(ids)``: the core's cancellation request per order; a
  ``UserError`` once a delivery is done.

A refund is a credit memo of the order its ``invoice_origin`` names (its ``ref``, else
``RINV/<id>``, is the memo id).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ._erp_core import ErpCore
from ._erp_odoo_models import OdooError, odoo_time

__all__ = ["LIFECYCLE_FIELDS", "Lifecycle"]

_CARRIERS = {"UPS": 1, "FedEx": 2, "USPS": 3}


def _f(kind: str, label: str, relation: str | None = None) -> dict[str, Any]:
    field = {"type": kind, "string": label}
    return {**field, "relation": relation} if relation else field


LIFECYCLE_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "stock.picking": {
        "id": _f("integer", "ID"), "name": _f("char", "Reference"),
        "origin": _f("char", "Source Document"),
        "sale_id": _f("many2one", "Sales Order", "sale.order"),
        "state": _f("selection", "Status"), "picking_type_code": _f("selection", "Type"),
        "carrier_id": _f("many2one", "Carrier", "delivery.carrier"),
        "carrier_tracking_ref": _f("char", "Tracking Reference"),
        "date_done": _f("datetime", "Date of Transfer"),
        "move_ids": _f("one2many", "Stock Moves", "stock.move"),
        "write_date": _f("datetime", "Last Updated on")},
    "stock.move": {
        "id": _f("integer", "ID"), "picking_id": _f("many2one", "Transfer", "stock.picking"),
        "product_id": _f("many2one", "Product", "product.product"),
        "product_uom_qty": _f("float", "Demand"), "quantity": _f("float", "Quantity"),
        "state": _f("selection", "Status")},
    "account.move": {
        "id": _f("integer", "ID"), "name": _f("char", "Number"),
        "move_type": _f("selection", "Type"), "ref": _f("char", "Reference"),
        "invoice_origin": _f("char", "Origin"), "amount_total": _f("monetary", "Total"),
        "state": _f("selection", "Status"), "create_date": _f("datetime", "Created on")},
}


class Lifecycle:
    def __init__(self, core: ErpCore) -> None:
        self.core = core
        self.refunds: list[dict[str, Any]] = []

    def clear(self) -> None:
        self.refunds.clear()

    def builders(self) -> dict[str, Any]:
        return {"stock.picking": self.pickings, "stock.move": self.moves,
                "account.move": lambda: list(self.refunds)}

    def _shipments(self) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        out = []
        for order, ship in self.core.shipments():
            n = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
            out.append((n * 10 + int(str(ship["shipment_id"]).rsplit("-", 1)[1]), order, ship))
        return out

    def pickings(self) -> list[dict[str, Any]]:
        records = []
        for pid, _, ship in self._shipments():
            n = pid // 10
            done = odoo_time(_ts(ship["at"]))
            records.append({
                "id": pid, "name": f"WH/OUT/{pid:05d}", "origin": f"S{n:05d}",
                "sale_id": [n, f"S{n:05d}"], "state": "done", "picking_type_code": "outgoing",
                "carrier_id": [_CARRIERS.get(ship["carrier"], 9), ship["carrier"]],
                "carrier_tracking_ref": ship["tracking_number"], "date_done": done,
                "write_date": done,
                "move_ids": [pid * 100 + i for i in range(len(ship["items"]))]})
        return records

    def moves(self) -> list[dict[str, Any]]:
        records = []
        for pid, _, ship in self._shipments():
            for i, line in enumerate(ship["items"]):
                product = self.core.product_ids.get(line["sku"], 0)
                records.append({"id": pid * 100 + i, "picking_id": [pid, f"WH/OUT/{pid:05d}"],
                                "product_id": [product, f"[{line['sku']}] {line['sku']}"],
                                "product_uom_qty": line["qty"], "quantity": line["qty"],
                                "state": "done"})
        return records

    def cancel(self, request: Request, ids: Any) -> bool:
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        for number in ids:
            order = self.core.by_number(number) if isinstance(number, int) else None
            if order is None:
                raise OdooError("odoo.exceptions.MissingError", "Record does not exist or has "
                                f"been deleted.\n(Record: sale.order({number!r},))", 2)
            if self.core.cancel(request, order) == "refused_shipped":
                raise OdooError("odoo.exceptions.UserError", "You cannot cancel a sales order "
                                "whose delivery is done.", 2)
        return True

    def create_refund(self, vals: dict[str, Any]) -> int:
        if vals.get("move_type") != "out_refund":
            raise OdooError("odoo.exceptions.AccessError",
                            "This ERP creates customer refunds (out_refund) only.", 4)
        origin = str(vals.get("invoice_origin") or "")
        order = self.core.by_number(origin[1:]) if origin.startswith("S") else None
        if order is None:
            raise OdooError("odoo.exceptions.ValidationError",
                            f"invoice_origin {origin!r} is no sale order.", 2)
        amount = 0.0
        for command in vals.get("invoice_line_ids") or []:
            if not (isinstance(command, list | tuple) and len(command) == 3
                    and command[0] == 0 and isinstance(command[2], dict)):
                raise OdooError("odoo.exceptions.ValidationError",
                                "invoice_line_ids: only [0, 0, {values}] create commands", 2)
            line = command[2]
            amount += float(line.get("quantity", 1)) * float(line.get("price_unit", 0.0))
        rid = len(self.refunds) + 1
        memo_id = str(vals.get("ref") or f"RINV/{rid:05d}")
        _, memo = self.core.credit(order, memo_id, round(amount, 2))
        self.refunds.append({"id": rid, "name": f"RINV/{rid:05d}", "move_type": "out_refund",
                             "ref": memo_id, "invoice_origin": origin,
                             "amount_total": memo["amount"], "state": "draft",
                             "create_date": odoo_time(_ts(memo["at"]))})
        return rid


def _ts(at: str) -> float:
    from peakready.mockkit import parse_time

    return float(parse_time(at))
