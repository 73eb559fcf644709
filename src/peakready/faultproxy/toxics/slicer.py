"""``slicer`` toxic (toxiproxy-api.md §6).

Each chunk is split recursively around ``average_size`` ± ``size_variation`` bytes; pieces
go out ``delay`` µs apart (a wait also follows the last piece, as in Toxiproxy). An interrupt
forwards the rest of the chunk at once.

Unlike Toxiproxy we refuse sizes that make the split recurse without end (the real server
dies of a stack overflow) and keep every split point strictly inside the piece (the real server
can slice out of range and panic when ``size_variation`` exceeds half the piece).
"""

from __future__ import annotations

from peakready.faultproxy.stub import Chunk, Stub
from peakready.faultproxy.toxics.base import InvalidAttributes, ToxicType, register


@register
class SlicerToxic(ToxicType):
    type_name = "slicer"
    attribute_names = ("average_size", "size_variation", "delay")

    @classmethod
    def validate(cls, attributes: dict[str, int]) -> None:
        average = int(attributes.get("average_size") or 0)
        variation = int(attributes.get("size_variation") or 0)
        if average <= 0:
            raise InvalidAttributes("slicer average_size must be greater than 0")
        if average + variation <= 0:
            raise InvalidAttributes("slicer average_size + size_variation must be greater than 0")

    def boundaries(self, size: int) -> list[tuple[int, int]]:
        """Piece (start, end) offsets for a chunk of ``size`` bytes."""
        average = self.attr("average_size")
        variation = self.attr("size_variation")
        pieces: list[tuple[int, int]] = []
        # Depth-first with an explicit stack (left piece first) instead of recursion.
        stack = [(0, size)]
        while stack:
            start, end = stack.pop()
            if (end - start) - average <= variation or end - start < 2:
                pieces.append((start, end))
                continue
            mid = start + (end - start) // 2
            if variation > 0:
                mid += self.rng.randrange(2 * variation) - variation
            mid = min(max(mid, start + 1), end - 1)
            stack.append((mid, end))
            stack.append((start, mid))
        return pieces

    async def pipe(self, stub: Stub) -> None:
        gap = self.attr("delay") / 1_000_000.0
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            data = chunk.data
            for start, end in self.boundaries(len(data)):
                await stub.send(Chunk(data[start:end], chunk.ts))
                if not await stub.sleep(gap):
                    if data[end:]:
                        await stub.send(Chunk(data[end:], chunk.ts))
                    return
