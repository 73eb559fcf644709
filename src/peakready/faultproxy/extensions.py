"""peakready's extensions of the control API, all under ``/peakready/`` (docs/faultproxy.md).

Toxiproxy clients never call these paths, so the Toxiproxy surface stays exact.

=========================  ==================================================================
``GET /peakready/info``    versions, seed, enabled features
``GET /peakready/lease``   the current lease (404 ``no lease``)
``POST /peakready/lease``  take the lease ``{"holder": …, "ttl_ms": …}``: 201, or 200 when the
                           same holder takes it again (a renewal); 409 ``lease held by X``
``POST …/lease/renew``     ``{"holder": …, "ttl_ms"?: …}`` → 200; 404 none; 409 other holder
``DELETE /peakready/lease`` release (``?holder=`` optional check) → 204; no reset
=========================  ==================================================================

Toxic expiry needs no route: ``expires_in_ms`` on toxic create or update (see bodies.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from peakready import __version__
from peakready.faultproxy.apierror import ToxiproxyError, bad_request_body
from peakready.faultproxy.bodies import EXPIRES_KEY
from peakready.faultproxy.godecode import GoDecodeError, GoField, GoStruct, decode
from peakready.faultproxy.gojson import GoJSONError, decode_first
from peakready.faultproxy.httpserver import Request, Response
from peakready.faultproxy.lease import LeaseKeeper
from peakready.faultproxy.registry import ProxyRegistry
from peakready.faultproxy.responses import empty, json_body

__all__ = ["Extensions"]

_LEASE = GoStruct("LeaseRequest", "peakready.LeaseRequest",
                  (GoField("holder", "string"), GoField("ttl_ms", "int64")))

Params = dict[str, str]
RouteHandler = Callable[[Request, Params], Awaitable[Response]]


def _lease_body(body: bytes) -> dict[str, Any]:
    try:
        return decode(decode_first(body), _LEASE)
    except (GoJSONError, GoDecodeError) as exc:
        raise bad_request_body(exc) from None


class Extensions:
    def __init__(self, registry: ProxyRegistry, lease: LeaseKeeper) -> None:
        self.registry = registry
        self.lease = lease

    def routes(self) -> list[tuple[tuple[str, ...], dict[str, RouteHandler]]]:
        return [
            (("peakready", "info"), {"GET": self.info}),
            (("peakready", "lease"), {"GET": self.lease_show, "POST": self.lease_take,
                                      "DELETE": self.lease_release}),
            (("peakready", "lease", "renew"), {"POST": self.lease_renew}),
        ]

    async def info(self, request: Request, params: Params) -> Response:
        return json_body(200, {
            "peakready": __version__,
            "toxiproxy_api": "2.12.0",
            "seed": self.registry.seed,
            "extensions": ["lease", EXPIRES_KEY, "seed", "live_metrics"],
        })

    async def lease_show(self, request: Request, params: Params) -> Response:
        lease = self.lease.current
        if lease is None:
            raise ToxiproxyError(404, "no lease")
        return json_body(200, lease.to_json())

    async def lease_take(self, request: Request, params: Params) -> Response:
        fields = _lease_body(request.body)
        lease, new = self.lease.take(fields.get("holder", ""), fields.get("ttl_ms", 0))
        return json_body(201 if new else 200, lease.to_json())

    async def lease_renew(self, request: Request, params: Params) -> Response:
        fields = _lease_body(request.body)
        lease = self.lease.renew(fields.get("holder", ""), fields.get("ttl_ms"))
        return json_body(200, lease.to_json())

    async def lease_release(self, request: Request, params: Params) -> Response:
        holders = parse_qs(request.query).get("holder")
        self.lease.release(holders[-1] if holders else None)
        return empty(204)
