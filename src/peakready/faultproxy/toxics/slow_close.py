"""``slow_close`` toxic (toxiproxy-api.md §6): data passes at once; the end of stream is
forwarded only ``delay`` ms after the source closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


@register
class SlowCloseToxic(ToxicType):
    type_name = "slow_close"
    attribute_names = ("delay",)

    async def pipe(self, stub: Stub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                # Interrupted mid-delay: return without closing; the restarted run sees the
                # end of stream again and waits anew (Toxiproxy does the same).
                if await stub.sleep(self.attr("delay") / 1000.0):
                    stub.close()
                return
            await stub.send(chunk)
