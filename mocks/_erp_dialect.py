"""What an ERP dialect is, and the registry of them (``target.erp: {dialect: NAME}``).

A dialect maps its vendor's requests and responses onto :class:`ErpCore` (one store, one
evidence writer); it owns only routes, field names, the external-reference field that carries
the Magento increment id, auth, error shapes and how its vendor shows the failure modes the
``mark`` fault kinds switch on. Each dialect is a file ``_erp_dialect_<name>.py`` plus one
entry in ``_erp_dialects.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import Operation
from peakready.mockkit.arrivals import Extractor

from ._erp_core import ErpCore

__all__ = ["Arrival", "Dialect"]


@dataclasses.dataclass(frozen=True)
class Arrival:
    """A route whose every request is an order attempt (``requests`` evidence)."""

    method: str
    path: str
    extract: Extractor


class Dialect:
    name: ClassVar[str]
    title: ClassVar[str]

    def __init__(self, core: ErpCore, settings: dict[str, Any]) -> None:
        self.core = core
        self.settings = settings

    # -- what a dialect declares -----------------------------------------------------------
    def routes(self) -> list[Operation]:
        raise NotImplementedError

    def arrivals(self) -> list[Arrival]:
        raise NotImplementedError

    def throttled(self, request: Request) -> Response:
        """The vendor's answer to a request above its concurrency limit."""
        raise NotImplementedError

    # -- assembled ---------------------------------------------------------------------------
    def operations(self) -> list[Operation]:
        """The routes, each run under the fault marks (concurrency limit, session expiry)."""
        return [dataclasses.replace(op, endpoint=self._guard(op.endpoint))
                for op in self.routes()]

    def _guard(self, endpoint: Callable[[Request], Awaitable[Response]]
               ) -> Callable[[Request], Awaitable[Response]]:
        core, throttled = self.core, self.throttled

        async def guarded(request: Request) -> Response:
            return await core.guarded(request, endpoint, throttled)

        return guarded
