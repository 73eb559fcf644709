"""``noop`` toxic (toxiproxy-api.md §6): passes everything through.

It also runs when a toxic's toxicity draw says "off" for a link, and as the hidden first stage
of every chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


@register
class NoopToxic(ToxicType):
    type_name = "noop"
    attribute_names = ()

    async def pipe(self, stub: Stub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            await stub.send(chunk)
