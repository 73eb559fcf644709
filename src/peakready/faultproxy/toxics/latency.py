"""``latency`` toxic (toxiproxy-api.md §6).

Each chunk leaves at its *arrival* time + ``latency`` ± ``jitter`` ms (a uniform integer offset
in [-jitter, +jitter) per chunk). Chunks queue FIFO (1024 per link), so a short draw never
overtakes and the end of stream is delayed behind queued data. An interrupt (update or removal)
forwards the held chunk at once: nothing is dropped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


@register
class LatencyToxic(ToxicType):
    type_name = "latency"
    attribute_names = ("latency", "jitter")
    buffer_size = 1024

    def delay(self) -> float:
        """Seconds to hold the next chunk, counted from its arrival."""
        millis = self.attr("latency")
        jitter = self.attr("jitter")
        if jitter > 0:
            millis += self.rng.randrange(2 * jitter) - jitter
        return millis / 1000.0

    async def pipe(self, stub: Stub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            wait = self.delay() - (time.monotonic() - chunk.ts)
            if not await stub.sleep(wait):
                await stub.send(chunk)
                return
            # Toxiproxy moves the stamp by the intended sleep (negative when the chunk was
            # already late), so a later latency toxic adds its delay on top (300 + 100 → 400).
            chunk.ts += wait
            await stub.send(chunk)
