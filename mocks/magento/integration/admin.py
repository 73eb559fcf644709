"""``/__admin/integration``: the built-in integration's state, metrics and controls.

=======  =============================================  =====================================
GET      /__admin/integration                           profile, flags, strategies, settings,
                                                        metrics (export lag, backlog, dead
                                                        letters, syncs, calls per service)
PUT      /__admin/integration                           change profile / flags / any setting
                                                        at runtime (body: a partial mapping)
GET      /__admin/integration/metrics                   the metrics alone
GET      /__admin/integration/outbox?state=&limit=      outbox entries (newest last)
GET      /__admin/integration/dead-letters              dead letters with their attempt log
POST     /__admin/integration/dead-letters/replay       ``{"increment_ids": [...]}`` or ``{}``
                                                        for all; they go back to pending
POST     /__admin/integration/cycle/{orders|after_sale|stock|customers}  run one now
=======  =============================================  =====================================

Served by the simulator's mockkit admin app (``kit.add_admin``): never faulted, not journaled,
in the OpenAPI document, errors in the mocks' one envelope (``{"error": {"code", "message",
"fields"}}``) with 400 (bad body or setting), 404 or 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from peakready.errors import ConfigError
from peakready.mockkit import ApiError, Operation, Param, int_query, json_body, json_response

from .outbox import STATES, TransitionError

if TYPE_CHECKING:
    from .runtime import Integration

__all__ = ["PREFIX", "admin_operations"]

PREFIX = "/__admin/integration"
_LOOPS = ("orders", "after_sale", "stock", "customers")
_OBJECT: dict[str, Any] = {"type": "object"}
_ITEMS: dict[str, Any] = {"type": "object", "required": ["items", "total_count"],
                          "properties": {"items": {"type": "array"},
                                         "total_count": {"type": "integer"}}}


def _refused(exc: Exception) -> ApiError:
    return ApiError(400, "invalid_setting", str(exc))


def admin_operations(rt: Integration) -> list[Operation]:
    async def state(request: Request) -> Response:
        rt.ensure_started()
        return json_response(rt.state())

    async def configure(request: Request) -> Response:
        rt.ensure_started()
        changes = await json_body(request, empty={})
        if not isinstance(changes, dict):
            raise ApiError(400, "invalid_setting", "expected a JSON object of settings",
                           [{"field": "(body)", "reason": "not an object"}])
        try:
            rt.apply(changes)
        except ConfigError as exc:
            raise _refused(exc) from None
        return json_response(rt.state())

    async def metrics(request: Request) -> Response:
        rt.ensure_started()
        return json_response(rt.metrics())

    async def outbox(request: Request) -> Response:
        rt.ensure_started()
        wanted = request.query_params.get("state")
        if wanted is not None and wanted not in STATES:
            raise ApiError(400, "invalid_parameter", f"state: one of {', '.join(STATES)}",
                           [{"field": "state", "reason": "unknown state"}])
        limit = int_query(request, "limit", 1000, low=1, high=100_000)
        rows = [e for e in rt.outbox.entries.values() if wanted is None or e.state == wanted]
        return json_response({"items": [e.public() for e in rows[-limit:]],
                              "total_count": len(rows)})

    async def dead_letters(request: Request) -> Response:
        rt.ensure_started()
        dead = rt.outbox.dead_letters()
        return json_response({"items": [e.public() for e in dead], "total_count": len(dead)})

    async def replay(request: Request) -> Response:
        rt.ensure_started()
        data = await json_body(request, empty={})
        ids = data.get("increment_ids") if isinstance(data, dict) else None
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str)
                                                                  for i in ids)):
            raise ApiError(400, "invalid_parameter", "increment_ids: a list of strings",
                           [{"field": "increment_ids", "reason": "not a list of strings"}])
        try:
            replayed = rt.outbox.replay(ids)
        except TransitionError as exc:
            raise _refused(exc) from None
        rt.exporter.wake()
        return json_response({"replayed": replayed})

    async def cycle(request: Request) -> Response:
        rt.ensure_started()
        name = request.path_params["name"]
        if name not in _LOOPS:
            raise ApiError(404, "not_found", f"no loop {name!r}: {' | '.join(_LOOPS)}")
        if not rt.enabled:
            raise ApiError(400, "integration_off", "integration profile is none")
        handled = await rt.run_cycle(name)
        return json_response({"handled": handled, "metrics": rt.metrics()})

    tags = ("admin", "integration")
    return [
        Operation("GET", PREFIX, state, "The built-in integration: profile, flags, metrics",
                  responses={200: _OBJECT}, tags=tags),
        Operation("PUT", PREFIX, configure, "Change profile, flags or settings at runtime",
                  responses={200: _OBJECT, 400: None}, tags=tags),
        Operation("GET", f"{PREFIX}/metrics", metrics, "The integration's metrics",
                  responses={200: _OBJECT}, tags=tags),
        Operation("GET", f"{PREFIX}/outbox", outbox, "Outbox entries (newest last)",
                  responses={200: _ITEMS}, tags=tags, params=(
                      Param("state", {"type": "string", "enum": list(STATES)}),
                      Param("limit", {"type": "integer", "minimum": 1, "maximum": 100000}))),
        Operation("GET", f"{PREFIX}/dead-letters", dead_letters,
                  "Dead letters with their attempt log", responses={200: _ITEMS}, tags=tags),
        Operation("POST", f"{PREFIX}/dead-letters/replay", replay,
                  "Send dead letters back to pending (all, or the increment ids given)",
                  responses={200: _OBJECT, 400: None}, tags=tags),
        Operation("POST", f"{PREFIX}/cycle/{{name}}", cycle,
                  "Run one pull of orders | stock | customers now",
                  responses={200: _OBJECT, 400: None}, tags=tags),
    ]
