"""``/graphql``: the transport (spec/magento-graphql.md §1-§3).

::

    POST application/json {query, variables, operationName}   GET ?query=&variables=&operationName=
      ├─ unreadable JSON, no query ..... 500 (2.4.4-2.4.8: request-level failures)
      ├─ syntax error .................. 200 errors [category graphql], no data
      ├─ validation, depth, complexity . 200 errors [category graphql], no data
      ├─ a mutation by GET ............. 200 "Mutation requests allowed only for POST requests"
      └─ execution ..................... 200 {data, errors?}: a field error nulls the field
                                         (category from the resolver; anything unexpected is
                                         "Internal server error", category internal)

A GET answer without an uncacheable field carries ``cache-control: public`` and
``x-magento-tags`` (``cat_p``, ``cat_p_<id>``, ``cat_c_<id>``…), so the full-page cache layer
stores it as Varnish would; everything else is ``no-store``. Every answer carries an
``X-Magento-Cache-Id`` (2.4.4+).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    validate,
)

from .context import Context
from .errors import INPUT
from .limits import check_limits
from .schema import executable_schema

if TYPE_CHECKING:
    from ..state import Store

__all__ = ["handle_graphql"]

log = logging.getLogger("peakready.mocks.magento.graphql")
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
_JSON = (b"content-type", b"application/json")
_NO_STORE = (b"cache-control", b"no-store, no-cache, must-revalidate, max-age=0")
#: Root fields Magento caches (``@cache(cacheIdentity: …)``); any other makes a GET uncacheable.
CACHEABLE_FIELDS = frozenset({"products", "categories", "categoryList", "route", "urlResolver",
                              "storeConfig"})


def _error(exc: GraphQLError) -> dict[str, Any]:
    out = exc.formatted
    extensions = dict(out.get("extensions") or {})
    extensions.setdefault("category", "graphql")
    out["extensions"] = extensions
    return dict(out)


def _execution_error(error: GraphQLError) -> dict[str, Any]:
    cause = error.original_error
    if cause is None or isinstance(cause, GraphQLError):
        return _error(error)
    # Production mode: the cause stays in the log, the client gets no trace (spec §2).
    log.error("graphql resolver failed", exc_info=cause)
    return {"message": "Internal server error", "locations": error.formatted.get("locations"),
            "path": error.path, "extensions": {"category": "internal"}}


def _answer(body: dict[str, Any], headers: list[tuple[bytes, bytes]], cache_id: str,
            status: int = 200) -> Answer:
    data = json.dumps(body, separators=(",", ":")).encode()
    return status, [_JSON, (b"x-magento-cache-id", cache_id.encode()), *headers], data


def _request(method: str, query_string: bytes, body: bytes
             ) -> tuple[str | None, dict[str, Any] | None, str | None]:
    if method == "GET":
        params = parse_qs(query_string.decode("utf-8", "replace"))
        query = params.get("query", [None])[0]
        variables = json.loads(params["variables"][0]) if params.get("variables") else None
        return query, variables, params.get("operationName", [None])[0]
    payload = json.loads(body or b"null")
    if not isinstance(payload, dict):
        raise ValueError("the body is not a JSON object")
    return payload.get("query"), payload.get("variables"), payload.get("operationName")


@functools.lru_cache(maxsize=512)
def _prepare(query: str, max_depth: int, max_complexity: int
             ) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """Parse and validate once per query text: a storefront sends the same few documents (with
    different variables) over and over, as persisted queries do."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (exc,)
    problems = validate(executable_schema(), document) or check_limits(
        document, max_depth, max_complexity)
    return document, tuple(problems)


async def handle_graphql(store: Store, scope: dict[str, Any], body: bytes) -> Answer:
    method: str = scope["method"]
    if method not in ("GET", "POST"):
        return 405, [_JSON], b'{"message":"Method not allowed"}'
    headers = dict(scope.get("headers") or ())
    principal = store.auth.resolve(headers.get(b"authorization", b"").decode("latin-1") or None)
    cache_id = hashlib.sha256(f"1|USD|{principal.kind == 'customer'}|{principal.user_id}"
                              .encode()).hexdigest()
    try:
        query, variables, operation = _request(method, scope.get("query_string", b""), body)
        if not isinstance(query, str) or not query.strip():
            raise ValueError("no query")
    except (ValueError, TypeError):
        return _answer({"errors": [{"message": "Internal server error",
                                    "extensions": {"category": "internal"}}]},
                       [_NO_STORE], cache_id, 500)
    document, problems = _prepare(query, store.cfg.graphql_query_depth,
                                  store.cfg.graphql_query_complexity)
    if document is None or problems:
        return _answer({"errors": [_error(e) for e in problems]}, [_NO_STORE], cache_id)
    schema = executable_schema()
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next((o for o in operations if operation is None or
                   (o.name is not None and o.name.value == operation)), None)
    mutation = chosen is not None and chosen.operation == OperationType.MUTATION
    if method == "GET" and mutation:
        return _answer({"errors": [{"message": "Mutation requests allowed only for POST "
                                    "requests", "extensions": {"category": INPUT}}]},
                       [_NO_STORE], cache_id)
    client = (scope.get("client") or ("127.0.0.1", 0))[0]
    store_code = headers.get(b"store", b"default").decode("latin-1") or "default"
    context = Context(store, principal, client, store_code)
    run = execute(schema, document, context_value=context, variable_values=variables,
                  operation_name=operation)
    result: ExecutionResult = await run if inspect.isawaitable(run) else run
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_execution_error(e) for e in result.errors]
    roots = {s.name.value for s in chosen.selection_set.selections
             if isinstance(s, FieldNode)} if chosen is not None else set()
    cacheable = (method == "GET" and not mutation and not result.errors and context.cacheable
                 and roots <= CACHEABLE_FIELDS | {"__typename"})
    extra = [(b"cache-control", b"public, max-age=86400"),
             (b"x-magento-tags", ",".join(sorted(context.tags)).encode())] if cacheable \
        else [_NO_STORE]
    return _answer(out, extra, cache_id)
