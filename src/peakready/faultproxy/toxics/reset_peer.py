"""``reset_peer`` toxic (toxiproxy-api.md §6).

An idle link is never reset. The first chunk is discarded; then, after ``timeout`` ms (a wait
that updates cannot interrupt), the link closes. The *link* decides how: if this toxic was in
the chain when the connection was accepted, both sockets carry ``SO_LINGER 0`` and the peers
see a TCP RST; if it was added to an open connection they see a plain FIN.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


@register
class ResetPeerToxic(ToxicType):
    type_name = "reset_peer"
    attribute_names = ("timeout",)

    async def pipe(self, stub: Stub) -> None:
        chunk = await stub.recv()
        if chunk is not None:
            await asyncio.sleep(max(self.attr("timeout"), 0) / 1000.0)
        stub.close()
