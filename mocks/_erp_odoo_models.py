"""Odoo's models as the ERP store shows them: records, domains and the ORM methods a
connector calls (``search``, ``search_count``, ``search_read``, ``read``, ``fields_get``).

Records are built from the one store on each call: ``product.product`` (``default_code`` is
the catalog SKU, ``qty_available`` the on-hand), ``stock.quant`` (one per product in
``WH/Stock``), ``sale.order`` (``client_order_ref`` carries the Magento increment id; the id
is the ERP order's number), ``res.partner`` (the partners a connector created).
Domains: ``[field, op, value]`` terms with prefix ``&``, ``|``, ``!`` (implicit ``&``);
operators ``= != > >= < <= in not in like ilike =like =ilike``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from ._erp_core import ErpCore, modified_ts

__all__ = ["FIELDS", "OdooError", "Records", "matches", "odoo_time"]

WAREHOUSE = [8, "WH/Stock"]
_STATE = {"received": "draft", "picked": "sale", "partially_shipped": "sale", "shipped": "sale",
          "invoiced": "sale", "cancelled": "cancel"}


class OdooError(Exception):
    """An Odoo exception: ``name`` (e.g. ``odoo.exceptions.ValidationError``) and the XML-RPC
    fault code it maps to (1 other, 2 UserError/ValidationError, 3 AccessDenied, 4
    AccessError)."""

    def __init__(self, name: str, message: str, fault_code: int = 1) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.fault_code = fault_code


def odoo_time(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _like(pattern: str, value: str, *, anchored: bool, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    glob = pattern.replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(value, glob if anchored else f"*{glob}*")


def _term(record: dict[str, Any], field: str, op: str, value: Any) -> bool:
    got = record.get(field)
    if isinstance(got, list) and len(got) == 2 and isinstance(got[0], int):
        got = got[0]          # a many2one compares by id
    if op == "=":
        return bool(got == value)
    if op == "!=":
        return bool(got != value)
    if op in ("in", "not in"):
        inside = got in (value or [])
        return inside if op == "in" else not inside
    if op in ("like", "ilike", "=like", "=ilike"):
        return isinstance(got, str) and _like(str(value), got, anchored=op.startswith("="),
                                              fold="ilike" in op)
    if got is None or got is False:
        return False
    compare: dict[str, Callable[[Any, Any], bool]] = {
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}
    if op not in compare:
        raise OdooError("builtins.ValueError", f"Invalid operator {op!r} in domain term")
    try:
        return compare[op](got, value)
    except TypeError:
        return False


def matches(domain: list[Any], record: dict[str, Any]) -> bool:
    """Evaluate a domain in Polish notation (terms ANDed unless an operator says otherwise)."""
    stack: list[bool] = []
    for item in reversed(domain or []):
        if item == "!":
            stack.append(not stack.pop())
        elif item in ("&", "|"):
            a, b = stack.pop(), stack.pop()
            stack.append(a and b if item == "&" else a or b)
        elif isinstance(item, list | tuple) and len(item) == 3:
            stack.append(_term(record, str(item[0]), str(item[1]), item[2]))
        elif item is True or item is False:
            stack.append(bool(item))
        else:
            raise OdooError("builtins.ValueError", f"Invalid domain term {item!r}")
    return all(stack)


FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "product.product": {
        "id": {"type": "integer", "string": "ID"},
        "name": {"type": "char", "string": "Name"},
        "display_name": {"type": "char", "string": "Display Name"},
        "default_code": {"type": "char", "string": "Internal Reference"},
        "qty_available": {"type": "float", "string": "Quantity On Hand"},
        "virtual_available": {"type": "float", "string": "Forecasted Quantity"},
        "free_qty": {"type": "float", "string": "Free To Use Quantity"},
    },
    "stock.quant": {
        "id": {"type": "integer", "string": "ID"},
        "product_id": {"type": "many2one", "string": "Product", "relation": "product.product"},
        "location_id": {"type": "many2one", "string": "Location", "relation": "stock.location"},
        "quantity": {"type": "float", "string": "Quantity"},
        "reserved_quantity": {"type": "float", "string": "Reserved Quantity"},
    },
    "sale.order": {
        "id": {"type": "integer", "string": "ID"},
        "name": {"type": "char", "string": "Order Reference"},
        "client_order_ref": {"type": "char", "string": "Customer Reference"},
        "partner_id": {"type": "many2one", "string": "Customer", "relation": "res.partner"},
        "state": {"type": "selection", "string": "Status"},
        "amount_total": {"type": "monetary", "string": "Total"},
        "delivery_status": {"type": "selection", "string": "Delivery Status"},
        "invoice_status": {"type": "selection", "string": "Invoice Status"},
        "create_date": {"type": "datetime", "string": "Created on"},
        "write_date": {"type": "datetime", "string": "Last Updated on"},
    },
    "res.partner": {
        "id": {"type": "integer", "string": "ID"},
        "name": {"type": "char", "string": "Name"},
        "email": {"type": "char", "string": "Email"},
    },
    "res.users": {"id": {"type": "integer", "string": "ID"},
                  "login": {"type": "char", "string": "Login"}},
}
# After OdooError and odoo_time: the lifecycle models use them.
from ._erp_odoo_lifecycle import LIFECYCLE_FIELDS, Lifecycle  # noqa: E402

FIELDS.update(LIFECYCLE_FIELDS)
MODEL_IDS = {name: i for i, name in enumerate(FIELDS, start=100)}


class Records:
    """The records of each model, built from the store on demand."""

    def __init__(self, core: ErpCore) -> None:
        self.core = core
        self.partners: dict[int, dict[str, Any]] = {}
        self.confirmed: set[int] = set()
        self.order_partner: dict[int, int] = {}
        self.lifecycle = Lifecycle(core)

    def clear(self) -> None:
        self.lifecycle.clear()
        self.partners.clear()
        self.confirmed.clear()
        self.order_partner.clear()

    def all(self, model: str) -> list[dict[str, Any]]:
        builders: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "product.product": self.products, "stock.quant": self.quants,
            "sale.order": self.sale_orders, "res.partner": self.partner_list,
            "res.users": lambda: [{"id": 2, "login": "admin"}],
            "ir.model": lambda: [{"id": i, "model": m} for m, i in MODEL_IDS.items()],
            **self.lifecycle.builders()}
        builder = builders.get(model)
        if builder is None:
            raise OdooError("builtins.KeyError", f"Object {model} doesn't exist")
        return builder()

    def products(self) -> list[dict[str, Any]]:
        out = []
        for sku, pid in self.core.product_ids.items():
            level = self.core.stock.get(sku)
            qty = float(level["qty"]) if level else 0.0
            out.append({"id": pid, "name": sku, "display_name": f"[{sku}] {sku}",
                        "default_code": sku, "qty_available": qty, "virtual_available": qty,
                        "free_qty": qty})
        return out

    def quants(self) -> list[dict[str, Any]]:
        return [{"id": p["id"], "product_id": [p["id"], p["display_name"]],
                 "location_id": WAREHOUSE, "location_id.usage": "internal",
                 "quantity": p["qty_available"], "reserved_quantity": 0.0}
                for p in self.products()]

    def partner_list(self) -> list[dict[str, Any]]:
        return list(self.partners.values())

    def sale_orders(self) -> list[dict[str, Any]]:
        return [self.sale_order(o) for o in self.core.orders.orders.values()]

    def sale_order(self, order: dict[str, Any]) -> dict[str, Any]:
        oid = order_number(order)
        status = order["status"]
        state = "sale" if oid in self.confirmed and status != "cancelled" else \
            _STATE.get(status, "sale")
        shipped = status in ("shipped", "invoiced")
        partner = self.order_partner.get(oid, 3)
        return {"id": oid, "name": f"S{oid:05d}", "client_order_ref": order["increment_id"],
                "partner_id": [partner, self.partners.get(partner, {}).get("name", "Magento")],
                "state": state, "amount_total": order["grand_total"],
                "delivery_status": "full" if shipped else
                "partial" if status == "partially_shipped" else "pending",
                "invoice_status": "invoiced" if status == "invoiced" else "to invoice",
                "create_date": odoo_time(order["received_ts"]),
                "write_date": odoo_time(modified_ts(order))}


def order_number(order: dict[str, Any]) -> int:
    return int(str(order["erp_order_id"]).rsplit("-", 1)[1])
