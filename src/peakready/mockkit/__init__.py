"""Building blocks for the estate's mocks (DESIGN §5): the mocks are the harness's witnesses.

::

    MockKit (app.py)                      one per mock process
    ├── MockMiddleware (middleware.py)    pure ASGI, every request:
    │     /__admin/* → admin app          request id → fault switch → rate limit → app → journal
    ├── Journal (journal.py)              exact counters per route/method/status and per fault
    │                                     rule + capped ring of recent requests (flat memory)
    ├── FaultSwitch (faults.py)           rules by path glob/regex + method, seeded rate, expiry
    │     └── fault_kinds.py              status, Retry-After, delay, slow body, truncate, close
    ├── EvidenceStore (evidence.py)       SQLite WAL: events (log) + entities (latest state),
    │                                     committed before the response is sent; survives kill -9
    ├── IdempotencyStore (idempotency.py) key → first response, replayed on repeats (durable)
    ├── ArrivalTracker (arrivals.py)      tracked routes: one durable event per request
    ├── RateLimiter (ratelimit.py)        N requests/s, then 429 + Retry-After
    ├── admin API (admin.py)              health, reset, faults, journal, evidence, openapi.json
    ├── resolve / render (contract.py)    an in-house API contract's JSON pointers and response
    │                                     templates (the ERP's and the CRM's contracts)
    └── Operation / build_openapi         one declaration → Starlette route + OpenAPI 3.1 entry
        (openapi.py), api.py              JSON responses, error envelope, validated bodies

Public surface, for the mocks in ``mocks/`` and for the Magento simulator:

* ``kit = MockKit(settings, title=..., evidence_kinds={"orders": "entity", ...})``
* ``kit.add(Operation(method, path, endpoint, summary, body=Model, responses={200: Model}))``
  then ``app = kit.build(lifespan=...)``; or ``app = kit.wrap(any_asgi_app)`` to put an app
  built elsewhere behind the middleware and mount the admin API beside it (set
  ``scope["peakready.route"]`` to the route template if the app is not Starlette, so the
  journal keys by template, and ``kit.route_resolver = fn(method, path) -> template | None``
  so requests answered by a fault are journaled under their template too). Register extra
  routes' docs with ``kit.add`` for the OpenAPI.
* ``kit.track_arrivals("POST", "/api/orders", "requests", extract)``: one evidence event per
  request on that route, faulted ones included (arrivals.py documents the shape).
* ``mock_config(settings, OptionsModel)``: ``settings.options`` over the YAML/JSON file in
  ``config``, validated as the mock's StrictModel (unknown keys refused, strict booleans).
* ``kit.on_reset(fn)``, ``kit.summary(fn)`` (derived evidence), ``kit.health(fn)``,
  ``kit.set_rate_limit(n)``; ``kit.add_admin(Operation("PUT", "/__admin/x", ...))`` for a
  mock's own admin routes (never faulted, not journaled, one error shape, in the OpenAPI).
* ``kit.evidence``: ``append(kind, data, key=)``, ``put(kind, key, data)``, ``get``,
  ``events(kind, after=)``, ``entities(kind, after_seq=)``, ``batch()`` (one commit).
* ``kit.idempotency.run(key, fingerprint(raw_body), produce) -> Outcome(response, replayed)``.
* ``scope["peakready.request_id"]``: the request id, for handlers to put in evidence.
* ``kit.journal``, ``kit.faults`` (``parse``/``replace``/``add``/``check``).
* ``parse_body(request, Model)``, ``json_body(request)``, ``json_response``, ``ApiError``
  (→ error envelope).

Evidence JSON shapes of each mock are documented in ``docs/mocks.md``.
"""

from __future__ import annotations

from peakready.mockkit.api import (
    ApiError,
    ErrorBody,
    JSONResponse,
    error_body,
    int_query,
    json_body,
    json_response,
    parse_body,
    validate,
)
from peakready.mockkit.app import EvidenceKind, LiveEvidence, MockKit
from peakready.mockkit.clock import iso_utc, parse_time
from peakready.mockkit.evidence import EvidenceStore
from peakready.mockkit.fault_kinds import KINDS, ConnectionDropped, FaultKind
from peakready.mockkit.faults import FaultError, FaultRule, FaultSwitch
from peakready.mockkit.idempotency import IdempotencyStore, Outcome, fingerprint
from peakready.mockkit.journal import Journal
from peakready.mockkit.middleware import ADMIN_PREFIX, REQUEST_ID_HEADER, MockMiddleware
from peakready.mockkit.openapi import Operation, Param, build_openapi
from peakready.mockkit.options import mock_config
from peakready.mockkit.ratelimit import RateLimiter
from peakready.mockkit.settings import DEFAULT_PORTS, MockSettings

__all__ = [
    "ADMIN_PREFIX",
    "DEFAULT_PORTS",
    "KINDS",
    "REQUEST_ID_HEADER",
    "ApiError",
    "ConnectionDropped",
    "ErrorBody",
    "EvidenceKind",
    "EvidenceStore",
    "FaultError",
    "FaultKind",
    "FaultRule",
    "FaultSwitch",
    "IdempotencyStore",
    "JSONResponse",
    "Journal",
    "LiveEvidence",
    "MockKit",
    "MockMiddleware",
    "MockSettings",
    "Operation",
    "Outcome",
    "Param",
    "RateLimiter",
    "build_openapi",
    "error_body",
    "fingerprint",
    "int_query",
    "iso_utc",
    "json_body",
    "json_response",
    "mock_config",
    "parse_body",
    "parse_time",
    "validate",
]
