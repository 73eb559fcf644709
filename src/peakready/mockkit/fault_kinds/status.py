"""``status``: answer with an HTTP status instead of the mock, e.g. a 503 with ``Retry-After``::

    {"status": 503, "retry_after": 5}
    {"status": 500, "body": "upstream says no", "headers": {"X-Upstream": "erp"}}

Without ``body`` the answer is the mocks' error envelope with code ``injected_fault``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from peakready.mockkit.fault_kinds.base import AnswerContext, FaultError, FaultKind, number

__all__ = ["StatusFault", "StatusKind"]


@dataclass(frozen=True)
class StatusFault:
    status: int
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None


class StatusKind(FaultKind):
    name = "status"
    fields = ("body", "headers", "retry_after")
    role = "answer"

    def parse(self, spec: dict[str, Any]) -> StatusFault:
        status = number(spec, "status", low=100, high=599, integer=True)
        assert status is not None
        body = spec.get("body")
        if body is not None and not isinstance(body, str | dict | list):
            raise FaultError(f"body: must be a string or JSON value, got {body!r}")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str)
                                                    for v in headers.values()):
            raise FaultError(f"headers: must be an object of strings, got {headers!r}")
        return StatusFault(int(status),
                           body if isinstance(body, str) or body is None else json.dumps(body),
                           dict(headers), number(spec, "retry_after"))

    def to_json(self, params: StatusFault) -> dict[str, Any]:
        out: dict[str, Any] = {"status": params.status}
        if params.body is not None:
            out["body"] = params.body
        if params.headers:
            out["headers"] = params.headers
        if params.retry_after is not None:
            out["retry_after"] = params.retry_after
        return out

    async def answer(self, params: StatusFault, ctx: AnswerContext) -> int:
        if params.body is not None:
            body = params.body.encode()
            content_type = b"application/json" if params.body[:1] in ("{", "[") \
                else b"text/plain"
        else:
            body = (b'{"error":{"code":"injected_fault","message":"fault rule '
                    + ctx.rule_id.encode() + b'","fields":[]}}')
            content_type = b"application/json"
        headers = [(b"content-type", content_type),
                   (b"content-length", str(len(body)).encode()),
                   (b"x-request-id", ctx.request_id.encode("latin-1")),
                   (b"x-peakready-fault", ctx.rule_id.encode())]
        if params.retry_after is not None:
            value = params.retry_after
            text = str(int(value)) if float(value).is_integer() else f"{value:g}"
            headers.append((b"retry-after", text.encode()))
        headers.extend((k.lower().encode(), v.encode()) for k, v in params.headers.items())
        await ctx.send({"type": "http.response.start", "status": params.status,
                        "headers": headers})
        await ctx.send({"type": "http.response.body", "body": body, "more_body": False})
        return params.status
