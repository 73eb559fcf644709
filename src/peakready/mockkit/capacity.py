"""A capacity model: make any ASGI app saturate like a PHP-FPM store.

::

    request ─► route match ─► worker pool (N workers, FIFO queue, optional backlog limit → 503)
                 (first pattern    │ a worker is held for max(service time, real handler time):
                  that matches)    │ the handler runs at once, its response is held back until
                                   ▼ the service time drawn for its route has passed
                              response (+ x-peakready-wait-ms / x-peakready-service-ms)

Service times are lognormal per route (median, sigma), drawn from one seeded stream per route,
so the same requests in the same order get the same times. ``report(mix)`` states the pool,
the parameters and the theoretical ceiling ``workers / E[service]`` for a route mix, with
``E[service] = exp(mu + sigma^2 / 2)`` and ``mu = ln(median)``.

Default pool: §8.4 of spec/magento-rest.md (Adobe sizing rule) says one core serves about 2
uncached requests at a time; a 4-core web node (the Magento 2.0 white paper's small merchant)
therefore gives 8 workers. §8.4 publishes no per-request timings, so the default medians are
assumptions typical of an uncached Magento 2.4 store (product read ~30 ms, add to cart ~80 ms,
place order ~250 ms; an uncached category or product page ~250 ms, a full-page cache hit ~3 ms
without a worker, ``cache_hit``); measure yours (the toolkit's per-request medians, §8.3) and
override.
Off by default: ``with_capacity(app, None)`` returns ``app`` itself, costing nothing.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import random
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from peakready.configmodel import validate
from peakready.errors import ConfigError
from peakready.mockkit.capacity_options import CapacityOptions, RouteOptions

__all__ = [
    "CACHE_HIT",
    "DEFAULT_ROUTES",
    "CapacityConfig",
    "CapacityModel",
    "RouteCost",
    "disabled_report",
    "parse_mix",
    "with_capacity",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _compile(method: str, path: str) -> re.Pattern[str]:
    """``POST|PUT **/V1/guest-carts|carts/{cart}/items`` → one anchored regex.

    ``{name}`` is one path segment, ``**`` any number of segments (zero included),
    ``a|b`` alternatives for a literal segment or the method, ``*`` any method.
    """
    parts = []
    for segment in path.strip("/").split("/"):
        if segment == "**":
            parts.append(r"(?:/[^/]+)*")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(r"/[^/]+")
        elif segment:
            parts.append("/(?:" + "|".join(re.escape(s) for s in segment.split("|")) + ")")
    methods = ".+" if method == "*" else "|".join(re.escape(m.upper()) for m in method.split("|"))
    return re.compile(f"^(?:{methods}) {''.join(parts)}$")


@dataclass(frozen=True)
class RouteCost:
    """Service time of one route pattern: lognormal with this median and sigma (of ln t)."""

    name: str
    method: str
    path: str
    median_ms: float
    sigma: float = 0.5
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.median_ms > 0 or not math.isfinite(self.median_ms):
            raise ConfigError(f"capacity route {self.name!r}: median_ms = {self.median_ms!r} "
                              f"must be a positive number of milliseconds")
        if not 0 <= self.sigma <= 3:
            raise ConfigError(f"capacity route {self.name!r}: sigma = {self.sigma!r} must be "
                              f"between 0 (constant) and 3")
        object.__setattr__(self, "regex", _compile(self.method, self.path))

    @property
    def mean_ms(self) -> float:
        return math.exp(math.log(self.median_ms) + self.sigma**2 / 2)

    def matches(self, method: str, path: str) -> bool:
        return self.regex.match(f"{method.upper()} {path.rstrip('/')}") is not None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "method": self.method, "path": self.path,
                "median_ms": self.median_ms, "sigma": self.sigma,
                "mean_ms": round(self.mean_ms, 3)}


_RECENT = 4096  # waits kept for the percentiles in report()
_CART = "**/V1/guest-carts|carts/{cart}"
# First match wins: specific cart steps before the cart catch-alls, product reads before saves.
DEFAULT_ROUTES: tuple[RouteCost, ...] = (
    RouteCost("place_order", "POST|PUT", f"{_CART}/payment-information|order", 250, 0.5),
    RouteCost("add_to_cart", "POST|PUT|DELETE", f"{_CART}/items/**", 80, 0.5),
    RouteCost("shipping_information", "POST", f"{_CART}/shipping-information", 90, 0.5),
    RouteCost("estimate_shipping", "POST",
              f"{_CART}/estimate-shipping-methods|estimate-shipping-methods-by-address-id",
              60, 0.5),
    RouteCost("cart_totals", "GET", f"{_CART}/totals", 45, 0.5),
    RouteCost("cart_write", "POST|PUT", "**/V1/guest-carts|carts/**", 40, 0.5),
    RouteCost("cart_read", "GET", "**/V1/guest-carts|carts/**", 35, 0.5),
    RouteCost("product_get", "GET", "**/V1/products/{sku}", 30, 0.5),
    RouteCost("product_list", "GET", "**/V1/products", 60, 0.6),
    RouteCost("stock_update", "PUT", "**/V1/products/{sku}/stockItems/{item}", 50, 0.5),
    RouteCost("product_save", "POST|PUT|DELETE", "**/V1/products/**", 150, 0.5),
    RouteCost("category_read", "GET", "**/V1/categories/**", 40, 0.5),
    RouteCost("search", "GET", "**/V1/search/**", 80, 0.6),
    RouteCost("inventory_write", "POST", "**/V1/inventory/**", 60, 0.5),
    RouteCost("inventory_read", "GET", "**/V1/inventory/**", 25, 0.5),
    RouteCost("customer_create", "POST", "**/V1/customers", 120, 0.4),
    RouteCost("customer_read", "GET", "**/V1/customers/**", 40, 0.5),
    RouteCost("token", "POST", "**/V1/integration/**", 40, 0.4),
    RouteCost("order_list", "GET", "**/V1/orders", 80, 0.6),
    RouteCost("order_read", "GET", "**/V1/orders/{id}", 40, 0.5),
    RouteCost("order_action", "POST", "**/V1/order|orders/{id}/**", 150, 0.5),
    RouteCost("async_bulk", "POST|PUT|DELETE", "**/async/**", 30, 0.5),
    # The storefront: GraphQL (one endpoint; a query's cost is not told apart from a
    # mutation's) and Luma's HTML pages as rendered by PHP, i.e. full-page cache misses.
    RouteCost("graphql", "GET|POST", "/graphql", 80, 0.6),
    RouteCost("page_search", "GET", "/catalogsearch/**", 350, 0.5),
    RouteCost("page_cart_add", "POST", "/checkout/cart/add", 150, 0.5),
    RouteCost("page_section_load", "GET", "/customer/section/load", 60, 0.5),
    RouteCost("page_checkout", "GET", "/checkout", 250, 0.5),
    RouteCost("page_home", "GET", "/", 250, 0.5),
    RouteCost("page_view", "GET", "/{page}", 250, 0.5),
)
DEFAULT_ROUTE = RouteCost("default", "*", "**", 50, 0.5)
#: A full-page cache hit (Varnish answers it; no PHP worker is taken): a few milliseconds.
CACHE_HIT = RouteCost("cache_hit", "GET", "**", 3, 0.3)


@dataclass(frozen=True)
class CapacityConfig:
    """The pool and its service times. ``queue_limit`` None = unbounded, 0 = no queue."""

    workers: int = 8
    queue_limit: int | None = None
    seed: int = 0
    routes: tuple[RouteCost, ...] = DEFAULT_ROUTES
    default: RouteCost = DEFAULT_ROUTE
    cache_hit: RouteCost = CACHE_HIT
    exempt_prefixes: tuple[str, ...] = ("/__admin",)
    reject_status: int = 503
    timing_headers: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError(f"capacity.workers = {self.workers!r}: need at least 1 worker")
        if self.queue_limit is not None and self.queue_limit < 0:
            raise ConfigError(f"capacity.queue_limit = {self.queue_limit!r}: use a count >= 0, "
                              f"or null for an unbounded queue")

    def route_for(self, method: str, path: str) -> RouteCost:
        for route in self.routes:
            if route.matches(method, path):
                return route
        return self.default

    def route_named(self, name: str) -> RouteCost | None:
        if name == self.default.name:
            return self.default
        return next((r for r in self.routes if r.name == name), None)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, source: str = "simulator config",
                     at: str = "capacity") -> CapacityConfig:
        """Build from plain data (a settings file section); ``routes`` override by name.

        ``{workers: 4, queue_limit: 64, seed: 1, routes: [{name: place_order, median_ms: 400},
        {name: wishlist, method: POST, path: "**/V1/wishlist/**", median_ms: 70}],
        default: {median_ms: 40}}``. Validated by :class:`CapacityOptions` (capacity_options.py,
        the one config mechanism): a ConfigError names ``source``, the key path under ``at``
        and the value.
        """
        spec = validate(CapacityOptions, options, source=source, what="capacity model", at=at)
        routes = list(DEFAULT_ROUTES)
        for i, item in enumerate(spec.routes):
            routes = _merge_route(routes, item, f"{source}: {at}.routes.{i}")
        default = DEFAULT_ROUTE
        if spec.default is not None:
            default = RouteCost("default", "*", "**",
                                _or(spec.default.median_ms, DEFAULT_ROUTE.median_ms),
                                _or(spec.default.sigma, DEFAULT_ROUTE.sigma))
        return cls(workers=spec.workers, queue_limit=spec.queue_limit, seed=spec.seed,
                   routes=tuple(routes), default=default,
                   exempt_prefixes=tuple(spec.exempt_prefixes),
                   reject_status=spec.reject_status, timing_headers=spec.timing_headers)


def _or(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def _merge_route(routes: list[RouteCost], item: RouteOptions, where: str) -> list[RouteCost]:
    existing = next((i for i, r in enumerate(routes) if r.name == item.name), None)
    if existing is not None:
        base = routes[existing]
        routes[existing] = RouteCost(item.name, item.method or base.method,
                                     item.path or base.path, _or(item.median_ms, base.median_ms),
                                     _or(item.sigma, base.sigma))
        return routes
    if item.method is None or item.path is None or item.median_ms is None:
        raise ConfigError(f"{where}: new route {item.name!r} needs method, path and median_ms")
    # New routes go first: a user's specific pattern must beat the catch-alls.
    new = RouteCost(item.name, item.method, item.path, item.median_ms, _or(item.sigma, 0.5))
    return [new, *routes]


def parse_mix(text: str | None) -> dict[str, float] | None:
    """``?mix=`` as JSON (``{"product_get": 60}``) or ``product_get=60,place_order=7``."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if text.startswith("{"):
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            return {str(k): float(v) for k, v in raw.items()}
        mix = {}
        for part in text.split(","):
            name, sep, weight = part.partition("=")
            if not sep:
                raise ValueError(f"{part!r} has no '='")
            mix[name.strip()] = float(weight)
        return mix
    except ValueError as exc:
        raise ConfigError(f"mix {text!r}: {exc}; write route=weight,route=weight or a JSON "
                          f"object of route names to weights") from exc


def disabled_report() -> dict[str, Any]:
    """What ``GET /__admin/capacity`` answers when the model is off."""
    return {"enabled": False, "hint": "start the simulator with --capacity-model on"}


class _Pool:
    """N workers handed over in FIFO order; a waiter cancelled after the hand-off passes it on.

    ``acquire`` returns the loop time at which the worker became the caller's: for a queued
    request that is the moment of hand-off, not the moment its task got scheduled again, so
    event-loop latency on a busy machine does not eat into the modelled capacity.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.free = workers
        self.waiters: collections.deque[asyncio.Future[float]] = collections.deque()

    async def acquire(self) -> float:
        loop = asyncio.get_running_loop()
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return loop.time()
        waiter: asyncio.Future[float] = loop.create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # we were handed a worker but will not use it
            elif waiter in self.waiters:
                self.waiters.remove(waiter)
            raise

    def release(self, at: float | None = None) -> None:
        """Free a worker that became free at loop time ``at`` (default: now)."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                # Hand the worker straight over: the busy count does not change.
                waiter.set_result(asyncio.get_running_loop().time() if at is None else at)
                return
        self.free += 1


@dataclass
class _RouteStats:
    served: int = 0
    rejected: int = 0
    wait_s: float = 0.0
    service_s: float = 0.0


class CapacityModel:
    """ASGI middleware: ``CapacityModel(app, CapacityConfig(workers=8))``."""

    def __init__(self, app: ASGIApp, config: CapacityConfig | None = None) -> None:
        self.app = app
        self.config = config or CapacityConfig()
        self._pool = _Pool(self.config.workers)
        self._rngs: dict[str, random.Random] = {}
        self._stats: dict[str, _RouteStats] = collections.defaultdict(_RouteStats)
        self.peak_queue = 0
        self.max_wait_s = 0.0
        self.busy_s = 0.0  # worker-seconds held: utilisation = busy_s / (workers x elapsed)
        # Counters are exact; percentiles come from the most recent waits only (bounded).
        self._recent_waits: collections.deque[float] = collections.deque(maxlen=_RECENT)

    # -- service times -------------------------------------------------------------------
    def draw_service_time(self, route: RouteCost) -> float:
        """Next service time in seconds for ``route`` (one seeded stream per route name)."""
        rng = self._rngs.get(route.name)
        if rng is None:
            rng = self._rngs[route.name] = random.Random(f"{self.config.seed}:{route.name}")
        return route.median_ms / 1000.0 * math.exp(route.sigma * rng.gauss(0.0, 1.0))

    # -- accounting ----------------------------------------------------------------------
    @property
    def busy(self) -> int:
        return self._pool.workers - self._pool.free

    @property
    def queued(self) -> int:
        return len(self._pool.waiters)

    def reset(self) -> None:
        """Forget counters and restart the random streams (the pool itself is left alone)."""
        self._rngs.clear()
        self._stats.clear()
        self.peak_queue = 0
        self.max_wait_s = 0.0
        self.busy_s = 0.0
        self._recent_waits.clear()

    def ceiling(self, mix: Mapping[str, float]) -> dict[str, Any]:
        """Theoretical throughput for ``mix`` (route name, or "METHOD /path", → weight)."""
        weights: dict[str, float] = collections.defaultdict(float)
        for key, weight in mix.items():
            if weight < 0 or not math.isfinite(weight):
                raise ConfigError(f"mix weight for {key!r} = {weight!r} must be >= 0")
            route = self.config.route_named(key)
            if route is None:
                method, _, path = key.partition(" ")
                if not path.startswith("/"):
                    raise ConfigError(f"mix key {key!r} is neither a route name nor "
                                      f"'METHOD /path'; route names: {self._names()}")
                route = self.config.route_for(method, path)
            weights[route.name] += weight
        total = sum(weights.values())
        if total <= 0:
            raise ConfigError("mix weights sum to 0: give at least one positive weight")
        mean_s = sum(w / total * self._by_name(n).mean_ms for n, w in weights.items()) / 1000.0
        return {"mix": {n: round(w / total, 6) for n, w in sorted(weights.items())},
                "mean_service_ms": round(mean_s * 1000.0, 3),
                "requests_per_second": self.config.workers / mean_s,
                "requests_per_minute": 60.0 * self.config.workers / mean_s}

    def report(self, mix: Mapping[str, float] | None = None) -> dict[str, Any]:
        """Pool, parameters, live accounting and the ceiling (for ``mix``, else as observed)."""
        observed = {name: float(s.served) for name, s in self._stats.items() if s.served}
        chosen, source = (mix, "given") if mix else (observed, "observed")
        served = sum(s.served for s in self._stats.values())
        wait_total = sum(s.wait_s for s in self._stats.values())
        return {
            "enabled": True,
            "workers": self.config.workers,
            "queue_limit": self.config.queue_limit,
            "seed": self.config.seed,
            "routes": [r.describe() for r in (*self.config.routes, self.config.default)],
            "state": {
                "busy": self.busy, "queued": self.queued, "peak_queue": self.peak_queue,
                "served": served,
                "rejected": sum(s.rejected for s in self._stats.values()),
                "wait_ms_mean": round(1000.0 * wait_total / served, 3) if served else 0.0,
                "wait_ms_max": round(1000.0 * self.max_wait_s, 3),
                "recent_wait_ms": self._recent_percentiles(),
                "busy_worker_seconds": round(self.busy_s, 6),
                "per_route": {n: {"served": s.served, "rejected": s.rejected,
                                  "wait_ms_mean": round(1000 * s.wait_s / s.served, 3)
                                  if s.served else 0.0,
                                  "service_ms_mean": round(1000 * s.service_s / s.served, 3)
                                  if s.served else 0.0}
                              for n, s in sorted(self._stats.items())},
            },
            "ceiling": {"source": source, **self.ceiling(chosen)} if chosen else None,
        }

    def _recent_percentiles(self) -> dict[str, float | int]:
        waits = sorted(self._recent_waits)
        if not waits:
            return {"count": 0}

        def pick(q: float) -> float:
            return round(1000.0 * waits[min(len(waits) - 1, int(q * len(waits)))], 3)

        return {"count": len(waits), "p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99)}

    def _by_name(self, name: str) -> RouteCost:
        route = self.config.route_named(name)
        assert route is not None  # names come from config routes only
        return route

    def _names(self) -> list[str]:
        return [r.name for r in self.config.routes] + [self.config.default.name]

    # -- ASGI ----------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(self.config.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        route = self.config.route_for(str(scope.get("method", "GET")), path)
        stats = self._stats[route.name]
        limit = self.config.queue_limit
        if (self._pool.free == 0 or self._pool.waiters) and limit is not None \
                and len(self._pool.waiters) >= limit:
            stats.rejected += 1
            await self._reject(send)
            return
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        if self._pool.free == 0 or self._pool.waiters:
            self.peak_queue = max(self.peak_queue, self.queued + 1)
        # A hand-off dated before our arrival (the previous holder overslept) starts now.
        started = max(await self._pool.acquire(), arrived)
        wait = started - arrived
        service = self.draw_service_time(route)
        ended = None
        try:
            held, ended = await self._run(scope, receive, started + service)
        finally:
            # Release at the modelled end, not at wake-up: sleep overshoot on a loaded loop
            # then delays one response but never accumulates into lost capacity.
            ended = loop.time() if ended is None else min(ended, loop.time())
            self.busy_s += ended - started
            self._pool.release(ended)
        stats.served += 1
        stats.wait_s += wait
        stats.service_s += ended - started
        self.max_wait_s = max(self.max_wait_s, wait)
        self._recent_waits.append(wait)
        # Sent after the release, as FPM hands its output to the web server and moves on.
        for message in held:
            if message["type"] == "http.response.start" and self.config.timing_headers:
                message = dict(message)
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-peakready-wait-ms", f"{wait * 1000:.3f}".encode()),
                                      (b"x-peakready-service-ms", f"{service * 1000:.3f}".encode())]
            await send(message)

    async def _run(self, scope: Scope, receive: Receive,
                   release_at: float) -> tuple[list[Message], float]:
        """Run the real handler, then hold its response until ``release_at``.

        Returns the buffered messages and when the worker is done: max(release_at, handler end).
        """
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        loop = asyncio.get_running_loop()
        await self.app(scope, receive, hold)
        handler_done = loop.time()
        if release_at > handler_done:
            await asyncio.sleep(release_at - handler_done)
        return held, max(release_at, handler_done)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"message": "Service Unavailable: all workers are busy and the "
                                      "listen backlog is full"}).encode()
        await send({"type": "http.response.start", "status": self.config.reject_status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"retry-after", b"1")]})
        await send({"type": "http.response.body", "body": body})


def with_capacity(app: ASGIApp, config: CapacityConfig | None) -> ASGIApp:
    """``app`` wrapped in the model, or ``app`` itself when ``config`` is None (zero cost)."""
    return app if config is None else CapacityModel(app, config)
