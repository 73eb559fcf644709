"""How each HTTP fault kind is carried out at the ASGI level.

``status`` answers in place of the app; ``slow_body`` and ``truncate`` wrap ``send`` around
whatever answers; ``close`` drops the connection before any response. Dropping a connection
is not expressible in ASGI, so under uvicorn we close the transport behind ``send`` (the one
place that knows the server); elsewhere (in-process ``httpx.ASGITransport``) we raise
:class:`ConnectionDropped`, which the client sees as a failed request, as it would a reset.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.types import Message, Send

from peakready.mockkit.faults import FaultRule

__all__ = ["ConnectionDropped", "drop_connection", "send_status", "slow_body", "truncated"]

log = logging.getLogger("peakready.mockkit.faults")


class ConnectionDropped(ConnectionError):
    """Raised in-process where no transport can be closed (the fault's stand-in for a reset)."""


def _transport(send: Send) -> Any:
    owner = getattr(send, "__self__", None)
    return getattr(owner, "transport", None)


async def drop_connection(send: Send) -> None:
    """Close the client connection without a response (or raise ConnectionDropped)."""
    transport = _transport(send)
    if transport is None:
        raise ConnectionDropped("fault: connection closed without a response")
    transport.close()
    # Let connection_lost run, so the server marks the cycle disconnected and does not
    # write a 500 of its own onto the closing socket.
    for _ in range(3):
        await asyncio.sleep(0)


async def send_status(rule: FaultRule, send: Send, request_id: str) -> int:
    """Answer with the rule's status, body and headers; returns the status."""
    status = rule.status or 500
    if rule.body is not None:
        body = rule.body.encode()
        content_type = b"application/json" if rule.body[:1] in ("{", "[") else b"text/plain"
    else:
        body = (b'{"error":{"code":"injected_fault","message":"fault rule '
                + rule.id.encode() + b'","status":' + str(status).encode() + b"}}")
        content_type = b"application/json"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               (b"x-request-id", request_id.encode()), (b"x-peakready-fault", rule.id.encode())]
    if rule.retry_after is not None:
        value = rule.retry_after
        text = str(int(value)) if float(value).is_integer() else f"{value:g}"
        headers.append((b"retry-after", text.encode()))
    headers.extend((k.lower().encode(), v.encode()) for k, v in rule.headers.items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
    return status


def slow_body(rule: FaultRule, send: Send) -> Send:
    """Dribble every body chunk at ``bytes_per_second`` in ``chunk_size`` pieces."""
    bps = rule.slow_body_bps or 1.0
    size = max(1, rule.slow_body_chunk)
    pause = size / bps

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


def truncated(rule: FaultRule, send: Send) -> Send:
    """Send the headers as the app made them (Content-Length included), then only the first
    ``bytes`` of the body, then drop the connection: the client sees a short read."""
    limit = rule.truncate_bytes or 0
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
        if len(body) <= room:
            # The whole body fits under the limit: nothing to cut, but the fault still drops
            # the connection so the client never gets a clean end of response.
            body = body[:room]
        state["cut"] = True
        await send({"type": "http.response.body", "body": body[:room], "more_body": True})
        transport = _transport(send)
        if transport is not None:
            transport.close()
            for _ in range(3):
                await asyncio.sleep(0)
        else:
            raise ConnectionDropped(f"fault {rule.id}: body truncated after {limit} bytes")

    return truncating_send
