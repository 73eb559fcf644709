"""``close``: drop the connection without any response (``{"close": true}``).

ASGI cannot say "close"; under uvicorn we close the transport behind ``send``, elsewhere
(in-process ``httpx.ASGITransport``) :class:`ConnectionDropped` stands in for the reset.
"""

from __future__ import annotations

from typing import Any

from peakready.mockkit.fault_kinds.base import AnswerContext, FaultError, FaultKind, drop_transport

__all__ = ["CloseKind"]


class CloseKind(FaultKind):
    name = "close"
    role = "answer"

    def parse(self, spec: dict[str, Any]) -> bool:
        value = spec[self.name]
        if not isinstance(value, bool):
            raise FaultError(f"close: must be true or false, got {value!r}")
        return value

    def to_json(self, params: bool) -> dict[str, Any]:
        return {self.name: params}

    async def answer(self, params: bool, ctx: AnswerContext) -> int:
        await drop_transport(ctx.raw_send, "fault: connection closed without a response")
        return 0
