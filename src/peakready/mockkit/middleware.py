"""The one pure-ASGI middleware every mock runs behind.

Per HTTP request, in order::

    /__admin/* or /openapi.json ─► admin app (never faulted, not journaled)
    request id  (X-Request-Id echoed, or made: <process prefix>-<counter>)
    fault switch ─► delay · close · synthesized status · slow/truncated body around the app
                   (the body is buffered first only while a rule matches on it or is sticky)
    rate limit  ─► 429 + Retry-After
    business app
    journal     (route template, method, status, duration, fault rule ids)
    arrivals    (tracked routes only: one evidence event per request, faulted ones included,
                 with what the mock's extractor read from the body and what the handler put
                 in ``scope["peakready.evidence"]``)

It is written against raw ASGI (no BaseHTTPMiddleware, no Request object) because it runs on
every request at peak rates; with no fault rules the fault step costs one attribute read.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from typing import TYPE_CHECKING

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peakready.mockkit.fault_kinds import MARKS_SCOPE_KEY, AnswerContext, ConnectionDropped
from peakready.mockkit.journal import UNMATCHED_ROUTE

if TYPE_CHECKING:
    from peakready.mockkit.app import MockKit

__all__ = ["ADMIN_PREFIX", "REQUEST_ID_HEADER", "MockMiddleware", "read_body"]

ADMIN_PREFIX = "/__admin"
REQUEST_ID_HEADER = "x-request-id"
_RID = REQUEST_ID_HEADER.encode()
_IDEMPOTENCY = b"idempotency-key"


def _template_by_matching(app: ASGIApp, scope: Scope) -> str:
    """The template of the route that would have served a request the app never saw (a
    faulted or rate-limited one), so faults are counted against the right route."""
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", UNMATCHED_ROUTE))
    return UNMATCHED_ROUTE


def _route_of(scope: Scope) -> str:
    # Starlette puts the matched route object in the (shared) scope; a non-Starlette app may
    # set "peakready.route" to its template. Raw paths never become keys: memory stays flat.
    named = scope.get("peakready.route")
    if named is not None:
        return str(named)
    route = scope.get("route")
    path = getattr(route, "path", None)
    return UNMATCHED_ROUTE if path is None else str(path)


async def read_body(receive: Receive) -> bytes:
    """The whole request body of a plain ASGI request (for handlers below Starlette)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body, and return a receive that hands it over again."""
    body = await read_body(receive)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _noting_retry_after(send: Send, noted: list[str]) -> Send:
    async def noting(message: Message) -> None:
        if message["type"] == "http.response.start":
            for name, value in message.get("headers", ()):
                if name.lower() == b"retry-after":
                    noted.append(value.decode("latin-1"))
                    break
        await send(message)

    return noting


class MockMiddleware:
    def __init__(self, app: ASGIApp, kit: MockKit, admin: ASGIApp) -> None:
        self.app = app
        self.kit = kit
        self.admin = admin
        self._prefix = f"{os.getpid():x}-{int(time.time()) & 0xFFFF:x}"
        self._counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX) or path == "/openapi.json":
            await self.admin(scope, receive, send)
            return
        kit = self.kit
        started = time.perf_counter()
        request_id = ""
        for name, value in scope["headers"]:
            if name == _RID:
                request_id = value.decode("latin-1")[:128]
                break
        if not request_id:
            request_id = f"{self._prefix}-{next(self._counter)}"
        rid = request_id.encode("latin-1")
        scope["peakready.request_id"] = request_id
        status = 0
        method: str = scope["method"]
        tracker = kit.tracker_for(method, path) if kit.tracked or kit.tracked_prefixes \
            else None
        # What the answer said about retrying, whoever answered (app, fault, rate limit): the
        # arrival evidence records it, so retry spacing is judged against what was sent.
        retry_after: list[str] = []
        downstream: Send = send
        if tracker is not None:
            downstream = _noting_retry_after(send, retry_after)

        evidence = kit.evidence

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                # Nothing is acknowledged before what the handler recorded is committed.
                if not evidence.committed:
                    await evidence.flush()
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (_RID, rid)]
            await downstream(message)

        arrived = 0.0
        raw_body = b""
        if tracker is not None:
            arrived = time.time()
            raw_body, receive = await _buffer_body(receive)
        faults = kit.faults
        firing = None
        if faults.rules:     # with no rules the fault step costs this one attribute read
            reads_body = faults.needs_body
            if tracker is None and reads_body:
                raw_body, receive = await _buffer_body(receive)
            if reads_body:
                key = None
                for name, value in scope["headers"]:
                    if name == _IDEMPOTENCY:
                        key = value.decode("latin-1")
                        break
                firing = faults.check(method, path, key=key, body=raw_body)
            else:
                firing = faults.check(method, path)
        fault_ids: tuple[str, ...] = ()
        try:
            if firing is None:
                if kit.rate_limiter is None:
                    await self.app(scope, receive, send_with_id)
                else:
                    await self._business(scope, receive, send_with_id)
            else:
                fault_ids = firing.rule_ids
                if firing.delay_ms > 0:
                    if not (tracker is not None or faults.needs_body):
                        # A slow server has the request in hand before it is slow: a client
                        # that gives up during the delay does not take the request back.
                        raw_body, receive = await _buffer_body(receive)
                    await asyncio.sleep(firing.delay_ms / 1000.0)
                # An injected answer carries the request id itself; the app's goes through
                # send_with_id (request id, evidence flush). Body kinds wrap either.
                out: Send = downstream if firing.answer is not None else send_with_id
                for kind, params, rule_id in firing.body:
                    out = kind.wrap(params, rule_id, out)
                if firing.answer is not None:
                    kind, params, rule_id = firing.answer
                    # The raw send too: ``close`` finds the transport behind it.
                    status = await kind.answer(params, AnswerContext(out, send, request_id,
                                                                     rule_id))
                else:
                    if firing.marks:
                        scope[MARKS_SCOPE_KEY] = firing.marks
                    await self._business(scope, receive, out)
        except BaseException as exc:
            if status == 0 and not isinstance(exc, ConnectionDropped):
                status = 500
            raise
        finally:
            route = _route_of(scope)
            if route == UNMATCHED_ROUTE and (firing is not None or status == 429):
                resolver = kit.route_resolver
                named = resolver(method, path) if resolver is not None else None
                route = named if named else _template_by_matching(self.app, scope)
            kit.journal.record(method, path, route, status,
                               (time.perf_counter() - started) * 1000.0, request_id, fault_ids)
            if tracker is not None:
                tracker.record(kit.evidence, scope, raw_body, arrived, status, request_id,
                               fault_ids, retry_after[0] if retry_after else None)

    async def _business(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.kit.rate_limiter
        if limiter is not None:
            retry_after = limiter.admit()
            if retry_after is not None:
                body = (b'{"error":{"code":"rate_limited","message":"more than '
                        + str(limiter.limit).encode() + b' requests per second","fields":[]}}')
                await send({"type": "http.response.start", "status": 429, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry_after).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
