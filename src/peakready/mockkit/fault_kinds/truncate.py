"""``truncate``: send the headers as made (Content-Length included), only the first ``bytes``
of the body, then drop the connection, ``{"truncate": {"bytes": 10}}`` (or ``"truncate":
10``). The client sees a short read."""

from __future__ import annotations

from typing import Any

from starlette.types import Message, Send

from peakready.mockkit.fault_kinds.base import FaultError, FaultKind, drop_transport, number

__all__ = ["TruncateKind"]


class TruncateKind(FaultKind):
    name = "truncate"
    role = "body"
    order = 0    # closest to the wire: it must reach the server's send to drop the connection

    def parse(self, spec: dict[str, Any]) -> int:
        value = spec[self.name]
        if isinstance(value, int) and not isinstance(value, bool):
            value = {"bytes": value}
        if not isinstance(value, dict):
            raise FaultError(f"truncate: must be an object like {{'bytes': 10}}, got {value!r}")
        return int(number(value, "bytes", integer=True, label="truncate.bytes") or 0)

    def to_json(self, params: int) -> dict[str, Any]:
        return {self.name: {"bytes": params}}

    def wrap(self, params: int, rule_id: str, send: Send) -> Send:
        limit = params
        state = {"sent": 0, "cut": False}

        async def truncating_send(message: Message) -> None:
            if state["cut"]:
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            room = limit - state["sent"]
            if len(body) <= room and message.get("more_body", False):
                state["sent"] += len(body)
                await send(message)
                return
            # Cut here (a body that fits under the limit still never gets a clean end).
            state["cut"] = True
            await send({"type": "http.response.body", "body": body[:room], "more_body": True})
            await drop_transport(send, f"fault {rule_id}: body truncated after {limit} bytes")

        return truncating_send
