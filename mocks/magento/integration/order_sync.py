"""ERP → Magento order status: pull ``/api/order-updates`` and apply them as documents.

``partially_shipped`` and ``shipped`` become a shipment of the update's lines (its carrier and
tracking number as the shipment's track, source deduction by the simulator's ship route),
``invoiced`` an invoice; ``picked`` and ``cancelled`` are informational. The cursor only moves
past an update once it is applied or known to be moot (the order already has that document,
e.g. the second of two duplicate ERP orders), so an outage of either side loses nothing; an
update for an order on hold waits (``deferred``) and is tried again each cycle until the hold
is lifted; an update that fails for another reason is counted and skipped (``failed``).

Slots (strategies.py): ``order_updates`` (``apply``; ``ignore`` drops every update: flag
``ignore_order_updates``) and ``shipment_lines`` (``per_line``; ``whole_order`` ships every
line on the first shipment update: flag ``no_partial_shipments``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from .clients import ServiceCallError, ServiceClients
from .magento_api import MagentoApi
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["OrderSync"]

log = logging.getLogger("peakready.mocks.magento.integration")
_MAX_PAGES = 20   # per cycle: a long backlog is caught up over several cycles
_SHIPMENTS = ("partially_shipped", "shipped")
_MAX_DEFERRED = 10_000


@REGISTRY.register("order_updates", "apply")
def _apply_updates(status: Any) -> bool:
    return True


@REGISTRY.register("order_updates", "ignore")
def _ignore_updates(status: Any) -> bool:
    return False


@REGISTRY.register("shipment_lines", "per_line")
def _update_lines(order: Any, update: dict[str, Any]) -> list[dict[str, Any]]:
    """The order items and quantities of the update's lines (sku, qty), first fit."""
    lines = update.get("items")
    if not isinstance(lines, list):
        return []                              # an update without lines: everything left
    out: list[dict[str, Any]] = []
    for line in lines:
        if not isinstance(line, dict):
            continue
        wanted = float(line.get("qty") or 0)
        for item in order.items:
            if wanted <= 0:
                break
            if item.sku == line.get("sku") and item.to_ship > 0:
                take = min(wanted, item.to_ship)
                out.append({"order_item_id": item.item_id, "qty": take})
                wanted -= take
    return out


@REGISTRY.register("shipment_lines", "whole_order")
def _whole_order(order: Any, update: dict[str, Any]) -> list[dict[str, Any]]:
    return []


