"""The few response shapes of the control API, byte for byte as Toxiproxy writes them."""

from __future__ import annotations

from typing import Any

from peakready.faultproxy.apierror import ToxiproxyError
from peakready.faultproxy.gojson import marshal
from peakready.faultproxy.httpserver import Response

__all__ = ["empty", "error", "json_body", "not_found", "plain"]

_NOSNIFF = [("X-Content-Type-Options", "nosniff")]
PLAIN = "text/plain; charset=utf-8"


def json_body(status: int, value: Any) -> Response:
    """Success: compact JSON, ``application/json`` without charset, no trailing newline."""
    return Response(status, marshal(value), "application/json")


def error(exc: ToxiproxyError) -> Response:
    """Go's ``http.Error`` of the JSON error: text/plain, nosniff, trailing newline (§2)."""
    body = marshal({"error": exc.message, "status": exc.status}) + b"\n"
    return Response(exc.status, body, PLAIN, list(_NOSNIFF))


def plain(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8") + b"\n", PLAIN, list(_NOSNIFF))


def not_found() -> Response:
    return plain(404, "404 page not found")


def empty(status: int) -> Response:
    return Response(status)
