"""The executable schema: ``schema.graphqls`` (Magento's own subset, see its header) with the
resolvers of ``catalog_fields``, ``cart_fields`` and ``customer_fields`` on its root fields.

Abstract types (``ProductInterface``, ``CartItemInterface``, ``RoutableInterface``, ``Error``,
…) resolve to the ``__typename`` each answer carries. Built once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from . import cart_fields, catalog_fields, customer_fields

__all__ = ["SCHEMA_FILE", "executable_schema"]

SCHEMA_FILE = Path(__file__).with_name("schema.graphqls")


def _typename(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


@functools.cache
def executable_schema() -> GraphQLSchema:
    schema = build_schema(SCHEMA_FILE.read_text("utf-8"))
    roots: list[tuple[GraphQLObjectType | None, dict[str, Any]]] = [
        (schema.query_type, {**catalog_fields.QUERIES, **cart_fields.QUERIES,
                             **customer_fields.QUERIES}),
        (schema.mutation_type, {**cart_fields.MUTATIONS, **customer_fields.MUTATIONS}),
    ]
    for root, resolvers in roots:
        assert root is not None
        missing = set(root.fields) - set(resolvers)
        if missing:  # every served field has its resolver, or the schema says too much
            raise RuntimeError(f"no resolver for {sorted(missing)}")
        for name, resolver in resolvers.items():
            root.fields[name].resolve = resolver
    for named in schema.type_map.values():
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            named.resolve_type = _typename
    return schema
