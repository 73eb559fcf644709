"""Magento's GraphQL errors: a message and ``extensions.category`` (spec/magento-graphql.md §2).

``GraphQlError(message, category)`` is raised by resolvers; ``from_webapi(exc)`` translates a
REST layer error (the resolvers reuse the REST handlers' rules) once, at this boundary:
404 → graphql-no-such-entity, 401 → graphql-authorization, anything else → graphql-input.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

from ..rest import WebapiError

__all__ = ["AUTHENTICATION", "AUTHORIZATION", "INPUT", "NO_SUCH_ENTITY", "GraphQlError",
           "fill", "from_webapi"]

INPUT = "graphql-input"
AUTHENTICATION = "graphql-authentication"
AUTHORIZATION = "graphql-authorization"
NO_SUCH_ENTITY = "graphql-no-such-entity"
_PLACEHOLDER = re.compile(r"%(\w+)")


class GraphQlError(GraphQLError):
    def __init__(self, message: str, category: str = INPUT) -> None:
        super().__init__(message, extensions={"category": category})


def fill(message: str, parameters: Any) -> str:
    """A REST phrase with its ``%1`` / ``%name`` placeholders filled in."""
    if isinstance(parameters, dict):
        return _PLACEHOLDER.sub(lambda m: str(parameters.get(m.group(1), m.group(0))), message)
    if isinstance(parameters, list):
        return _PLACEHOLDER.sub(
            lambda m: str(parameters[int(m.group(1)) - 1]) if m.group(1).isdigit()
            and 0 < int(m.group(1)) <= len(parameters) else m.group(0), message)
    return message


def from_webapi(exc: WebapiError) -> GraphQlError:
    category = {404: NO_SUCH_ENTITY, 401: AUTHORIZATION}.get(exc.status, INPUT)
    return GraphQlError(fill(exc.message, exc.parameters), category)
