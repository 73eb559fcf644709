"""``FullPageCache``: the ASGI layer in front of the store that Varnish is in front of Magento.

::

    GET, not /rest, /checkout, /customer, /__admin; for /graphql no bearer token without an
    X-Magento-Cache-Id (spec §6) ─► key (store, path, sorted query, Store/Content-Currency)
        hit  ─► the stored answer, X-Magento-Cache-Debug: HIT; never reaches the worker pool
                (with the capacity model it costs the ``fpc_hit`` service time, no worker)
        miss ─► the app (through the capacity model); a 200 marked ``cache-control: public``
                with ``x-magento-tags`` is stored under its tags, which are stripped from the
                answer as Varnish strips them; X-Magento-Cache-Debug: MISS
    anything else passes through untouched

The cache itself is the store's (``store.page_cache``), so ``/__admin/reset`` empties it and
the invalidation rules (invalidation.py) reach it from the REST handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .cache import Entry

if TYPE_CHECKING:
    from ..state import Store

__all__ = ["FullPageCache"]

_BYPASS = ("/rest/", "/checkout", "/customer/", "/__admin")
_VARY = (b"store", b"content-currency", b"x-magento-cache-id")


class FullPageCache:
    def __init__(self, app: Any, store: Callable[[], Store], *,
                 hit_cost: Callable[[], float] | None = None) -> None:
        self.app = app
        self.store = store
        self.hit_cost = hit_cost   # seconds a hit takes (the capacity model's fpc_hit)

    def _key(self, scope: dict[str, Any]) -> tuple[str, ...] | None:
        path: str = scope["path"]
        if scope["method"] != "GET" or path.startswith(_BYPASS):
            return None
        headers = dict(scope.get("headers") or ())
        if path == "/graphql" and b"authorization" in headers \
                and b"x-magento-cache-id" not in headers:
            return None
        query = "&".join(sorted(scope.get("query_string", b"").decode("latin-1").split("&")))
        vary = tuple(headers.get(name, b"").decode("latin-1") for name in _VARY) \
            if path == "/graphql" else ()
        return (headers.get(b"host", b"").decode("latin-1"), path, query, *vary)

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        # A plain function handing on the next layer's coroutine: a request the cache does
        # not take (every REST call) costs no coroutine frame of its own.
        if scope["type"] != "http" or scope["path"].startswith(_BYPASS) \
                or not self.store().cfg.full_page_cache:
            return self.app(scope, receive, send)  # type: ignore[no-any-return]
        key = self._key(scope)
        if key is None:
            return self.app(scope, receive, send)  # type: ignore[no-any-return]
        return self._cached(key, scope, receive, send)

    async def _cached(self, key: tuple[str, ...], scope: dict[str, Any], receive: Any,
                      send: Any) -> None:
        cache = self.store().page_cache
        entry = cache.get(key)
        if entry is not None:
            if self.hit_cost is not None:
                await asyncio.sleep(self.hit_cost())
            await send({"type": "http.response.start", "status": entry.status,
                        "headers": [*entry.headers, (b"x-magento-cache-debug", b"HIT")]})
            await send({"type": "http.response.body", "body": entry.body})
            return
        held: list[dict[str, Any]] = []

        async def hold(message: dict[str, Any]) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        if start is None:
            for message in held:
                await send(message)
            return
        headers = list(start.get("headers") or ())
        tags = next((v for n, v in headers if n == b"x-magento-tags"), None)
        public = any(n == b"cache-control" and v.startswith(b"public") for n, v in headers)
        delivered = [(n, v) for n, v in headers if n not in (b"x-magento-tags",
                                                              b"content-length")]
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        if start["status"] == 200 and tags is not None and public:
            # the worker pool's timing headers belong to this miss, not to later hits
            kept = [(n, v) for n, v in delivered if not n.startswith(b"x-peakready-")]
            kept.append((b"content-length", str(len(body)).encode()))
            cache.put(key, Entry(200, tuple(kept), body,
                                 frozenset(t for t in tags.decode().split(",") if t)))
        await send({"type": "http.response.start", "status": start["status"],
                    "headers": [*delivered, (b"content-length", str(len(body)).encode()),
                                (b"x-magento-cache-debug", b"MISS")]})
        await send({"type": "http.response.body", "body": body})
