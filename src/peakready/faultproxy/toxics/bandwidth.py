"""``bandwidth`` toxic (toxiproxy-api.md §6).

``rate`` is in KB/s with 1 KB = 1000 B. Each chunk waits ``len / rate`` ms, carrying the timer
error into the next chunk; a chunk bigger than ``rate * 100`` bytes goes out in
``rate * 100``-byte pieces 100 ms apart. ``rate <= 0`` stalls the direction (Toxiproxy's
documented quirk): the first chunk is held until the toxic is updated or removed, which
releases it, and nothing else passes meanwhile.
"""

from __future__ import annotations

import time

from peakready.faultproxy.stub import Chunk, Stub
from peakready.faultproxy.toxics.base import ToxicType, register

_SLICE_SECONDS = 0.1


@register
class BandwidthToxic(ToxicType):
    type_name = "bandwidth"
    attribute_names = ("rate",)

    async def pipe(self, stub: Stub) -> None:
        rate = self.attr("rate")
        sleep = 0.0
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            if rate <= 0:
                await stub.wait_interrupt()
                await stub.send(chunk)
                return
            sleep += len(chunk.data) / (rate * 1000.0)
            piece = rate * 100
            data = chunk.data
            while len(data) > piece:
                if not await stub.sleep(_SLICE_SECONDS):
                    await stub.send(Chunk(data, chunk.ts))
                    return
                await stub.send(Chunk(data[:piece], chunk.ts))
                data = data[piece:]
                sleep -= _SLICE_SECONDS
            start = time.monotonic()
            if not await stub.sleep(sleep):
                await stub.send(Chunk(data, chunk.ts))
                return
            # Carry the timer's error (negative when it fired late) into the next chunk.
            sleep -= time.monotonic() - start
            await stub.send(Chunk(data, chunk.ts))
