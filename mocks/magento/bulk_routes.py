"""Bulk operation status routes (``/V1/bulk…``, spec §6.2) over the store's ``BulkQueue``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .bulk import OP_FIELDS, Bulk
from .rest import WebapiError, to_int
from .search import listing

if TYPE_CHECKING:
    from .routing import Call, Router

__all__ = ["register"]


def register(router: Router) -> None:
    res = "Magento_Logging::system_magento_logging_bulk_operations"

    def _bulk(call: Call) -> Bulk:
        found = call.store.bulk.bulks.get(call.path["bulkUuid"])
        if found is None:
            raise WebapiError(404, "Bulk uuid %bulkUuid not exist",
                              {"bulkUuid": call.path["bulkUuid"]})
        return found

    @router.add("GET", "/V1/bulk/{bulkUuid}/status", res)
    async def status(call: Call) -> Any:
        return _bulk(call).status(detailed=False)

    @router.add("GET", "/V1/bulk/{bulkUuid}/detailed-status", res)
    async def detailed(call: Call) -> Any:
        return _bulk(call).status(detailed=True)

    @router.add("GET", "/V1/bulk/{bulkUuid}/operation-status/{status}", res)
    async def count(call: Call) -> Any:
        wanted = to_int(call.path["status"])
        return sum(1 for o in _bulk(call).operations if o.status == wanted)

    @router.add("GET", "/V1/bulk", res)
    async def find(call: Call) -> Any:
        ops = [o for b in call.store.bulk.bulks.values() for o in b.operations]
        return listing(call.criteria, ops, lambda o, f: o.field(f), OP_FIELDS,
                       lambda o: o.detailed())

