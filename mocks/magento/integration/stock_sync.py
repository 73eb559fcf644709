"""ERP → Magento stock: the ERP owns on-hand, Magento's reservations stay Magento's.

Each cycle writes the ERP's absolute on-hand into the ``default`` source item of every SKU
Magento knows; salable quantity is then on-hand minus Magento's open reservations, so units
sold but not yet shipped are never offered twice. Two strategies:

* ``delta`` (good): ``GET /api/stock?updated_since=<cursor>`` pages, only the SKUs that
  changed; the cursor is the feed's ``next_cursor`` (a sequence, immune to clock skew); a
  400 ``cursor_past_head`` (the ERP's feed restarted) starts over from 0;
* ``full`` (the mistake): ``GET /api/stock/{sku}`` for every SKU in the catalogue, every cycle;
* ``stall_on_error`` (the mistake): ``delta`` until its first failed pull, then never again.

A shipment created from the ERP's status feed deducts the source in Magento too, though the
ERP's on-hand already dropped; ``reapply`` writes the ERP's level back right after it, and
``refresh`` (before the order sync applies shipments) makes sure that level is not older than
the shipment.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from .clients import ServiceCallError, ServiceClients
from .magento_api import MagentoApi
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["StockSync"]

log = logging.getLogger("peakready.mocks.magento.integration")
_MAX_PAGES = 50
_FULL_CONCURRENCY = 8


class StockSync:
    def __init__(self, clients: ServiceClients, magento: MagentoApi,
                 settings: IntegrationSettings, strategy: str, writer: str = "source_items",
                 after_sync: str = "none") -> None:
        self.clients = clients
        self.magento = magento
        self.settings = settings
        self.strategy = strategy
        self.writer = writer            # stock_write slot (stock_write.py)
        self.after_sync = after_sync    # cache_after_sync slot (stock_write.py)
        self.cursor = 0
        self.counts: Counter[str] = Counter()
        self.last_cycle: dict[str, int] = {}
        self.levels: dict[str, float] = {}   # the ERP on-hand last written, per SKU

    async def cycle(self) -> int:
        run: Callable[[StockSync], Awaitable[tuple[int, int]]] = REGISTRY.get(
            "stock_pull", self.strategy)
        requests, applied = await run(self)
        if applied:
            await REGISTRY.get("stock_write", self.writer).after_cycle(self)
        self.counts["cycles"] += 1
        self.counts["erp_requests"] += requests
        self.counts["skus_applied"] += applied
        self.last_cycle = {"erp_requests": requests, "skus_applied": applied}
        return applied

    async def apply(self, levels: list[dict[str, Any]], *, erp_levels: bool = True) -> int:
        """Write source quantities; ``erp_levels``: they are the ERP's (remembered as such)."""
        catalog = self.magento.magento.store.catalog
        items = [{"sku": lv["sku"], "source_code": "default", "quantity": lv["qty"],
                  "status": 1 if lv["qty"] > 0 else 0}
                 for lv in levels if catalog.get(lv["sku"]) is not None]
        if not items:
            return 0
        code, body = await REGISTRY.get("stock_write", self.writer).write(self, items)
        after: Callable[[StockSync], Awaitable[None]] = REGISTRY.get("cache_after_sync",
                                                                     self.after_sync)
        await after(self)
        if code != 200:
            self.counts["apply_errors"] += 1
            log.warning("source-items save refused: %s %s", code, body)
            return 0
        if erp_levels:
            for item in items:
                self.levels[item["sku"]] = item["quantity"]
        return len(items)

    async def refresh(self) -> None:
        """Before shipments from the ERP's feed are recorded: pull the ERP's changes, so the
        levels ``reapply`` writes back are net of those shipments. A level read between two
        shipments of a SKU and written back after the second would put its units on sale
        again until the next cycle: sold twice in a flash sale. The ``full`` strategy is left
        to its own cycle (it reads every SKU: once per shipment page would be the mistake
        squared); a stalled sync stays stalled (its cycle does nothing)."""
        if self.strategy != "full":
            await self.cycle()

    async def reapply(self, skus: list[str]) -> None:
        """After a shipment: Magento's source deduction repeats what the ERP already took off
        its on-hand, so the ERP's level (as last seen) is written back. If the ERP's own
        decrement is newer than that level, the next delta carries it; either way the source
        converges on the ERP's on-hand instead of drifting below it."""
        known = [{"sku": s, "qty": self.levels[s]} for s in dict.fromkeys(skus)
                 if s in self.levels]
        if known:
            self.counts["reapplied"] += await self.apply(known)

    async def make_room(self, items: list[tuple[str, float]]) -> bool:
        """Before a shipment Magento refused for want of units: put back what the ERP's level
        (as last seen) already took off for it, so the deduction lands on the ERP's level."""
        rows = [{"sku": sku, "qty": self.levels[sku] + qty} for sku, qty in items
                if sku in self.levels]
        return bool(rows) and await self.apply(rows, erp_levels=False) == len(rows)

    def metrics(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "cursor": self.cursor, **dict(self.counts),
                "last_cycle": self.last_cycle}


