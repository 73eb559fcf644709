"""``timeout`` toxic (toxiproxy-api.md §6).

Discards all data in its direction. With ``timeout > 0`` the link closes (FIN) once ``timeout``
ms pass with no chunk arriving: an idle timer, restarted by every chunk (and by every restart
of the toxic). ``timeout <= 0`` holds the connection open forever. Removing the toxic closes
the link (``cleanup``), so discarded data is never mistaken for a healthy stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakready.faultproxy.toxics.base import ToxicType, register

if TYPE_CHECKING:
    from peakready.faultproxy.stub import Stub


@register
class TimeoutToxic(ToxicType):
    type_name = "timeout"
    attribute_names = ("timeout",)

    async def pipe(self, stub: Stub) -> None:
        millis = self.attr("timeout")
        idle = millis / 1000.0 if millis > 0 else None
        while True:
            try:
                chunk = await stub.recv(timeout=idle)
            except TimeoutError:
                stub.close()
                return
            if chunk is None:
                stub.close()
                return

    def cleanup(self, stub: Stub) -> None:
        stub.close()
