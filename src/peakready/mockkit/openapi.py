"""Operations (route + documentation) and the OpenAPI 3.1 document built from them.

A mock declares each business route once, as an :class:`Operation`: the Starlette endpoint,
the pydantic model of its body and of each response. The same declaration becomes the route
and its OpenAPI entry, so the document cannot drift from what is served (schemathesis checks
the responses against it).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit.api import ErrorBody

__all__ = ["Operation", "Param", "build_openapi"]

Endpoint = Callable[[Request], Awaitable[Response]]
_PATH_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?}")
_REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {200: "OK", 201: "Created", 204: "No content", 400: "Malformed request",
                 404: "Not found", 405: "Method not allowed", 409: "Conflict",
                 422: "Invalid request body or parameters", 429: "Rate limited"}


@dataclass(frozen=True)
class Param:
    """A query or header parameter (path parameters are derived from the path)."""

    name: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    description: str = ""
    required: bool = False
    location: str = "query"


@dataclass
class Operation:
    method: str
    path: str
    endpoint: Endpoint
    summary: str
    body: type[BaseModel] | None = None
    # status → model of the JSON body (None: free-form object); error statuses not listed
    # here are added with ErrorBody (400/422 when there is a body or parameters, 404 with
    # path parameters, 405 always).
    responses: dict[int, type[BaseModel] | dict[str, Any] | None] = field(default_factory=dict)
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def openapi_path(self) -> str:
        return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)


def _schema_of(model: type[BaseModel] | dict[str, Any] | None, components: dict[str, Any],
               mode: str) -> dict[str, Any]:
    if model is None:
        return {"type": "object"}
    if isinstance(model, dict):
        return model
    schema = model.model_json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, schema)
    return {"$ref": _REF.format(model=model.__name__)}


def _operation_id(op: Operation) -> str:
    words = re.sub(r"[^a-zA-Z0-9]+", "_", op.openapi_path).strip("_")
    return f"{op.method.lower()}_{words}" if words else op.method.lower()


def build_openapi(title: str, version: str, operations: Iterable[Operation],
                  description: str = "") -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    error_ref = _schema_of(ErrorBody, components, "serialization")
    for op in operations:
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in op.path_params]
        parameters += [{"name": p.name, "in": p.location, "required": p.required,
                        "schema": p.schema, **({"description": p.description}
                                               if p.description else {})} for p in op.params]
        entry: dict[str, Any] = {"operationId": _operation_id(op), "summary": op.summary,
                                 "responses": {}}
        if op.description:
            entry["description"] = op.description
        if op.tags:
            entry["tags"] = list(op.tags)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema_of(op.body, components, "validation")}}}
        statuses: dict[int, type[BaseModel] | dict[str, Any] | None] = dict(op.responses)
        defaults = [405]
        if op.body is not None or op.params or op.path_params:
            defaults += [400, 422]
        if op.path_params:
            defaults.append(404)
        for status in defaults:
            statuses.setdefault(status, ErrorBody)
        for status, model in sorted(statuses.items()):
            schema = error_ref if model is ErrorBody else _schema_of(model, components,
                                                                      "serialization")
            entry["responses"][str(status)] = {
                "description": _DESCRIPTIONS.get(status, f"HTTP {status}"),
                "content": {"application/json": {"schema": schema}}}
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = entry
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components},
    }
    if description:
        doc["info"]["description"] = description
    return doc
