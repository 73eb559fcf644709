"""``slow_body``: dribble the response body, ``{"slow_body": {"bytes_per_second": 200,
"chunk_size": 20}}`` (chunk_size defaults to 1)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.types import Message, Send

from peakready.mockkit.fault_kinds.base import FaultError, FaultKind, number

__all__ = ["SlowBody", "SlowBodyKind"]


@dataclass(frozen=True)
class SlowBody:
    bytes_per_second: float
    chunk_size: int = 1


class SlowBodyKind(FaultKind):
    name = "slow_body"
    role = "body"
    order = 10   # outside truncation: what is dribbled is what survives the cut

    def parse(self, spec: dict[str, Any]) -> SlowBody:
        value = spec[self.name]
        if not isinstance(value, dict):
            raise FaultError(f"slow_body: must be an object, got {value!r}")
        bps = number(value, "bytes_per_second", low=1e-3, label="slow_body.bytes_per_second")
        if bps is None:
            raise FaultError("slow_body.bytes_per_second: required")
        chunk = number(value, "chunk_size", low=1, integer=True, label="slow_body.chunk_size")
        return SlowBody(bps, int(chunk or 1))

    def to_json(self, params: SlowBody) -> dict[str, Any]:
        return {self.name: {"bytes_per_second": params.bytes_per_second,
                            "chunk_size": params.chunk_size}}

    def wrap(self, params: SlowBody, rule_id: str, send: Send) -> Send:
        size = params.chunk_size
        pause = size / params.bytes_per_second

        async def dribbling_send(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            for start in range(0, len(body), size):
                await send({"type": "http.response.body", "body": body[start:start + size],
                            "more_body": True})
                await asyncio.sleep(pause)
            await send({"type": "http.response.body", "body": b"", "more_body": more})

        return dribbling_send
