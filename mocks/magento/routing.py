"""The route table: Magento's generated schema (``schema_index.py``) with handlers attached.

Handlers register against schema paths (``router.add("GET", "/V1/orders/{id}", acl)``); a path
the schema does not have is refused when the router is built (``extra=True`` marks the few
routes Magento serves outside ``/rest/all/schema``, e.g. the admin token). Matching walks a
segment trie, literal children first and parameters after, backtracking as Magento's router
does, so ``/V1/orders/items`` beats ``/V1/orders/{id}`` and ``/V1/carts/search`` beats
``/V1/carts/{cartId}``. Path values reach the handler under the schema's parameter names.

A handler is ``async def handler(call) -> result``: any JSON-able value, or a ``Reply`` to set
another status. ``Route.pattern`` is the webapi.xml spelling (``/V1/orders/:id``), the key the
journal and the capacity model know routes by.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rest import required_error, snake
from .schema_index import SchemaRoute, load_index, shape

if TYPE_CHECKING:
    from .auth import Principal
    from .search import Criteria
    from .state import Store

__all__ = ["Call", "Encoded", "Handler", "Reply", "Route", "Router"]


@dataclass
class Reply:
    """A handler result with a non-200 status (202 for async)."""

    body: Any
    status: int = 200


@dataclass(frozen=True, slots=True)
class Encoded:
    """A 200 whose JSON body the handler already holds encoded (a kept rendering)."""

    body: bytes


@dataclass(slots=True)
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

    @property
    def criteria(self) -> Criteria:
        """This search route's ``searchCriteria`` (required, input limits applied)."""
        from .search import parse_criteria

        return parse_criteria(self.query, limits=self.store.cfg.input_limits)

    def param(self, name: str) -> str:
        """A path value that is a method parameter: an async bulk element may carry it in
        its body instead (``bySku``), and its absence is Magento's required-field error."""
        value = self.path.get(name)
        if value is None:
            raw = self.body.get(snake(name))
            if raw is None or isinstance(raw, dict | list):
                raise required_error(name)
            value = str(raw)
        return value


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str                     # /V1/orders/:id (webapi.xml spelling)
    handler: Handler
    acl: str                         # "anonymous" | "self" | ACL resource id(s) ", "-joined
    segments: tuple[str, ...]
    service: str = ""                # service interface::method, for async topics
    schema: SchemaRoute | None = None
    # the path parameter names, in order (computed once: matching reads them per request)
    params: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "params",
                           tuple(s[1:] for s in self.segments if s[0] == ":"))

    @property
    def async_params(self) -> tuple[str, ...]:
        """Body parameters every async element must carry (snake_case): the schema's required
        method parameters that are not path values (WebapiAsync takes path values from the
        element body, where they are optional)."""
        if self.schema is None:
            return ()
        path = {snake(p) for p in self.params}
        return tuple(snake(p) for p in self.schema.required if snake(p) not in path)

    @property
    def topic_service(self) -> str:
        if self.service:
            return self.service
        tag = self.schema.tag if self.schema is not None else "custom"
        return f"{tag}::{self.method.lower()}"


class Router:
    def __init__(self, index: list[SchemaRoute] | None = None) -> None:
        self.index = load_index() if index is None else index
        self._by_shape = {(r.method, shape(r.path)): r for r in self.index}
        self._trie = _Node()
        self._bulk: dict[tuple[str, int], list[Route]] = {}
        self.routes: list[Route] = []
        # "version:<name>" ACL placeholders resolved per Magento version at request time
        self.acl_resolvers: dict[str, Callable[[tuple[int, ...]], str]] = {}

    def add(self, method: str, path: str, acl: str, *, service: str = "",
            extra: bool = False) -> Callable[[Handler], Handler]:
        schema = self._by_shape.get((method, shape(path)))
        if schema is None and not extra:
            raise ValueError(f"{method} {path} is not a route of Magento's schema")
        source = schema.path if schema is not None else path
        segments = tuple(":" + s[1:-1] if s[0] == "{" else s
                         for s in source.strip("/").split("/") if s)

        def decorate(handler: Handler) -> Handler:
            route = Route(method, "/" + "/".join(segments), handler, acl, segments, service,
                          schema)
            node = self._trie
            for seg in segments:
                node = node.param() if seg[0] == ":" else node.literal(seg)
            if method in node.routes:
                raise ValueError(f"{method} {route.pattern} is registered twice")
            node.routes[method] = route
            if method != "GET":
                self._bulk.setdefault((method, len(segments)), []).append(route)
            self.routes.append(route)
            return handler
        return decorate

    def has(self, method: str, path: str) -> bool:
        """Whether Magento's schema has this route (either parameter spelling)."""
        return (method, shape(path)) in self._by_shape

    def served(self) -> set[tuple[str, str]]:
        """``(method, schema path)`` of every schema route with a handler."""
        return {(r.method, r.schema.path) for r in self.routes if r.schema is not None}

    def match(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]] | None:
        """Walk the segment trie, literal children first, backtracking to parameters."""
        # The greedy descent (a literal where there is one, else the parameter) is the first
        # path the backtracking walk tries, so where it ends on a route it is the answer: most
        # requests never pay for the recursion.
        node: _Node | None = self._trie
        values: list[str] = []
        for segment in segments:
            assert node is not None
            child = node.literals.get(segment)
            if child is None and segment:
                child = node.parameter
                values.append(segment)
            node = child
            if node is None:
                break
        else:
            assert node is not None
            route = node.routes.get(method)
            if route is not None:
                return route, dict(zip(route.params, values, strict=True)) if values else {}
        values = []
        route = _walk(self._trie, segments, 0, method, values)
        if route is None:
            return None
        if not values:
            return route, {}
        return route, dict(zip(route.params, values, strict=True))

    def match_bulk(self, method: str,
                   segments: list[str]) -> tuple[Route, dict[str, str]] | None:
        """Bulk paths name their parameters instead of carrying them: ``:sku`` → ``bySku``
        (the values travel inside each operation's body, spec §6.1). Literal routes first."""
        candidates = sorted(self._bulk.get((method, len(segments)), ()),
                            key=lambda r: len(r.params))
        for route in candidates:
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
