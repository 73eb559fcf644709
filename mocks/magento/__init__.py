"""The Magento 2.4 REST simulator (DESIGN §6, spec/magento-rest.md).

::

    create_app(settings) ─► SimulatorApp
        /__admin/capacity ──────────────► capacity report (mockkit.capacity)
        everything else ─► MockKit middleware (faults, journal, /__admin/*)
                              └─► CapacityModel (only with --capacity-model on)
                                    └─► MagentoApp (app.py): prefixes, auth, ACL, dispatch
                                          └─► Store (state.py), rebuilt on /__admin/reset
                                                catalog · inventory (MSI) · carts · orders ·
                                                customers · bulk consumer · events (seam)

    rest.py      error envelope, JSON, key spelling, type coercion
    search.py    searchCriteria parsing and evaluation
    routing.py   the route table (webapi.xml as data)
    auth.py      admin / customer / integration tokens, ACL
    catalog.py   products               inventory.py / inventory_routes.py   MSI + legacy
    carts.py     quotes and items       checkout.py   shipping, payment, place order
    orders.py    sales model, states    order_actions.py   invoice/ship/cancel/refund/hold
    customers.py accounts, tokens       bulk.py       async + bulk, status endpoints
    events.py    OrderPlaced / OrderStateChanged hub (the integration's seam)
    integration/ the built-in ERP/CRM connector and its mistake flags; its hooks.py is the
                 checkout seam (``store.hooks``), /__admin/integration its admin API
    config.py    version switches and knobs

In-process use (tests, seeding): ``app = create_app(settings)``; ``app.store`` is the live
``Store`` (``add_product``, ``add_customer``, ``events.subscribe``); ``app.magento`` the
business app without middleware.
"""

from __future__ import annotations

from typing import Any

from peakready.mockkit.settings import MockSettings

from .app import MagentoApp
from .config import SimConfig, load_config
from .events import EventHub, OrderPlaced, OrderStateChanged
from .state import Store

__all__ = ["EventHub", "OrderPlaced", "OrderStateChanged", "SimConfig", "SimulatorApp",
           "Store", "create_app"]

CAPACITY_PATH = "/__admin/capacity"


class SimulatorApp:
    """The ASGI app ``peakready mock magento`` serves."""

    def __init__(self, magento: MagentoApp, inner: Any, kit: Any, capacity: Any,
                 integration: Any = None) -> None:
        self.magento = magento
        self.kit = kit
        self.capacity = capacity
        self.integration = integration  # integration.runtime.Integration
        self._inner = inner

    @property
    def store(self) -> Store:
        return self.magento.store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == CAPACITY_PATH:
            await self._capacity(scope, send)
            return
        if self.integration is not None:
            from .integration.admin import PREFIX, handle_admin

            if scope["type"] == "lifespan":
                receive = self.integration.lifespan_receive(receive)
            elif scope["type"] == "http" and scope["path"].startswith(PREFIX):
                await handle_admin(self.integration, scope, receive, send)
                return
        await self._inner(scope, receive, send)

    async def _capacity(self, scope: dict[str, Any], send: Any) -> None:
        from peakready.errors import ConfigError
        from peakready.mockkit.capacity import disabled_report, parse_mix

        from .rest import dumps
        from .search import parse_query

        status = 200
        if self.capacity is None:
            body: Any = disabled_report()
        else:
            mix = parse_query(scope.get("query_string", b"")).get("mix")
            try:
                body = self.capacity.report(parse_mix(mix if isinstance(mix, str) else None))
            except ConfigError as exc:
                status, body = 400, {"message": str(exc)}
        raw = dumps(body)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})


def create_app(settings: MockSettings) -> SimulatorApp:
    """Build the simulator for ``settings`` (see ``config.py`` for ``options``)."""
    cfg = load_config(settings)
    magento = MagentoApp(cfg)
    magento.store.seed_profile()
    from .integration import install

    integration = install(magento, settings, cfg)
    inner: Any = magento
    capacity = None
    if cfg.capacity_model:
        from peakready.mockkit.capacity import CapacityConfig, CapacityModel

        cap_cfg = CapacityConfig.from_options(cfg.capacity) if cfg.capacity else \
            CapacityConfig(seed=settings.seed)
        capacity = CapacityModel(inner, cap_cfg)
        inner = capacity
    kit = None
    if cfg.mockkit:
        from peakready.mockkit.app import MockKit

        kit = MockKit(settings, title="Magento 2.4 REST simulator", version=cfg.version_text)

        def reset() -> None:
            magento.reset()
            if capacity is not None:
                capacity.reset()
            if integration is not None:
                integration.on_reset()

        kit.on_reset(reset)
        from . import evidence

        evidence.register(kit, lambda: magento.store)
        kit.summary(lambda: magento.store.evidence())
        if integration is not None:  # export backlog, dead letters, sync cursors
            kit.summary(lambda: {"integration": integration.state()})
        kit.health(lambda: {"magento_version": cfg.version_text, "inventory": cfg.inventory,
                            "products": len(magento.store.catalog.products),
                            "orders": len(magento.store.orders.by_id)})
        inner = kit.wrap(inner)
    return SimulatorApp(magento, inner, kit, capacity, integration)
