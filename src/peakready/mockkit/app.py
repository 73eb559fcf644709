"""``MockKit``: one mock's journal, fault switch, evidence, idempotency and admin API.

::

    kit = MockKit(settings, title="ERP mock", evidence_kinds={"orders": "entity",
                                                               "requests": "event"})
    kit.add(Operation("POST", "/api/orders", create_order, "Create a sales order", body=...))
    kit.on_reset(reseed)                     # business state cleared on POST /__admin/reset
    kit.summary(lambda: {...})               # derived figures in GET /__admin/evidence
    app = kit.build(lifespan=...)            # Starlette app of the operations, wrapped

or, for an app built elsewhere (the Magento simulator): ``app = kit.wrap(my_asgi_app)``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp

from peakready.mockkit.admin import admin_app, admin_operations
from peakready.mockkit.api import ApiError, api_error_handler, http_exception_handler
from peakready.mockkit.arrivals import ArrivalTracker, Extractor
from peakready.mockkit.evidence import EvidenceStore
from peakready.mockkit.faults import FaultSwitch
from peakready.mockkit.idempotency import IdempotencyStore
from peakready.mockkit.journal import Journal
from peakready.mockkit.middleware import ADMIN_PREFIX, MockMiddleware
from peakready.mockkit.openapi import Operation, build_openapi
from peakready.mockkit.ratelimit import RateLimiter
from peakready.mockkit.settings import MockSettings

__all__ = ["EvidenceKind", "LiveEvidence", "MockKit"]

log = logging.getLogger("peakready.mockkit")
EvidenceKind = Literal["event", "entity", "live"]
Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[None]]
# (after, limit, since) → (records, next_after): one page of an in-memory kind, in cursor order
LivePage = Callable[[int, int, float | None], tuple[list[dict[str, Any]], int]]


@dataclass(frozen=True)
class LiveEvidence:
    """An evidence kind read from a mock's memory instead of the durable store (the Magento
    simulator's orders, customers, source items, reservations): paged the same way."""

    page: LivePage
    count: Callable[[], int]