def _error_code(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


@REGISTRY.register("stock_pull", "delta")
async def pull_delta(sync: StockSync) -> tuple[int, int]:
    requests = applied = 0
    for _ in range(_MAX_PAGES):
        requests += 1
        try:
            reply = await sync.clients.call(
                "erp", "GET", "/api/stock",
                params={"updated_since": sync.cursor, "limit": sync.settings.page_limit},
                timeout=sync.settings.pull_timeout)
        except ServiceCallError as exc:
            sync.counts["pull_errors"] += 1
            log.info("stock delta pull failed: %s", exc)
            break
        if reply.status == 400 and _error_code(reply.body) == "cursor_past_head":
            # The ERP's feed restarted below our cursor (a reset, a restore): read it whole
            # again rather than wait, cursor frozen, for a head that may never come back.
            sync.counts["cursor_resets"] += 1
            sync.cursor = 0
            continue
        if not reply.ok or not isinstance(reply.body, dict):
            sync.counts["pull_errors"] += 1
            break
        applied += await sync.apply(reply.body.get("items", []))
        sync.cursor = int(reply.body.get("next_cursor", sync.cursor))
        if not reply.body.get("has_more"):
            break
    return requests, applied


@REGISTRY.register("stock_pull", "stall_on_error")
async def pull_until_error(sync: StockSync) -> tuple[int, int]:
    """The mistake: the delta pull's job dies at its first failed pull (an unhandled error
    ends the cron) and nothing restarts it, so every later ERP change is missed."""
    if sync.counts["stalled"]:
        return 0, 0
    errors = sync.counts["pull_errors"]
    requests, applied = await pull_delta(sync)
    if sync.counts["pull_errors"] > errors:
        log.warning("stock sync failed and stops for good (stock_sync_stalls)")
        sync.counts["stalled"] = 1
    return requests, applied


@REGISTRY.register("stock_pull", "full")
async def pull_full(sync: StockSync) -> tuple[int, int]:
    """The mistake: ask for every SKU every cycle, changed or not."""
    skus = [sku for sku, p in list(sync.magento.magento.store.catalog.products.items())
            if not getattr(p, "is_composite", False)]
    gate = asyncio.Semaphore(_FULL_CONCURRENCY)
    levels: list[dict[str, Any]] = []

    async def one(sku: str) -> None:
        async with gate:
            try:
                reply = await sync.clients.call("erp", "GET", f"/api/stock/{quote(sku, safe='')}",
                                                timeout=sync.settings.pull_timeout)
            except ServiceCallError:
                sync.counts["pull_errors"] += 1
                return
            if reply.ok and isinstance(reply.body, dict):
                levels.append(reply.body)

    await asyncio.gather(*(one(sku) for sku in skus))
    applied = 0
    size = max(1, sync.settings.page_limit)
    for start in range(0, len(levels), size):   # one source-items save per page, as delta
        applied += await sync.apply(levels[start:start + size])
    return len(skus), applied
