"""The example connector's Odoo adapter (JSON-RPC ``execute_kw``; errors inside HTTP 200).

Orders are ``sale.order`` records (``client_order_ref`` looked up first: Odoo has no
idempotency key); shipments are done outgoing ``stock.picking`` records with their
``stock.move`` lines, ``carrier_id`` and ``carrier_tracking_ref``; invoiced orders show in
``invoice_status``; a Magento cancellation is ``action_cancel``; a refund is an
``account.move`` of type ``out_refund`` for what the order's refunds do not cover yet.
Stdlib only.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from erp_base import Adapter

__all__ = ["OdooApi"]


class OdooApi(Adapter):
    """Odoo JSON-RPC ``execute_kw``: errors arrive inside HTTP 200."""

    dialect = "odoo"
    DB, LOGIN, KEY = "peakready", "admin", "peakready"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.uid: int | None = None
        self.product_ids: dict[str, int] = {}
        self.since = self.started - 5

    def _rpc(self, service: str, method: str, *args: Any) -> Any:
        reply = self.call("POST", self.base + "/jsonrpc", {
            "jsonrpc": "2.0", "method": "call", "id": secrets.randbelow(10**9),
            "params": {"service": service, "method": method, "args": list(args)}})
        if reply.status == 200 and isinstance(reply.body, dict) and "error" in reply.body:
            if "trust_http_200" in self.mistakes:   # the mistake: a 200 is a success
                return self.reply(200, {"result": None}, reply.headers)
            error = reply.body["error"].get("data", {})
            # Odoo's own classes: a serialization failure or a server error is worth a
            # retry; a validation or access error is a refusal.
            name = str(error.get("name", ""))
            refused = "ValidationError" in name or "UserError" in name or \
                "MissingError" in name
            return self.reply(422 if refused else 503, reply.body["error"], reply.headers)
        return reply

    def _kw(self, model: str, method: str, args: list[Any],
            kwargs: dict[str, Any] | None = None) -> Any:
        if self.uid is None:
            login = self._rpc("common", "authenticate", self.DB, self.LOGIN, self.KEY, {})
            if login.status != 200 or not isinstance(login.body, dict) or \
                    not login.body.get("result"):
                return login if login.status != 200 else self.reply(0, "login failed", {})
            self.uid = int(login.body["result"])
        return self._rpc("object", "execute_kw", self.DB, self.uid, self.KEY, model, method,
                         args, kwargs or {})

    def _products(self, skus: list[str]) -> Any:
        """None when every SKU has its product id, else the failed answer."""
        wanted = [s for s in skus if s not in self.product_ids]
        if wanted:
            reply = self._kw("product.product", "search_read",
                             [[["default_code", "in", wanted]]],
                             {"fields": ["id", "default_code"]})
            if reply.status != 200 or not isinstance(reply.body.get("result"), list):
                return reply if reply.status != 200 else self.reply(503, reply.body, {})
            self.product_ids.update({p["default_code"]: p["id"] for p in reply.body["result"]})
        missing = [s for s in skus if s not in self.product_ids]
        return self.reply(422, f"unknown products {missing}", {}) if missing else None

    def create_order(self, payload: dict[str, Any], idempotent: bool) -> Any:
        ref = payload["increment_id"]
        failed = self._products([i["sku"] for i in payload["items"]])
        if failed is not None:
            return failed
        if idempotent:
            found = self._kw("sale.order", "search_count", [[["client_order_ref", "=", ref]]])
            if found.status != 200:
                return found
            if found.body.get("result"):
                return self.reply(200, found.body, {})
        return self._kw("sale.order", "create", [{
            "client_order_ref": ref,
            "order_line": [[0, 0, {"product_id": self.product_ids[i["sku"]],
                                   "product_uom_qty": i["qty"],
                                   "price_unit": i.get("price", 0)}]
                           for i in payload["items"]]}])

    @staticmethod
    def _result(reply: Any) -> Any:
        return reply.body.get("result") if reply.status == 200 and \
            isinstance(reply.body, dict) else None

    def order_updates(self) -> list[dict[str, Any]]:
        since = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d %H:%M:%S")
        orders = self._result(self._kw(
            "sale.order", "search_read", [[["write_date", ">=", since]]],
            {"fields": ["client_order_ref", "invoice_status"]}))
        shipments = self._deliveries(since)
        if not isinstance(orders, list) or shipments is None:
            return []
        self.since = max(self.since, time.time() - 10)
        out = shipments
        for order in orders:
            if order.get("invoice_status") == "invoiced":
                out += self._once(order["client_order_ref"], "invoiced")
        return self._hand_over(out)

    def _deliveries(self, since: str) -> list[dict[str, Any]] | None:
        """Done outgoing ``stock.picking`` records since ``since``, with their moves' lines."""
        pickings = self._result(self._kw("stock.picking", "search_read", [[
            ["state", "=", "done"], ["picking_type_code", "=", "outgoing"],
            ["date_done", ">=", since]]], {"fields": [
                "name", "sale_id", "carrier_id", "carrier_tracking_ref"]}))
        if not isinstance(pickings, list):
            return None
        pickings = [p for p in pickings if (p["name"], "shipment") not in self.emitted]
        if not pickings:
            return []
        moves = self._result(self._kw("stock.move", "search_read", [[
            ["picking_id", "in", [p["id"] for p in pickings]]]],
            {"fields": ["picking_id", "product_id", "quantity"]}))
        orders = self._result(self._kw("sale.order", "read", [
            sorted({p["sale_id"][0] for p in pickings})], {"fields": ["client_order_ref"]}))
        if not isinstance(moves, list) or not isinstance(orders, list):
            return None
        refs = {o["id"]: o["client_order_ref"] for o in orders}
        skus = {pid: sku for sku, pid in self.product_ids.items()}
        out: list[dict[str, Any]] = []
        for picking in pickings:
            lines = [{"sku": skus.get(m["product_id"][0]) or
                      m["product_id"][1].split("]")[0].lstrip("["), "qty": m["quantity"]}
                     for m in moves if m["picking_id"][0] == picking["id"]]
            carrier = picking.get("carrier_id")
            out += self._shipment(refs.get(picking["sale_id"][0], ""), picking["name"],
                                  picking.get("carrier_tracking_ref") or None,
                                  carrier[1] if carrier else None, lines)
        return out

    def cancel_order(self, increment: str) -> bool:
        ids = self._result(self._kw("sale.order", "search",
                                    [[["client_order_ref", "=", increment]]]))
        if not ids:
            return False
        reply = self._kw("sale.order", "action_cancel", [ids])
        if reply.status == 422 and "UserError" in str(reply.body):
            return True                          # a delivery is done: too late, final
        return self._result(reply) is not None

    def book_refund(self, increment: str, refunded: float, credited: float) -> bool:
        orders = self._result(self._kw("sale.order", "search_read", [[
            ["client_order_ref", "=", increment]]], {"fields": ["name", "partner_id"]}))
        if not orders:
            return False
        name = orders[0]["name"]
        refunds = self._result(self._kw("account.move", "search_read", [[
            ["move_type", "=", "out_refund"], ["invoice_origin", "=", name]]],
            {"fields": ["amount_total"]}))
        if not isinstance(refunds, list):
            return False
        booked = sum(float(r["amount_total"]) for r in refunds)
        if booked + 0.005 >= refunded:          # no key: what is there counts
            return True
        partner = orders[0].get("partner_id")
        created = self._kw("account.move", "create", [{
            "move_type": "out_refund", "invoice_origin": name,
            "partner_id": partner[0] if partner else False,
            "ref": f"{increment}-{refunded:.2f}",
            "invoice_line_ids": [[0, 0, {"name": "Magento credit memo", "quantity": 1,
                                         "price_unit": round(refunded - booked, 2)}]]}])
        return isinstance(self._result(created), int)

    def stock_level(self, sku: str) -> float | None:
        reply = self._kw("product.product", "search_read", [[["default_code", "=", sku]]],
                         {"fields": ["qty_available"]})
        result = reply.body.get("result") if reply.status == 200 else None
        return float(result[0]["qty_available"]) if result else None

    def all_levels(self) -> dict[str, float] | None:
        reply = self._kw("product.product", "search_read", [[]],
                         {"fields": ["default_code", "qty_available"]})
        result = reply.body.get("result") if reply.status == 200 else None
        if not isinstance(result, list):
            return None
        return {p["default_code"]: float(p["qty_available"]) for p in result}
