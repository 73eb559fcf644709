"""The admin API every mock serves under ``/__admin`` (DESIGN §5).

=======  ============================  ==================================================
GET      /__admin/health               ``{"status": "ok", "mock", "pid", "uptime_s", ...}``
POST     /__admin/reset                journal, faults, evidence and business state cleared
GET      /__admin/faults               ``{"rules": [...]}`` (active rules, with hit counts)
PUT      /__admin/faults               replace every rule (body: rules, see faults.py)
POST     /__admin/faults               add rules (a rule with an existing id replaces it)
DELETE   /__admin/faults               remove every rule
DELETE   /__admin/faults/{rule_id}     remove one rule
GET      /__admin/journal?recent=N     exact counters, fault hits, active rules, last N
GET      /__admin/evidence             records (``?kind=&after=&limit=&since=`` pages one)
GET      /__admin/openapi.json         the OpenAPI document (also at ``/openapi.json``)
=======  ============================  ==================================================
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peakready.mockkit.api import (
    MAX_QUERY_INT,
    ApiError,
    api_error_handler,
    http_exception_handler,
    int_query,
    json_body,
    json_response,
)
from peakready.mockkit.clock import parse_time
from peakready.mockkit.faults import FaultError
from peakready.mockkit.openapi import Operation, Param

if TYPE_CHECKING:
    from peakready.mockkit.app import MockKit

__all__ = ["admin_app", "admin_operations"]

_RULES = {"type": "object", "properties": {"rules": {"type": "array",
                                                     "items": {"type": "object"}}},
          "required": ["rules"]}
_OBJECT = {"type": "object"}


def _since(request: Request) -> float | None:
    raw = request.query_params.get("since")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return parse_time(raw)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, "invalid_parameter",
                       f"since: epoch seconds or an ISO 8601 time, got {raw!r}",
                       [{"field": "since", "reason": "unparseable"}]) from None


def admin_operations(kit: MockKit) -> list[Operation]:
    started = time.time()

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "mock": kit.settings.name, "pid": os.getpid(),
                              "uptime_s": round(time.time() - started, 3),
                              "requests": kit.journal.total, **kit.health_extra()})

    async def reset(request: Request) -> Response:
        kit.reset()
        return json_response({"status": "reset", "mock": kit.settings.name})

    def rules_body() -> dict[str, Any]:
        return {"rules": [r.to_json() for r in kit.faults.active()]}

    async def get_faults(request: Request) -> Response:
        return json_response(rules_body())

    async def put_faults(request: Request) -> Response:
        try:
            kit.faults.replace(kit.faults.parse(await json_body(request)))
        except FaultError as exc:
            raise ApiError(400, "invalid_fault", str(exc)) from None
        return json_response(rules_body())

    async def post_faults(request: Request) -> Response:
        try:
            kit.faults.add(kit.faults.parse(await json_body(request)))
        except FaultError as exc:
            raise ApiError(400, "invalid_fault", str(exc)) from None
        return json_response(rules_body(), 201)

    async def delete_faults(request: Request) -> Response:
        kit.faults.clear()
        return json_response(rules_body())

    async def delete_fault(request: Request) -> Response:
        rule_id = request.path_params["rule_id"]
        if not kit.faults.remove(rule_id):
            raise ApiError(404, "not_found", f"no fault rule {rule_id!r}")
        return json_response(rules_body())

    async def journal(request: Request) -> Response:
        recent = int_query(request, "recent", 100)
        body = kit.journal.snapshot(recent)
        body["mock"] = kit.settings.name
        body["faults"] = [r.to_json() for r in kit.faults.active()]
        return json_response(body)

    async def evidence(request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        after = int_query(request, "after", 0)
        limit = int_query(request, "limit", 100_000, low=1)
        return json_response(kit.evidence_body(kind, after, limit, _since(request)))

    async def openapi(request: Request) -> Response:
        return json_response(kit.openapi())

    tags = ("admin",)
    return [
        Operation("GET", "/__admin/health", health, "Liveness and identity", tags=tags,
                  responses={200: _OBJECT}),
        Operation("POST", "/__admin/reset", reset, "Clear journal, faults, evidence and state",
                  tags=tags, responses={200: _OBJECT}),
        Operation("GET", "/__admin/faults", get_faults, "Active HTTP fault rules", tags=tags,
                  responses={200: _RULES}),
        Operation("PUT", "/__admin/faults", put_faults, "Replace all HTTP fault rules",
                  body=None, tags=tags, responses={200: _RULES, 400: None}),
        Operation("POST", "/__admin/faults", post_faults, "Add HTTP fault rules", tags=tags,
                  responses={201: _RULES, 400: None}),
        Operation("DELETE", "/__admin/faults", delete_faults, "Remove all fault rules",
                  tags=tags, responses={200: _RULES}),
        Operation("DELETE", "/__admin/faults/{rule_id}", delete_fault, "Remove one fault rule",
                  tags=tags, responses={200: _RULES}),
        Operation("GET", "/__admin/journal", journal, "Request counters and recent requests",
                  tags=tags, responses={200: _OBJECT},
                  params=(Param("recent", {"type": "integer", "minimum": 0,
                                           "maximum": MAX_QUERY_INT}),)),
        Operation("GET", "/__admin/evidence", evidence, "Durable evidence records", tags=tags,
                  responses={200: _OBJECT},
                  params=(Param("kind", description="one kind, paged by after"),
                          Param("after", {"type": "integer", "minimum": 0,
                                          "maximum": MAX_QUERY_INT},
                                "next_after of the previous page"),
                          Param("limit", {"type": "integer", "minimum": 1,
                                          "maximum": MAX_QUERY_INT}),
                          Param("since", {"type": "string"},
                                "records at or after this time: epoch seconds or ISO 8601"))),
        Operation("GET", "/__admin/openapi.json", openapi, "This OpenAPI document", tags=tags,
                  responses={200: _OBJECT}),
    ]


def admin_app(kit: MockKit, operations: list[Operation]) -> Starlette:
    routes = [Route(op.path, op.endpoint, methods=[op.method]) for op in operations]
    document = next(op for op in operations if op.path == "/__admin/openapi.json")
    routes.append(Route("/openapi.json", document.endpoint, methods=["GET"]))
    return Starlette(routes=routes, exception_handlers={
        ApiError: api_error_handler, HTTPException: http_exception_handler})