class MockKit:
    def __init__(self, settings: MockSettings, *, title: str, version: str = "1.0.0",
                 description: str = "", ring_size: int = 1000,
                 evidence_kinds: dict[str, EvidenceKind] | None = None,
                 durability: Literal["normal", "full"] = "normal") -> None:
        self.settings = settings
        self.title = title
        self.version = version
        self.description = description
        self.journal = Journal(ring_size)
        self.faults = FaultSwitch(settings.seed)
        self.evidence = EvidenceStore(settings.data_dir, durability=durability)
        self.idempotency = IdempotencyStore(self.evidence)
        self.rate_limiter: RateLimiter | None = None
        self.evidence_kinds: dict[str, EvidenceKind] = dict(evidence_kinds or {})
        self.live: dict[str, LiveEvidence] = {}
        self.operations: list[Operation] = []
        self._admin_ops = admin_operations(self)
        self._reset_hooks: list[Callable[[], None]] = []
        self._summaries: list[Callable[[], dict[str, Any]]] = []
        self._health: list[Callable[[], dict[str, Any]]] = []
        self._openapi: dict[str, Any] | None = None
        self.tracked: dict[tuple[str, str], ArrivalTracker] = {}
        # (method, path prefix, tracker): routes whose path carries a key (``.../eid:X``)
        self.tracked_prefixes: list[tuple[str, str, ArrivalTracker]] = []
        # For apps that are not Starlette: (method, path) → route template, used to journal a
        # request a fault or the rate limit answered before the app could name its route.
        self.route_resolver: Callable[[str, str], str | None] | None = None

    # -- declaration ------------------------------------------------------------------------

    def add(self, *operations: Operation) -> None:
        self.operations.extend(operations)
        self._openapi = None

    def add_admin(self, *operations: Operation) -> None:
        """A mock's own admin routes (under ``/__admin``), served like the kit's: never faulted,
        not journaled, the one error envelope, listed in the OpenAPI document. Call before
        ``build``/``wrap``."""
        for op in operations:
            if not op.path.startswith(ADMIN_PREFIX + "/"):
                raise ValueError(f"admin route {op.path!r} must start with {ADMIN_PREFIX}/")
        self._admin_ops.extend(operations)
        self._openapi = None

    def on_reset(self, hook: Callable[[], None]) -> Callable[[], None]:
        self._reset_hooks.append(hook)
        return hook

    def summary(self, fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        """Register derived evidence (duplicates, double captures...) for /__admin/evidence."""
        self._summaries.append(fn)
        return fn

    def health(self, fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        self._health.append(fn)
        return fn

    def track_arrivals(self, method: str, path: str, kind: str,
                       extract: Extractor | None = None) -> None:
        """Record every ``method path`` request as an evidence event of ``kind`` (an exact
        path), including those a fault or the rate limit answered: retry spacing and attempt
        counts are judged from these. ``extract(body, headers)`` adds fields from the request.
        A path ending in ``*`` tracks every path under that prefix.
        """
        tracker = ArrivalTracker(kind, extract)
        if path.endswith("*"):
            self.tracked_prefixes.append((method.upper(), path[:-1], tracker))
        else:
            self.tracked[(method.upper(), path)] = tracker
        self.evidence_kinds.setdefault(kind, "event")

    def tracker_for(self, method: str, path: str) -> ArrivalTracker | None:
        """The arrival tracker of a request, if its route is tracked."""
        tracker = self.tracked.get((method, path)) if self.tracked else None
        if tracker is None and self.tracked_prefixes:
            for tracked_method, prefix, candidate in self.tracked_prefixes:
                if method == tracked_method and path.startswith(prefix):
                    return candidate
        return tracker

    def live_evidence(self, kind: str, page: LivePage, count: Callable[[], int]) -> None:
        """Serve ``kind`` in ``GET /__admin/evidence`` from memory: ``page(after, limit,
        since)`` returns records with a cursor above ``after`` and the cursor to resume at."""
        self.live[kind] = LiveEvidence(page, count)
        self.evidence_kinds[kind] = "live"

    def set_rate_limit(self, per_second: int | None, retry_after: int | None = None,
                       clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_limiter = None if not per_second else RateLimiter(
            per_second, retry_after=retry_after, clock=clock)

    # -- what the admin API serves ----------------------------------------------------------

    def reset(self) -> None:
        self.journal.reset()
        self.faults.clear()
        self.evidence.clear()
        self.idempotency.reset()
        if self.rate_limiter is not None:
            self.rate_limiter.rejected = 0
        for hook in self._reset_hooks:
            hook()
        log.info("%s: reset", self.settings.name)

    def health_extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fn in self._health:
            out.update(fn())
        return out

    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            self._openapi = build_openapi(self.title, self.version,
                                          [*self.operations, *self._admin_ops],
                                          self.description)
        return self._openapi

    def evidence_body(self, kind: str | None, after: int, limit: int,
                      since: float | None = None) -> dict[str, Any]:
        """``GET /__admin/evidence``: every kind (``limit`` each), or one kind paged by
        ``after`` (event id, entity change sequence, or a live kind's cursor) with
        ``next_after``; ``since`` keeps records whose time is at or after it."""
        if kind is not None and kind not in self.evidence_kinds:
            raise ApiError(400, "unknown_kind", f"kind: no evidence kind {kind!r}; known: "
                           f"{', '.join(sorted(self.evidence_kinds)) or 'none'}",
                           [{"field": "kind", "reason": "unknown"}])
        kinds = self.evidence_kinds if kind is None else {kind: self.evidence_kinds[kind]}
        records: dict[str, list[dict[str, Any]]] = {}
        truncated = False
        next_after = after
        for name, shape in kinds.items():
            if shape == "live":
                rows, next_after = self.live[name].page(after, limit, since)
            elif shape == "entity":
                rows = self.evidence.entities(name, after_seq=after, limit=limit, since=since)
                if rows:
                    next_after = rows[-1]["seq"]
            else:
                rows = self.evidence.events(name, after=after, limit=limit, since=since)
                if rows:
                    next_after = rows[-1]["id"]
            truncated = truncated or len(rows) >= limit
            records[name] = rows
        body: dict[str, Any] = {"mock": self.settings.name, "counts": {
            name: self.live[name].count() if shape == "live" else self.evidence.count(name)
            for name, shape in self.evidence_kinds.items()}}
        if kind is None:
            summary: dict[str, Any] = {}
            for fn in self._summaries:
                summary.update(fn())
            body["summary"] = summary
        else:
            body["kind"] = kind
            body["next_after"] = next_after
        body["records"] = records
        body["truncated"] = truncated
        return body

    # -- assembling the ASGI app ------------------------------------------------------------

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """``app`` behind request ids, faults, rate limit and journal; admin API beside it."""
        return MockMiddleware(app, self, admin_app(self, self._admin_ops))

    def starlette(self, operations: Iterable[Operation] | None = None,
                  lifespan: Lifespan | None = None) -> Starlette:
        ops = self.operations if operations is None else list(operations)
        routes = [Route(op.path, op.endpoint, methods=[op.method]) for op in ops]
        kit = self

        @contextlib.asynccontextmanager
        async def lifespan_with_close(app: Any) -> AsyncIterator[None]:
            try:
                if lifespan is None:
                    yield
                else:
                    async with lifespan(app):
                        yield
            finally:
                kit.evidence.close()

        return Starlette(routes=routes, lifespan=lifespan_with_close, exception_handlers={
            ApiError: api_error_handler, HTTPException: http_exception_handler})

    def build(self, lifespan: Lifespan | None = None) -> ASGIApp:
        return self.wrap(self.starlette(lifespan=lifespan))
