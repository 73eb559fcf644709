"""The route table: Magento's webapi.xml as data, matched by path segments.

A ``Route`` names its method, pattern (``/V1/orders/:id``), ACL resource (``anonymous``,
``self`` or an ACL id) and handler. Handlers are ``async def handler(call) -> result`` where the
result is any JSON-able value, or a ``Reply`` to set another status. Literal segments beat
parameters (``/V1/carts/mine`` before ``/V1/carts/:cartId``), as in Magento's router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import Principal
    from .state import Store

__all__ = ["Call", "Handler", "Reply", "Route", "Router"]


@dataclass
class Reply:
    """A handler result with a non-200 status (202 for async) or extra headers."""

    body: Any
    status: int = 200


@dataclass
class Call:
    """Everything a handler may read; the bulk consumer builds these too (no raw request)."""

    store: Store
    principal: Principal
    path: dict[str, str]
    body: dict[str, Any]
    query: dict[str, Any] = field(default_factory=dict)
    client: str = "127.0.0.1"
    store_code: str = "default"
    route: Route | None = None
    is_async: bool = False          # run by the bulk consumer (async input limits apply)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    acl: str                         # "anonymous" | "self" | ACL resource id(s) ", "-joined
    segments: tuple[str, ...]
    # service interface + method, for async topics and 2.4.6 accessor messages
    service: str = ""
    # the body parameter an async bulk element must carry (e.g. "product"); "" = not async
    async_param: str = ""

    @property
    def param_count(self) -> int:
        return sum(1 for s in self.segments if s.startswith(":"))


class Router:
    def __init__(self) -> None:
        self._table: dict[tuple[str, int], list[Route]] = {}
        self._trie = _Node()
        self.routes: list[Route] = []
        # "version:<name>" ACL placeholders resolved per Magento version at request time
        self.acl_resolvers: dict[str, Callable[[tuple[int, ...]], str]] = {}

    def add(self, method: str, pattern: str, acl: str, *, service: str = "",
            async_param: str = "") -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            segments = tuple(s for s in pattern.strip("/").split("/") if s)
            route = Route(method, pattern, handler, acl, segments, service, async_param)
            node = self._trie
            for seg in segments:
                node = node.param() if seg[0] == ":" else node.literal(seg)
            node.routes.setdefault(method, route)
            bucket = self._table.setdefault((method, len(segments)), [])
            bucket.append(route)
            bucket.sort(key=lambda r: r.param_count)
            self.routes.append(route)
            return handler
        return decorate

    def match(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]] | None:
        """Walk the segment trie, literal children first, backtracking to parameters."""
        values: list[str] = []
        route = _walk(self._trie, segments, 0, method, values)
        if route is None:
            return None
        if not values:
            return route, {}
        names = [s[1:] for s in route.segments if s[0] == ":"]
        return route, dict(zip(names, values, strict=True))

    def match_bulk(self, method: str,
                   segments: list[str]) -> tuple[Route, dict[str, str]] | None:
        """Bulk paths name their parameters instead of carrying them: ``:sku`` → ``bySku``
        (the values travel inside each operation's body, spec §6.1)."""
        for route in self._table.get((method, len(segments)), ()):
            if not route.async_param:
                continue
            for want, got in zip(route.segments, segments, strict=True):
                if want[0] == ":":
                    if got != "by" + want[1:2].upper() + want[2:]:
                        break
                elif want != got:
                    break
            else:
                return route, {}
        return None

    def find(self, method: str, pattern: str) -> Route | None:
        for route in self.routes:
            if route.method == method and route.pattern == pattern:
                return route
        return None


class _Node:
    """One path segment position: literal children, one parameter child, routes by method."""

    __slots__ = ("literals", "parameter", "routes")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.parameter: _Node | None = None
        self.routes: dict[str, Route] = {}

    def literal(self, segment: str) -> _Node:
        node = self.literals.get(segment)
        if node is None:
            node = self.literals[segment] = _Node()
        return node

    def param(self) -> _Node:
        if self.parameter is None:
            self.parameter = _Node()
        return self.parameter


def _walk(node: _Node, segments: list[str], index: int, method: str,
          values: list[str]) -> Route | None:
    if index == len(segments):
        return node.routes.get(method)
    segment = segments[index]
    child = node.literals.get(segment)
    if child is not None:
        found = _walk(child, segments, index + 1, method, values)
        if found is not None:
            return found
    if node.parameter is not None and segment:
        values.append(segment)
        found = _walk(node.parameter, segments, index + 1, method, values)
        if found is not None:
            return found
        values.pop()
    return None
