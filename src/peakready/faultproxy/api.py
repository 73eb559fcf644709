"""Toxiproxy 2.12's control API (toxiproxy-api.md §2, §3), plus peakready's extensions.

::

    request ─► browser guard (403) ─► path clean (301) ─► route ─► handler ─► Response
                                         no route: 404 text │ wrong method: 405 empty

Routes match the percent-decoded path one segment per variable, with no trailing-slash
tolerance (``/proxies/`` is 404), as gorilla/mux does for Toxiproxy. Handlers raise
:class:`ToxiproxyError` for every refusal; bodies are decoded in :mod:`.bodies` with Go's rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from peakready.faultproxy import bodies, metrics
from peakready.faultproxy.apierror import ToxiproxyError
from peakready.faultproxy.extensions import Extensions
from peakready.faultproxy.gojson import marshal
from peakready.faultproxy.httpserver import Request, Response
from peakready.faultproxy.lease import LeaseKeeper
from peakready.faultproxy.proxy import Proxy
from peakready.faultproxy.registry import ProxyRegistry
from peakready.faultproxy.responses import empty, error, json_body, not_found, plain

__all__ = ["TOXIPROXY_VERSION", "ControlApi"]

log = logging.getLogger("peakready.faultproxy.api")

TOXIPROXY_VERSION = "2.12.0"  # what clients parse (must be >= 2.6.0: spec §9)
_VERSION_BODY = f'{{"version": "{TOXIPROXY_VERSION}"}}\n'.encode()
Params = dict[str, str]
RouteHandler = Callable[[Request, Params], Awaitable[Response]]


def clean_path(path: str) -> str:
    """gorilla/mux's cleanPath: Go's ``path.Clean`` keeping one trailing slash."""
    if not path:
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):  # POSIX keeps a leading "//"; Go does not
        cleaned = "/" + cleaned.lstrip("/")
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


class ControlApi:
    """Routes requests to the registry; one instance per server."""

    def __init__(self, registry: ProxyRegistry, lease: LeaseKeeper, *,
                 metrics_enabled: bool = True) -> None:
        self.registry = registry
        self.lease = lease
        self.metrics_enabled = metrics_enabled
        ext = Extensions(registry, lease)
        self._routes: list[tuple[tuple[str, ...], dict[str, RouteHandler]]] = [
            (("version",), {"GET": self.version}),
            (("proxies",), {"GET": self.proxy_index, "POST": self.proxy_create}),
            (("populate",), {"POST": self.populate}),
            (("reset",), {"POST": self.reset}),
            (("proxies", "{proxy}"), {"GET": self.proxy_show, "POST": self.proxy_update,
                                      "PATCH": self.proxy_update, "DELETE": self.proxy_delete}),
            (("proxies", "{proxy}", "toxics"), {"GET": self.toxic_index,
                                                "POST": self.toxic_create}),
            (("proxies", "{proxy}", "toxics", "{toxic}"), {
                "GET": self.toxic_show, "POST": self.toxic_update, "PATCH": self.toxic_update,
                "DELETE": self.toxic_delete}),
            *ext.routes(),
        ]

    # -- dispatch ------------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        if request.headers.get("user-agent", "").startswith("Mozilla/"):
            return plain(403, "User agent not allowed")
        if request.path == "*":
            return empty(200) if request.method == "OPTIONS" else not_found()
        cleaned = clean_path(request.path)
        if cleaned != request.path:
            location = quote(cleaned, safe="/:@!$&'()*+,;=-._~")
            if request.query:
                location += "?" + request.query
            return Response(301, headers=[("Location", location)])
        if request.path == "/metrics" and self.metrics_enabled:
            return Response(200, self.render_metrics(), metrics.CONTENT_TYPE)
        segments = tuple(request.path[1:].split("/"))
        for pattern, methods in self._routes:
            params = _match(pattern, segments)
            if params is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                return empty(405)
            try:
                return await handler(request, params)
            except ToxiproxyError as exc:
                if exc.status >= 500:
                    log.warning("%s %s: %s", request.method, request.path, exc.message)
                return error(exc)
        return not_found()

    def render_metrics(self) -> bytes:
        reg = self.registry
        return metrics.render(reg.proxies(), toxics_added=reg.toxics_added,
                              toxics_expired=reg.toxics_expired, resets=reg.resets,
                              lease_lapses=self.lease.lapses,
                              lease_held=self.lease.current is not None)

    # -- Toxiproxy endpoints -------------------------------------------------------------------
    async def version(self, request: Request, params: Params) -> Response:
        # Spec §3, byte for byte as toxiproxy-server writes it (a space after the colon, a
        # trailing newline): strict clients compare the whole body. Our own identity travels in
        # the X-Peakready-Version header and /peakready/info, never in this body.
        return Response(200, _VERSION_BODY, "application/json;charset=utf-8")

    async def proxy_index(self, request: Request, params: Params) -> Response:
        return json_body(200, {p.name: p.to_json() for p in self.registry.proxies()})

    async def proxy_create(self, request: Request, params: Params) -> Response:
        spec = bodies.parse_proxy_create(request.body)
        proxy = await self.registry.create(spec)
        return json_body(201, proxy.to_json())

    async def populate(self, request: Request, params: Params) -> Response:
        try:
            specs = bodies.parse_populate(request.body)
        except ToxiproxyError as exc:
            return _populate_answer(exc, [])
        proxies, failure = await self.registry.populate(specs)
        if failure is not None:
            log.warning("populate stopped at an error: %s", failure.message)
        return _populate_answer(failure, proxies)

    async def reset(self, request: Request, params: Params) -> Response:
        await self.registry.reset()
        for proxy in self.registry.proxies():
            await _settle(proxy)
        return empty(204)

    async def proxy_show(self, request: Request, params: Params) -> Response:
        return json_body(200, self.registry.get(params["proxy"]).to_json())

    async def proxy_update(self, request: Request, params: Params) -> Response:
        proxy = self.registry.get(params["proxy"])
        fields = bodies.parse_proxy_update(request.body)
        await self.registry.update(proxy.name, fields)
        return json_body(200, proxy.to_json())

    async def proxy_delete(self, request: Request, params: Params) -> Response:
        await self.registry.delete(params["proxy"])
        return empty(204)

    async def toxic_index(self, request: Request, params: Params) -> Response:
        proxy = self.registry.get(params["proxy"])
        return json_body(200, [t.to_json() for t in proxy.toxics])

    async def toxic_create(self, request: Request, params: Params) -> Response:
        proxy = self.registry.get(params["proxy"])
        spec = bodies.parse_toxic_create(request.body,
                                         lambda name: proxy.get_toxic(name) is not None)
        toxic = self.registry.add_toxic(proxy, spec)
        await _settle(proxy)
        return json_body(200, toxic.to_json())

    def _toxic(self, params: Params) -> tuple[Proxy, str]:
        proxy = self.registry.get(params["proxy"])
        if proxy.get_toxic(params["toxic"]) is None:
            raise ToxiproxyError.toxic_not_found()
        return proxy, params["toxic"]

    async def toxic_show(self, request: Request, params: Params) -> Response:
        proxy, name = self._toxic(params)
        toxic = proxy.get_toxic(name)
        assert toxic is not None
        return json_body(200, toxic.to_json())

    async def toxic_update(self, request: Request, params: Params) -> Response:
        proxy, name = self._toxic(params)
        current = proxy.get_toxic(name)
        assert current is not None
        change = bodies.parse_toxic_update(request.body, current.type, current.attributes)
        toxic = self.registry.update_toxic(proxy, name, change)
        await _settle(proxy)
        return json_body(200, toxic.to_json())

    async def toxic_delete(self, request: Request, params: Params) -> Response:
        proxy, name = self._toxic(params)
        self.registry.remove_toxic(proxy, name)
        await _settle(proxy)
        return empty(204)


async def _settle(proxy: Proxy) -> None:
    """Answer once open links have applied the change, as Toxiproxy does (bounded wait)."""
    settle = getattr(proxy, "settle", None)
    if settle is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settle(), 5.0)


def _match(pattern: tuple[str, ...], segments: tuple[str, ...]) -> Params | None:
    if len(pattern) != len(segments):
        return None
    params: Params = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


def _populate_answer(failure: ToxiproxyError | None, proxies: list[Proxy]) -> Response:
    """Populate answers are JSON even on error, carrying the proxies done so far (§3.1).

    Deliberate deviation: a successful empty populate answers ``{"proxies":[]}`` where
    Toxiproxy answers ``null``, because the Node client iterates the key (``for … of null``
    throws) and the Ruby gem maps it (``nil.map`` raises); Go decodes both alike. Error
    answers keep Toxiproxy's ``null`` (no client reads the key on an error status).
    """
    listed = [p.to_json() for p in proxies]
    if failure is None:
        return json_body(201, {"proxies": listed})
    body = {"error": failure.message, "status": failure.status, "proxies": listed or None}
    return Response(failure.status, marshal(body), "application/json")
