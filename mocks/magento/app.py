"""The simulator's ASGI app: URL prefixes, body decoding, auth, ACL, dispatch, rendering.

::

    /rest[/<store>][/async[/bulk]]/V1/...   (store: default | all; others are part of the path
          │                                   and so do not match, as Magento's PathProcessor)
          ├─ async GET .......... 400 "Specified request cannot be processed."
          ├─ route match ........ 404 "Request does not match any route."
          ├─ bearer → principal . unknown/expired token = guest
          ├─ ACL ................ 401 "The consumer isn't authorized to access %resources."
          ├─ body ............... Content-Type / JSON decoding 400s, keys folded to snake_case
          ├─ async/bulk ......... publish operations, 202 (bulk.py)
          └─ handler ............ 200 + JSON; WebapiError → its envelope; anything else → the
                                  production 500 "Internal Error … Report ID" (never a trace)

Raw ASGI rather than a framework: the hot path (``GET /V1/products/{sku}``) is one dict lookup
for the route bucket, one for the token and one for the product.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import unquote

from . import (
    bulk_routes,
    catalog,
    catalog_routes,
    category_routes,
    checkout,
    customer_routes,
    customers,
    inventory_routes,
    msi_routes,
    order_actions,
    order_routes,
    price_routes,
    product_link_routes,
    quote_routes,
    sales_document_routes,
    store_routes,
)
from .auth import acl_error
from .config import SimConfig
from .rest import MSG_INTERNAL, MSG_NO_ROUTE, DecodeError, WebapiError, dumps, loads, snake_keys
from .routing import Call, Encoded, Reply, Route, Router
from .search import parse_query
from .state import Store

__all__ = ["MagentoApp", "build_router"]

log = logging.getLogger("peakready.mocks.magento")

_JSON_HEADERS = [(b"content-type", b"application/json; charset=utf-8")]
_STORES = frozenset({"default", "all"})
_MAX_BODY = 16 * 1024 * 1024
_NO_ROUTE_BODY = dumps({"message": MSG_NO_ROUTE})
_NO_PROCESSOR_BODY = dumps({"message": "Specified request cannot be processed."})
#: (refusal, store code, mode, route, path parameters): what a method and raw path resolve to
_Resolved = tuple[tuple[int, bytes] | None, str, str, Route | None, dict[str, str]]
#: Paths kept resolved at once (a catalog's product paths, an order backlog's).
_RESOLVED_MAX = 8192


def build_router() -> Router:
    router = Router()
    for module in (catalog, catalog_routes, category_routes, price_routes,
                   product_link_routes, checkout, quote_routes, customers, customer_routes,
                   inventory_routes, msi_routes, order_actions, order_routes,
                   sales_document_routes, store_routes, bulk_routes):
        module.register(router)
    return router


def _split(raw_path: bytes) -> tuple[str, str, list[str]] | None:
    """``/rest/default/async/bulk/V1/x`` → ("default", "bulk", ["V1", "x"])."""
    parts = raw_path.split(b"?", 1)[0].decode("latin-1").split("/")
    # parts[0] == "" (leading slash)
    if len(parts) < 3 or parts[1] != "rest":
        return None
    rest = parts[2:]
    store = "default"
    if rest[0] in _STORES:
        store = rest[0]
        rest = rest[1:]
    mode = ""
    if rest and rest[0] == "async":
        mode, rest = "async", rest[1:]
        if rest and rest[0] == "bulk":
            mode, rest = "bulk", rest[1:]
    if not rest or rest[0] != "V1":
        return None
    while len(rest) > 1 and rest[-1] == "":
        rest = rest[:-1]  # Magento trims the trailing slash
    return store, mode, [unquote(p, errors="replace") if "%" in p else p for p in rest]


class MagentoApp:
    """The business app; ``store`` is replaced wholesale on reset."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.router = build_router()
        self.store = Store(cfg)
        self._resolved: dict[tuple[str, bytes], _Resolved] = {}

    def route_template(self, method: str, path: str) -> str | None:
        """The route pattern ``method path`` would reach (the journal's key), or None."""
        route = self._resolve(method, path.encode("latin-1", errors="replace"))[3]
        return route.pattern if route is not None else None

    def reset(self) -> None:
        self.store.bulk.close()
        self.store = Store(self.cfg)
        self.store.seed_profile()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, body = await self._handle(scope, receive)
        await send({"type": "http.response.start", "status": status,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _resolve(self, method: str, raw_path: bytes) -> _Resolved:
        split = _split(raw_path)
        if split is None:
            return (404, _NO_ROUTE_BODY), "", "", None, {}
        store_code, mode, segments = split
        if mode and method == "GET":
            # No request processor takes an async GET (RequestProcessorPool), route or not.
            return (400, _NO_PROCESSOR_BODY), "", "", None, {}
        router = self.router
        found = router.match_bulk(method, segments) if mode == "bulk" else None
        if found is None:
            found = router.match(method, segments)
        if found is None:
            return (404, _NO_ROUTE_BODY), "", "", None, {}
        return None, store_code, mode, found[0], found[1]

    async def _handle(self, scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        # A path resolves the same way every time: a connector reading the same products
        # and orders over and over parses and matches each path once.
        resolved = self._resolved.get((method, raw_path))
        if resolved is None:
            resolved = self._resolve(method, raw_path)
            if len(self._resolved) >= _RESOLVED_MAX:
                self._resolved.clear()
            self._resolved[(method, raw_path)] = resolved
        refusal, store_code, mode, route, kept_params = resolved
        if route is None:
            assert refusal is not None
            return refusal
        path_params = dict(kept_params) if kept_params else {}
        scope["peakready.route"] = route.pattern
        store = self.store
        authorization = None
        content_type = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        principal = store.auth.resolve(authorization)
        try:
            acl = route.acl
            if acl.startswith("version:"):
                acl = self.router.acl_resolvers[acl](self.cfg.version)
            if acl == "self":
                if principal.kind != "customer":
                    raise acl_error("self")
            elif acl != "anonymous" and not principal.allows(acl):
                raise acl_error(acl)
            payload: Any = None
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                payload = await _read_json(receive, content_type)
            query = parse_query(scope.get("query_string", b"")) if scope.get(
                "query_string") else {}
            client = (scope.get("client") or ("127.0.0.1", 0))[0]
            call = Call(store, principal, path_params, {}, query, client, store_code, route)
            if mode:
                if mode == "bulk":
                    elements = payload if isinstance(payload, list) else None
                    if elements is None:
                        raise WebapiError(400, "Request body is expected to be an array of "
                                          "operations.")  # unverified wording
                    limits = self.cfg.input_limits
                    if limits.enabled and len(elements) > limits.async_array_limit:
                        raise WebapiError(400, 'Maximum items of type "%type" is %max',
                                          {"type": route.service, "max":
                                           limits.async_array_limit})
                    reply = store.bulk.publish(call, route, elements, bulk=True)
                else:
                    reply = store.bulk.publish(call, route, [payload if isinstance(
                        payload, dict) else {}], bulk=False)
                return reply.status, dumps(reply.body)
            if isinstance(payload, dict):
                call.body = snake_keys(payload)
            result = await route.handler(call)
        except WebapiError as exc:
            return exc.status, dumps(exc.body())
        except Exception:
            report = f"webapi-{uuid.uuid4().hex[:13]}"
            log.exception("unhandled error on %s %s (%s)", method, route.pattern, report)
            return 500, dumps({"message": MSG_INTERNAL, "parameters": [report]})
        if type(result) is Encoded:
            return 200, result.body
        if isinstance(result, Reply):
            return result.status, dumps(result.body)
        if result is None:
            result = []
        fields = query.get("fields") if query else None
        if isinstance(fields, str) and fields:
            result = apply_fields(result, fields)
        return 200, dumps(result)


async def _read_json(receive: Any, content_type: str | None) -> Any:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            raise WebapiError(400, "Decoding error.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    if not body.strip():
        return None
    if not content_type:
        raise WebapiError(400, "Content-Type header is empty.")
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise WebapiError(400, "Server cannot understand Content-Type HTTP header media type "
                          "%1", [media])
    try:
        return loads(body)
    except (DecodeError, ValueError, RecursionError):
        raise WebapiError(400, "Decoding error.") from None


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


# --- ?fields= partial responses ------------------------------------------------------------

def _parse_fields(text: str) -> dict[str, Any]:
    """``items[sku,price],total_count`` → {"items": {"sku": {}, "price": {}}, "total_count": {}}"""
    root: dict[str, Any] = {}
    stack = [root]
    name = ""
    for char in text:
        if char == "[":
            node: dict[str, Any] = {}
            stack[-1][name.strip()] = node
            stack.append(node)
            name = ""
        elif char in ",]":
            if name.strip():
                stack[-1][name.strip()] = {}
            name = ""
            if char == "]" and len(stack) > 1:
                stack.pop()
        else:
            name += char
    if name.strip():
        stack[-1][name.strip()] = {}
    return root


def _filter(value: Any, spec: dict[str, Any]) -> Any:
    if not spec:
        return value
    if isinstance(value, list):
        return [_filter(v, spec) for v in value]
    if isinstance(value, dict):
        return {k: _filter(v, spec[k]) for k, v in value.items() if k in spec}
    return value


def apply_fields(result: Any, fields: str) -> Any:
    return _filter(result, _parse_fields(fields))
