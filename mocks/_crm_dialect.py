"""What a CRM dialect is: a route table of thin request/response mappings over the one store.

::

    Dialect (one class per vendor API)      mocks/_crm_<name>.py
    ├── routes()   → [Route(method, path, handler, summary)]
    │                handler(Call) -> Reply: plain functions of the request's parts, so a
    │                vendor's composite/batch call can run its sub-requests through them too
    ├── authorize(Call)                     the vendor's auth (raise VendorError 401)
    ├── invalid(errors) -> VendorError      how the vendor says "bad field"
    └── headers(Reply)                      headers the vendor puts on every answer

``build_operations(dialect)`` turns the table into MockKit operations; evidence is written only
by the store (``mocks/_crm_store.py``), so a dialect never decides what the checks see.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from peakready.mockkit import Operation, json_response

from ._crm_store import ContactStore, CrmOptions, InvalidContact

__all__ = ["Call", "Dialect", "Reply", "Route", "VendorError", "build_operations",
           "correlation_id"]


@dataclass
class Call:
    method: str
    path: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    request_id: str = ""
    base_url: str = ""          # scheme://host[:port] as the client reached us (via a proxy)
    raw: bytes = b""            # the body as sent (a route with json=False reads this)
    # Fault marks that fired on this request ({kind: (params, rule id)}): the dialect
    # misbehaves in its vendor's shape (mockkit.fault_kinds, "mark" role).
    marks: dict[str, tuple[Any, str]] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any = None            # JSON value; None with 204
    headers: dict[str, str] = field(default_factory=dict)


class VendorError(Exception):
    """Answer with the vendor's own error shape."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.reply = Reply(status, body, dict(headers or {}))


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    auth: bool = True
    json: bool = True           # the body is JSON (else the handler reads Call.raw)


# Where the mock middleware leaves the fault marks that fired (mockkit.fault_kinds.base).
MARKS = "peakready.marks"


def correlation_id() -> str:
    return str(uuid.uuid4())


class Dialect:
    """Base of the vendor dialects: auth, error shapes and routes are the vendor's."""

    name = "peakready"

    def __init__(self, store: ContactStore, options: CrmOptions) -> None:
        self.store = store
        self.options = options
        self._compiled: list[tuple[Route, re.Pattern[str]]] | None = None

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def authorize(self, call: Call) -> None:
        """Raise VendorError when the call's credentials are not good."""

    def invalid(self, errors: list[tuple[str, str]]) -> VendorError:
        return VendorError(400, {"errors": [{"field": f, "reason": r} for f, r in errors]})

    def malformed(self, reason: str) -> VendorError:
        return self.invalid([("(body)", reason)])

    def headers(self, reply: Reply) -> dict[str, str]:
        return {}

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving ``method path`` and its path parameters (for sub-requests of a
        vendor's composite call, which run through the same handlers)."""
        if self._compiled is None:
            self._compiled = [(r, compile_path(r.path)[0]) for r in self.routes()]
        for route, regex in self._compiled:
            match = regex.match(path)
            if match and route.method == method.upper():
                return route, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def dispatch(self, route: Route, call: Call, *, authorize: bool = True) -> Reply:
        """Run one call through auth and the handler; vendor errors become replies."""
        try:
            if route.auth and authorize:
                self.authorize(call)
            return route.handler(call)
        except InvalidContact as exc:
            return self.invalid(exc.errors).reply
        except VendorError as exc:
            return exc.reply


def _base_url(request: Request) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def build_operations(dialect: Dialect, tags: tuple[str, ...] = ("crm",)) -> list[Operation]:
    def endpoint(route: Route) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            raw = await request.body()
            body: Any = None
            bad: VendorError | None = None
            if raw.strip() and route.json:
                try:
                    body = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    bad = dialect.malformed(f"request body is not valid JSON: {exc}")
            call = Call(request.method, dict(request.path_params), dict(request.query_params),
                        body, {k.lower(): v for k, v in request.headers.items()},
                        str(request.scope.get("peakready.request_id", "")),
                        _base_url(request), raw, dict(request.scope.get(MARKS, {})))
            reply = bad.reply if bad is not None else dialect.dispatch(route, call)
            headers = {**dialect.headers(reply), **reply.headers}
            if reply.body is None:
                return Response(status_code=reply.status, headers=headers)
            return json_response(reply.body, reply.status, headers)
        return run

    return [Operation(r.method, r.path, endpoint(r), r.summary, tags=tags)
            for r in dialect.routes()]
