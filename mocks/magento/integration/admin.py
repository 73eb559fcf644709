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
POST     /__admin/integration/cycle/{orders|stock|customers}   run one pull now (tests)
=======  =============================================  =====================================

Errors are ``{"message": ...}`` with 400 (bad body or setting), 404 or 405.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from peakready.errors import ConfigError
from peakready.mockkit.middleware import read_body

from ..rest import DecodeError, dumps, loads
from .outbox import STATES, TransitionError
from .runtime import Integration

__all__ = ["PREFIX", "handle_admin"]

PREFIX = "/__admin/integration"


class _Fail(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _body(receive: Any) -> Any:
    raw = await read_body(receive)
    if not raw.strip():
        return {}
    try:
        return loads(raw)
    except (DecodeError, ValueError):
        raise _Fail(400, "body is not JSON") from None


async def handle_admin(integration: Integration, scope: dict[str, Any], receive: Any,
                       send: Any) -> None:
    integration.ensure_started()
    try:
        status, body = await _route(integration, scope, receive)
    except _Fail as exc:
        status, body = exc.status, {"message": str(exc)}
    except (ConfigError, TransitionError) as exc:
        status, body = 400, {"message": str(exc)}
    raw = dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


async def _route(rt: Integration, scope: dict[str, Any], receive: Any) -> tuple[int, Any]:
    method = scope["method"]
    rest = scope["path"][len(PREFIX):].strip("/")
    query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
    if rest == "":
        if method == "GET":
            return 200, rt.state()
        if method == "PUT":
            changes = await _body(receive)
            if not isinstance(changes, dict):
                raise _Fail(400, "expected a JSON object of settings")
            rt.apply(changes)
            return 200, rt.state()
        raise _Fail(405, f"{method} not allowed here")
    if rest == "metrics" and method == "GET":
        return 200, rt.metrics()
    if rest == "outbox" and method == "GET":
        state = query.get("state")
        if state is not None and state not in STATES:
            raise _Fail(400, f"state: one of {', '.join(STATES)}")
        limit = _limit(query.get("limit"))
        rows = [e for e in rt.outbox.entries.values() if state is None or e.state == state]
        return 200, {"items": [e.public() for e in rows[-limit:]], "total_count": len(rows)}
    if rest == "dead-letters" and method == "GET":
        dead = rt.outbox.dead_letters()
        return 200, {"items": [e.public() for e in dead], "total_count": len(dead)}
    if rest == "dead-letters/replay" and method == "POST":
        data = await _body(receive)
        ids = data.get("increment_ids") if isinstance(data, dict) else None
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str)
                                                                  for i in ids)):
            raise _Fail(400, "increment_ids: a list of strings")
        replayed = rt.outbox.replay(ids)
        rt.exporter.wake()
        return 200, {"replayed": replayed}
    if rest.startswith("cycle/") and method == "POST":
        name = rest.split("/", 1)[1]
        if name not in ("orders", "stock", "customers"):
            raise _Fail(404, f"no loop {name!r}: orders | stock | customers")
        if not rt.enabled:
            raise _Fail(400, "integration profile is none")
        handled = await rt.run_cycle(name)
        return 200, {"handled": handled, "metrics": rt.metrics()}
    raise _Fail(404, f"no integration admin route {method} {scope['path']}")


def _limit(raw: str | None) -> int:
    if raw is None:
        return 1000
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise _Fail(400, "limit: an integer 1..100000")
    return int(raw)