class OrderSync:
    def __init__(self, clients: ServiceClients, magento: MagentoApi,
                 settings: IntegrationSettings) -> None:
        self.clients = clients
        self.magento = magento
        self.settings = settings
        self.cursor = 0
        self.counts: Counter[str] = Counter()
        self.recent: list[dict[str, Any]] = []
        self.known: dict[str, int] = {}      # increment id → entity id, fed by the outbox
        # called with the shipped SKUs (stock_sync.reapply: the ERP owns on-hand)
        self.after_ship: Callable[[list[str]], Awaitable[None]] | None = None
        # called before a page of updates with shipments is applied (stock_sync.refresh):
        # the ERP took their units off its on-hand before it announced them, so the levels
        # read now are net of them and after_ship writes back no level older than its shipment
        self.before_shipments: Callable[[], Awaitable[object]] | None = None
        # called with (sku, qty) to ship when Magento's source has not the units
        # (stock_sync.make_room); the shipment is then tried once more
        self.make_room: Callable[[list[tuple[str, float]]], Awaitable[bool]] | None = None
        self.strategies: dict[str, str] = {"order_updates": "apply",
                                           "shipment_lines": "per_line"}
        self.deferred: list[dict[str, Any]] = []   # updates of orders on hold

    def entity_id(self, increment_id: str) -> int | None:
        if increment_id in self.known:
            return self.known[increment_id]
        store = self.magento.magento.store
        for order in reversed(store.orders.by_id.values()):
            if order.increment_id == increment_id:
                return int(order.entity_id)
        return None

    async def cycle(self) -> int:
        """One pull; returns how many updates were handled."""
        handled = 0
        waiting, self.deferred = self.deferred, []
        for update in waiting:
            await self.apply(update)
        for _ in range(_MAX_PAGES):
            try:
                reply = await self.clients.call(
                    "erp", "GET", "/api/order-updates",
                    params={"since": self.cursor, "limit": self.settings.page_limit},
                    timeout=self.settings.pull_timeout)
            except ServiceCallError as exc:
                self.counts["pull_errors"] += 1
                log.info("order-updates pull failed: %s", exc)
                return handled
            if not reply.ok or not isinstance(reply.body, dict):
                self.counts["pull_errors"] += 1
                return handled
            items = reply.body.get("items", [])
            if self.before_shipments is not None and any(
                    isinstance(u, dict) and u.get("status") in _SHIPMENTS for u in items):
                await self.before_shipments()
            for update in items:
                await self.apply(update)
                self.cursor = max(self.cursor, int(update.get("id", self.cursor)))
                handled += 1
            self.cursor = max(self.cursor, int(reply.body.get("next_cursor", self.cursor)))
            if not reply.body.get("has_more"):
                break
        self.counts["cycles"] += 1
        return handled

    async def apply(self, update: dict[str, Any]) -> None:
        status = update.get("status")
        if status not in (*_SHIPMENTS, "invoiced") or not REGISTRY.get(
                "order_updates", self.strategies["order_updates"])(status):
            self.counts[f"ignored_{status}"] += 1
            return
        entity_id = self.entity_id(str(update.get("increment_id")))
        if entity_id is None:
            self.counts["unknown_order"] += 1
            return
        order = self.magento.magento.store.orders.by_id.get(entity_id)
        if order is not None and order.state == "holded":
            if len(self.deferred) < _MAX_DEFERRED:
                self.deferred.append(update)
                self.counts["deferred_on_hold"] += 1
            return
        if status in _SHIPMENTS:
            code, body = await self._ship(entity_id, update)
        else:
            code, body = await self.magento.invoice(entity_id, update.get("invoice_id"))
        if code == 200:
            self.counts[f"{status}_applied"] += 1
            if status in _SHIPMENTS and self.after_ship is not None and order is not None:
                await self.after_ship([item.sku for item in order.items])
        elif code == 400 and "does not allow" in str(body):
            self.counts[f"{status}_already_done"] += 1
        else:
            self.counts[f"{status}_failed"] += 1
            log.warning("could not apply ERP %s for order %s: %s %s", status,
                        update.get("increment_id"), code, body)
        self.recent = [*self.recent[-49:], {"increment_id": update.get("increment_id"),
                                            "status": status, "result": code,
                                            "tracking_number": update.get("tracking_number")}]

    async def _ship(self, entity_id: int, update: dict[str, Any]) -> tuple[int, Any]:
        order = self.magento.magento.store.orders.by_id.get(entity_id)
        lines = REGISTRY.get("shipment_lines", self.strategies["shipment_lines"])(
            order, update) if order is not None else []
        if order is not None and update.get("items") and not lines and \
                self.strategies["shipment_lines"] == "per_line":
            return 400, "The order does not allow a shipment to be created."  # all shipped
        ship = (entity_id, update.get("carrier"), update.get("tracking_number"), lines)
        code, body = await self.magento.ship(*ship)
        if code == 400 and "Not all of your products" in str(body) and self.make_room:
            # The ERP's feed can bring its on-hand (already net of this shipment) before its
            # shipped status: Magento's source then lacks the units its own deduction takes
            # and would refuse the shipment for good, leaving its reservation open forever.
            by_id = {i.item_id: i for i in order.items} if order else {}
            items = [(by_id[line["order_item_id"]].sku, float(line["qty"])) for line in lines
                     if line["order_item_id"] in by_id] if lines else \
                [(i.sku, i.to_ship) for i in order.items if i.to_ship] if order else []
            if items and await self.make_room(items):
                self.counts["shipped_after_making_room"] += 1
                code, body = await self.magento.ship(*ship)
        return code, body

    def metrics(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "deferred": len(self.deferred), **dict(self.counts),
                "recent": self.recent[-10:]}
