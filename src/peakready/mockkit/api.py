"""Helpers for business handlers: JSON responses, the error envelope, validated bodies.

Every error a mock returns has one shape (documented in the OpenAPI as ``ErrorBody``)::

    {"error": {"code": "validation_error", "message": "...",
               "fields": [{"field": "items.0.qty", "reason": "Input should be greater than 0"}]}}

Malformed JSON is a 400 (``invalid_json``); a body of the wrong shape is a 422 naming each
field and why; never a 500.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorDetail",
    "FieldError",
    "JSONResponse",
    "api_error_handler",
    "error_body",
    "http_exception_handler",
    "int_query",
    "json_body",
    "json_response",
    "parse_body",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


class JSONResponse(Response):
    """A JSON response rendered with orjson (several times faster than the stdlib)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(content: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None
               ) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


class ApiError(Exception):
    """Raise from a handler to answer with the error envelope."""

    def __init__(self, status: int, code: str, message: str,
                 fields: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers

    def response(self) -> JSONResponse:
        return json_response(error_body(self.code, self.message, self.fields), self.status,
                             self.headers)


_REQUIRED: Any = object()


async def json_body(request: Request, *, empty: Any = _REQUIRED) -> Any:
    """The request's JSON body decoded (any JSON value): no body is ``empty`` when given,
    else a 400 ``invalid_json``, like malformed JSON."""
    raw = await request.body()
    if not raw.strip():
        if empty is not _REQUIRED:
            return empty
        raise ApiError(400, "invalid_json", "request body is empty; a JSON value is required",
                       [{"field": "(body)", "reason": "empty body"}])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}",
                       [{"field": "(body)", "reason": str(exc)}]) from None


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in err["loc"]) or "(body)", "reason": err["msg"]}
            for err in exc.errors(include_url=False)]


def validate(model: type[M], data: Any) -> M:
    """Validate already-decoded data against ``model`` or raise a 422 ApiError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = _field_errors(exc)
        summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5])
        raise ApiError(422, "validation_error", f"invalid request body: {summary}",
                       fields) from None


MAX_QUERY_INT = 2**53  # JSON-safe, and far inside SQLite's 64-bit integers


def int_query(request: Request, name: str, default: int, low: int = 0,
              high: int = MAX_QUERY_INT) -> int:
    """An integer query parameter; absent or empty → ``default``; else 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name}: must be an integer, got {raw!r}",
                       [{"field": name, "reason": "not an integer"}]) from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_parameter",
                       f"{name}: must be between {low} and {high}, got {value}",
                       [{"field": name, "reason": "out of range"}])
    return value


async def parse_body(request: Request, model: type[M]) -> tuple[M, bytes]:
    """Decode and validate the JSON body in one pass; returns the model and the raw bytes.

    Malformed JSON (or no body) is a 400 ``invalid_json``; a body of the wrong shape is a 422
    naming every field and why.
    """
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "invalid_json", "request body is empty; a JSON object is required",
                       [{"field": "(body)", "reason": "empty body"}])
    try:
        return model.model_validate_json(raw), raw
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            reason = str(errors[0].get("ctx", {}).get("error", errors[0]["msg"]))
            raise ApiError(400, "invalid_json", f"request body is not valid JSON: {reason}",
                           [{"field": "(body)", "reason": reason}]) from None
        fields = _field_errors(exc)
        summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5])
        raise ApiError(422, "validation_error", f"invalid request body: {summary}",
                       fields) from None


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in the same envelope as ours."""
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    response = json_response(error_body(codes.get(exc.status_code, "http_error"),
                                        str(exc.detail)), exc.status_code,
                             dict(exc.headers) if exc.headers else None)
    return response
