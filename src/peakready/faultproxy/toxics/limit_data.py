"""``limit_data`` toxic (toxiproxy-api.md §6).

Passes at most ``bytes`` bytes per connection in its direction, truncating the chunk that
crosses the limit, then closes (FIN). The count lives in the stub's state, so it survives
updates and restarts only for a new connection or a newly added toxic. ``bytes <= 0`` closes on
the first chunk, not at connect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


class LimitState:
    """Bytes already passed on this link."""

    __slots__ = ("transmitted",)

    def __init__(self) -> None:
        self.transmitted = 0


@register
class LimitDataToxic(ToxicType):
    type_name = "limit_data"
    attribute_names = ("bytes",)

    @classmethod
    def new_state(cls) -> LimitState:
        return LimitState()

    async def pipe(self, stub: Stub) -> None:
        state = stub.state
        if not isinstance(state, LimitState):  # stub created before the toxic: fresh count
            state = stub.state = LimitState()
        limit = self.attr("bytes")
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            remaining = max(limit - state.transmitted, 0)
            if remaining < len(chunk.data):
                chunk.data = chunk.data[:remaining]
            if chunk.data:
                await stub.send(chunk)
                state.transmitted += len(chunk.data)
            if limit - state.transmitted <= 0:
                stub.close()
                return
