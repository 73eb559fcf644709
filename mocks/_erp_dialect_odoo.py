"""Dialect ``odoo``: Odoo's external API (JSON-RPC and XML-RPC, Odoo 17).

::

    POST /web/webclient/version_info     {"server_version": "17.0", ...} (odoorpc asks first)
    POST /jsonrpc                        {"jsonrpc": "2.0", "method": "call", "params":
                                          {"service": S, "method": M, "args": [...]}}
    POST /xmlrpc/2/common                XML-RPC: version, login, authenticate
    POST /xmlrpc/2/object                XML-RPC: execute_kw, execute
    POST /xmlrpc/common, /xmlrpc/object  the legacy XML-RPC paths (odoo-client-lib's):
                                         string fault codes

Services: ``common.version``, ``common.login(db, login, password)`` and
``common.authenticate(db, login, password, {})`` (the uid, or ``false`` for bad credentials:
not an error), ``object.execute_kw(db, uid, password, model, method, args, kwargs)`` and
``object.execute(db, uid, password, model, method, *args)`` (the password or API key is
checked on every call: ``odoo.exceptions.AccessDenied``). Models and methods:
``_erp_odoo_models.py``; ``sale.order.create`` takes ``client_order_ref`` (the Magento
increment id) and ``order_line`` as ``[0, 0, {product_id, product_uom_qty, price_unit}]``
commands and returns the new id. Credentials: database ``peakready``, login ``admin``,
password / API key ``peakready`` (uid 2).

Errors are Odoo's: JSON-RPC ``error`` objects inside an HTTP **200** (code 200, ``data.name``
the exception), XML-RPC faults (1 other, 2 UserError/ValidationError, 3 AccessDenied, 4
AccessError) inside a 200. There is no idempotency key: a connector looks up
``client_order_ref`` first. Fault marks: ``error_in_200`` (a ``SerializationFailure`` in a
200, nothing done), ``concurrency_limit`` (the same error: Odoo has no rate limit, its
workers fail so), ``stale_lookup`` (``search``/``search_count``/``search_read`` on
``sale.order`` find nothing).
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation, json_response

from ._erp_core import Line, OrderRefused
from ._erp_dialect import Arrival, Dialect
from ._erp_odoo_models import FIELDS, OdooError, Records, matches

__all__ = ["OdooDialect"]

DATABASE, LOGIN, PASSWORD, UID = "peakready", "admin", "peakready", 2
VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
           "server_serie": "17.0", "protocol_version": 1}
_SERIALIZATION = ("psycopg2.errors.SerializationFailure",
                  "could not serialize access due to concurrent update")


def _no_none(value: Any) -> Any:
    """XML-RPC has no nil by default: Odoo sends False."""
    if value is None:
        return False
    if isinstance(value, list | tuple):
        return [_no_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _no_none(v) for k, v in value.items()}
    return value


def _create_ref(model: Any, method: Any, args: Any) -> tuple[bool, Any]:
    """(is a sale.order create, the client_order_ref it carries)."""
    if model != "sale.order" or method != "create":
        return False, None
    vals = args[0] if isinstance(args, list | tuple) and args else None
    if isinstance(vals, list | tuple):
        vals = vals[0] if vals else None
    return True, vals.get("client_order_ref") if isinstance(vals, dict) else None


def _call_of(service: Any, method: Any, args: Any) -> tuple[Any, Any, Any]:
    """(model, method, args) of an ``object`` call, else Nones."""
    if service != "object" or not isinstance(args, list | tuple) or len(args) < 5:
        return None, None, None
    if method == "execute_kw":
        return args[3], args[4], args[5] if len(args) > 5 else []
    if method == "execute":
        return args[3], args[4], list(args[5:])
    return None, None, None


def _json_arrival(body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    data = orjson.loads(body)
    params = data.get("params") or {}
    model, method, args = _call_of(params.get("service"), params.get("method"),
                                   params.get("args"))
    creating, ref = _create_ref(model, method, args)
    return {"increment_id": str(ref)[:64] if ref else None} if creating else None


def _xml_arrival(body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    args, method = xmlrpc.client.loads(body)
    model, orm_method, call_args = _call_of("object", method, list(args))
    creating, ref = _create_ref(model, orm_method, call_args)
    return {"increment_id": str(ref)[:64] if ref else None} if creating else None


class OdooDialect(Dialect):
    name = "odoo"
    title = "Odoo external API (JSON-RPC, XML-RPC)"

    def __init__(self, core: Any, settings: dict[str, Any]) -> None:
        super().__init__(core, settings)
        self.records = Records(core)
        core.kit.on_reset(self.records.clear)

    def arrivals(self) -> list[Arrival]:
        return [Arrival("POST", "/jsonrpc", _json_arrival),
                Arrival("POST", "/xmlrpc/2/object", _xml_arrival),
                Arrival("POST", "/xmlrpc/object", _xml_arrival)]

    def throttled(self, request: Request) -> Response:
        # Odoo has no rate limit: a worker pool out of room fails the transaction, in a 200.
        return self._fail(request, OdooError(*_SERIALIZATION))

    # -- the RPC services ---------------------------------------------------------------------
    def common(self, method: str, args: list[Any]) -> Any:
        if method == "version":
            return VERSION
        if method in ("login", "authenticate"):
            db, login, password = (list(args) + [None] * 3)[:3]
            return UID if (db, login, password) == (DATABASE, LOGIN, PASSWORD) else False
        raise OdooError("builtins.NameError", f"Method not available {method}")

    def object(self, request: Request, method: str, args: list[Any]) -> Any:
        model, orm_method, call_args = _call_of("object", method, args)
        if model is None:
            raise OdooError("builtins.NameError", f"Method not available {method}")
        kwargs = args[6] if method == "execute_kw" and len(args) > 6 else {}
        if (args[0], args[1], args[2]) != (DATABASE, UID, PASSWORD):
            raise OdooError("odoo.exceptions.AccessDenied", "Access Denied", 3)
        return self.orm(request, str(model), str(orm_method), list(call_args or []),
                        dict(kwargs or {}))

    def orm(self, request: Request, model: str, method: str, args: list[Any],
            kwargs: dict[str, Any]) -> Any:
        if method == "create":
            return self.create(request, model, args[0] if args else kwargs.get("vals_list"))
        if method == "action_cancel" and model == "sale.order":
            return self.records.lifecycle.cancel(request, args[0] if args else kwargs.get("ids"))
        if method == "action_confirm" and model == "sale.order":
            self.records.confirmed.update(int(i) for i in (args[0] if args else []))
            return True
        if method == "context_get":
            return {"lang": "en_US", "tz": "UTC", "uid": UID}
        if method == "fields_get":
            return FIELDS.get(model, {})
        stale = model == "sale.order" and self.core.mark(request, "stale_lookup") is not None
        self.core.advance()
        records = [] if stale else self.records.all(model)
        if method in ("search", "search_count", "search_read"):
            domain = args[0] if args else kwargs.get("domain", [])
            found = [r for r in records if matches(domain, r)]
            found.sort(key=lambda r: r["id"])
            if method == "search_count":
                return len(found)
            rest = args[1:] if method == "search" else args[2:]
            offset = int(kwargs.get("offset", rest[0] if rest else 0) or 0)
            limit = kwargs.get("limit", rest[1] if len(rest) > 1 else None)
            found = found[offset:offset + int(limit) if limit else None]
            if method == "search":
                return [r["id"] for r in found]
            fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
            return [self._fields(r, fields) for r in found]
        if method == "read":
            ids = args[0] if args else kwargs.get("ids", [])
            ids = [ids] if isinstance(ids, int) else list(ids)
            fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
            by_id = {r["id"]: r for r in records}
            return [self._fields(by_id[i], fields) for i in ids if i in by_id]
        raise OdooError("builtins.AttributeError",
                        f"The method '{method}' does not exist on the model '{model}'")

    @staticmethod
    def _fields(record: dict[str, Any], fields: Any) -> dict[str, Any]:
        if not fields:
            return {k: v for k, v in record.items() if "." not in k}
        return {"id": record["id"], **{f: record.get(f, False) for f in fields}}

    def create(self, request: Request, model: str, vals: Any) -> Any:
        if isinstance(vals, list):
            return [self.create(request, model, v) for v in vals]
        if not isinstance(vals, dict):
            raise OdooError("builtins.TypeError", "create() expects a dict of values")
        if model == "res.partner":
            pid = 1000 + len(self.records.partners)
            self.records.partners[pid] = {"id": pid, "name": vals.get("name") or "",
                                          "email": vals.get("email") or False}
            return pid
        if model == "account.move":
            return self.records.lifecycle.create_refund(vals)
        if model != "sale.order":
            raise OdooError("odoo.exceptions.AccessError",
                            f"You are not allowed to create '{model}' records.", 4)
        ref = vals.get("client_order_ref")
        lines = []
        for command in vals.get("order_line") or []:
            if not (isinstance(command, list | tuple) and len(command) == 3
                    and command[0] == 0 and isinstance(command[2], dict)):
                raise OdooError("odoo.exceptions.ValidationError",
                                "order_line: only [0, 0, {values}] create commands", 2)
            line = command[2]
            product = line.get("product_id")
            sku = self.core.skus_by_id.get(product) if isinstance(product, int) else None
            if sku is None:
                raise OdooError("odoo.exceptions.MissingError",
                                f"Record does not exist or has been deleted.\n(Record: "
                                f"product.product({line.get('product_id')!r},))", 2)
            lines.append(Line(sku=sku, qty=float(line.get("product_uom_qty", 1)),
                              price=float(line.get("price_unit", 0.0))))
        partner = self.records.partners.get(vals.get("partner_id") or 0, {})
        try:
            order_in = self.core.canonical(ref if ref else None, lines,
                                           email=partner.get("email") or None)
        except OrderRefused as exc:
            self.core.note_refusal(request, ref, exc, wire_status=200)
            raise OdooError("odoo.exceptions.ValidationError",
                            f"The operation cannot be completed: {exc.message}", 2) from None
        order = self.core.create(request, order_in)
        number = int(str(order["erp_order_id"]).rsplit("-", 1)[1])
        if vals.get("partner_id"):
            self.records.order_partner[number] = int(vals["partner_id"])
        return number

    # -- transports --------------------------------------------------------------------------
    def _injected(self, request: Request, call: tuple[bool, Any]) -> OdooError:
        """The injected failure; an order attempt (a create) is noted as one."""
        creating, ref = call
        if creating:
            self.core.note_failed_in_200(request, str(ref)[:64] if ref else None)
        return OdooError(*_SERIALIZATION)

    def _fail(self, request: Request, error: OdooError, rpc_id: Any = None) -> Response:
        path = request.url.path
        if path.startswith("/xmlrpc"):
            # /xmlrpc/2 sends integer codes; the legacy /xmlrpc a string.
            code: int | str = error.fault_code if path.startswith("/xmlrpc/2/") else (
                "AccessDenied" if error.fault_code == 3 else error.message)
            fault = xmlrpc.client.Fault(code, error.message)  # type: ignore[arg-type]
            body = xmlrpc.client.dumps(fault, methodresponse=True)
            return Response(body, 200, media_type="text/xml")
        return json_response({"jsonrpc": "2.0", "id": rpc_id, "error": {
            "code": 200, "message": "Odoo Server Error", "data": {
                "name": error.name, "message": error.message, "arguments": [error.message],
                "context": {}, "debug": f"Traceback (most recent call last):\n{error.name}: "
                                        f"{error.message}"}}})

    async def jsonrpc(self, request: Request) -> Response:
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return json_response({"jsonrpc": "2.0", "id": None, "error": {
                "code": 400, "message": "Invalid JSON data", "data": {
                    "name": "werkzeug.exceptions.BadRequest", "message": "Invalid JSON data",
                    "arguments": [], "context": {}, "debug": ""}}})
        rpc_id = data.get("id") if isinstance(data, dict) else None
        params = (data.get("params") if isinstance(data, dict) else None) or {}
        service, method = params.get("service"), params.get("method")
        args = list(params.get("args") or [])
        try:
            if self.core.mark(request, "error_in_200") is not None:
                model, orm_method, call_args = _call_of(service, method, args)
                raise self._injected(request, _create_ref(model, orm_method, call_args))
            if service == "common":
                result = self.common(str(method), args)
            elif service == "object":
                result = self.object(request, str(method), args)
            else:
                raise OdooError("builtins.KeyError", f"No such service {service!r}")
        except OdooError as exc:
            return self._fail(request, exc, rpc_id)
        return json_response({"jsonrpc": "2.0", "id": rpc_id, "result": result})

    async def xmlrpc(self, request: Request) -> Response:
        service = request.url.path.rsplit("/", 1)[1]
        try:
            args, method = xmlrpc.client.loads(await request.body())
            if self.core.mark(request, "error_in_200") is not None:
                model, orm_method, call_args = _call_of(service, method, list(args))
                raise self._injected(request, _create_ref(model, orm_method, call_args))
            result = self.common(str(method), list(args)) if service == "common" else \
                self.object(request, str(method), list(args))
        except OdooError as exc:
            return self._fail(request, exc)
        except (ValueError, TypeError, IndexError) as exc:
            return self._fail(request, OdooError("builtins.ValueError", str(exc)))
        body = xmlrpc.client.dumps((_no_none(result),), methodresponse=True)
        return Response(body, 200, media_type="text/xml")

    async def version_info(self, request: Request) -> Response:
        data = orjson.loads(await request.body() or b"{}")
        return json_response({"jsonrpc": "2.0", "id": data.get("id"), "result": VERSION})

    def routes(self) -> list[Operation]:
        tags = ("odoo",)
        return [
            Operation("POST", "/web/webclient/version_info", self.version_info,
                      "Server version (JSON-RPC)", tags=tags),
            Operation("POST", "/jsonrpc", self.jsonrpc,
                      "JSON-RPC: common.login/authenticate/version, object.execute_kw",
                      tags=tags),
            Operation("POST", "/xmlrpc/2/common", self.xmlrpc,
                      "XML-RPC common: version, login, authenticate", tags=tags),
            Operation("POST", "/xmlrpc/2/object", self.xmlrpc,
                      "XML-RPC object: execute_kw, execute", tags=tags),
            Operation("POST", "/xmlrpc/common", self.xmlrpc,
                      "Legacy XML-RPC common (string fault codes)", tags=tags),
            Operation("POST", "/xmlrpc/object", self.xmlrpc,
                      "Legacy XML-RPC object (string fault codes)", tags=tags),
        ]

