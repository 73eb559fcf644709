"""The Magento 2.4 REST simulator (DESIGN §6, spec/magento-rest.md).

::

    create_app(settings) ─► SimulatorApp (lifespan: the integration's loops)
        └─► MockKit middleware (faults, journal; route_resolver names faulted requests)
              ├── /__admin/* ─► mockkit admin app: health, reset, faults, journal, evidence
              │                 (evidence.py), capacity (capacity model), integration
              │                 (integration/admin.py): one error envelope, in the OpenAPI
              └─► FullPageCache (pages/fpc.py: Varnish's place; a hit stops here)
                    └─► CapacityModel (only with --capacity-model on)
                          └─► StorefrontApp (storefront.py): /graphql (graphql/), pages
                                (pages/), else MagentoApp (app.py): prefixes, auth, ACL, dispatch
                                └─► Store (state.py), rebuilt on /__admin/reset
                                catalog · inventory (MSI) · carts · orders · customers ·
                                bulk consumer · events (seam) · hooks (seam)

    schema_index.py  Magento's REST schema as the route table (schema_routes.json), the
                     service groups and the coverage listing (``--coverage``)
    routing.py   the router: schema paths → handlers, literal-first trie, bulk ``by<Param>``
    rest.py      error envelope, JSON, key spelling, type coercion
    search.py    searchCriteria parsing and evaluation, ``listing()`` for every search route
    auth.py      admin / customer / integration tokens, ACL

    state (collections, given what they use; no routes):
    catalog.py products · categories.py tree · attributes.py EAV · store_tree.py websites,
    groups, views · inventory.py MSI quantities · msi_catalog.py sources, stocks, links ·
    carts.py quotes · orders.py sales model · sales_documents.py invoices, shipments, credit
    memos · customers.py accounts · customer_groups.py · bulk.py the async queue (a clock,
    a batch size and an executor) · events.py (seam) · hooks.py CheckoutHooks (seam)

    routes, by Magento service:
    catalog.py (products) · catalog_routes.py attributes, types · category_routes.py ·
    price_routes.py · product_link_routes.py websites, media, configurables ·
    checkout.py + quote_routes.py carts · customers.py + customer_routes.py ·
    inventory_routes.py + msi_routes.py · order_actions.py + order_routes.py +
    sales_document_routes.py · store_routes.py store, directory · bulk_routes.py
    evidence.py  GET /__admin/evidence kinds: orders, customers, source items, reservations
    card_payment.py  the store's card payment method (a payment module on the gateway mock):
                 authorize at place-order; capture / void / refund on online documents
    job_queue.py work handed to a back-end after the request, retried with backoff
    integration/ the built-in ERP/CRM connector and its mistake flags, /__admin/integration
    config.py    version switches and knobs (one StrictModel)

In-process use (tests, seeding): ``app = create_app(settings)``; ``app.store`` is the live
``Store`` (``add_product``, ``add_customer``, ``events.subscribe``); ``app.magento`` the
business app without middleware. With ``mockkit: false`` there is no middleware and no admin
API at all (the bare store, for measuring it).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from peakready.errors import ConfigError
from peakready.mockkit import ApiError, MockKit, Operation, Param, json_response
from peakready.mockkit.settings import MockSettings

from .app import MagentoApp, build_router
from .card_payment import CardPayment
from .config import SimConfig, load_config
from .events import EventHub, OrderPlaced, OrderStateChanged
from .pages.fpc import FullPageCache
from .schema_index import coverage
from .state import Store
from .storefront import StorefrontApp

__all__ = ["EventHub", "OrderPlaced", "OrderStateChanged", "SimConfig", "SimulatorApp",
           "Store", "coverage_markdown", "coverage_report", "create_app"]

CAPACITY_PATH = "/__admin/capacity"


class SimulatorApp:
    """The ASGI app ``peakready mock magento`` serves."""

    def __init__(self, magento: MagentoApp, inner: Any, kit: MockKit | None, capacity: Any,
                 integration: Any = None, card: CardPayment | None = None) -> None:
        self.magento = magento
        self.card = card                # card_payment.CardPayment, the store's
        self.kit = kit
        self.capacity = capacity
        self.integration = integration  # integration.runtime.Integration
        self._inner = inner

    @property
    def store(self) -> Store:
        return self.magento.store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and self.integration is not None:
            receive = self.integration.lifespan_receive(receive)
        if scope["type"] == "lifespan" and self.card is not None:
            receive = self.card.lifespan_receive(receive)
        await self._inner(scope, receive, send)


def _capacity_operation(capacity: Any) -> Operation:
    from peakready.mockkit.capacity import disabled_report, parse_mix

    async def report(request: Request) -> Response:
        if capacity is None:
            return json_response(disabled_report())
        try:
            return json_response(capacity.report(parse_mix(request.query_params.get("mix"))))
        except ConfigError as exc:
            raise ApiError(400, "invalid_parameter", str(exc),
                           [{"field": "mix", "reason": "unparseable"}]) from None

    return Operation("GET", CAPACITY_PATH, report,
                     "The capacity model: workers, service times, ceiling for a route mix",
                     responses={200: {"type": "object"}}, tags=("admin",), params=(
                         Param("mix", {"type": "string"},
                               "route=share,... (e.g. product_get=60,place_order=7)"),))


def create_app(settings: MockSettings) -> SimulatorApp:
    """Build the simulator for ``settings`` (see ``config.py`` for ``options``)."""
    cfg = load_config(settings)
    magento = MagentoApp(cfg)
    magento.store.seed_profile()
    from .integration import install

    integration = install(magento, settings, cfg)
    card = _card_payment(magento, settings, cfg, integration)
    inner: Any = StorefrontApp(magento)
    capacity = None
    hit_cost = None
    if cfg.capacity_model:
        from peakready.mockkit.capacity import CapacityConfig, CapacityModel

        cap_cfg = CapacityConfig.from_options(cfg.capacity) if cfg.capacity else \
            CapacityConfig(seed=settings.seed)
        capacity = CapacityModel(inner, cap_cfg)
        inner = capacity
        model = capacity

        def hit_cost() -> float:
            return model.draw_service_time(model.config.cache_hit)
    # Varnish's place: in front of the PHP workers, so a hit never waits for one.
    inner = FullPageCache(inner, lambda: magento.store, hit_cost=hit_cost)
    kit = None
    if cfg.mockkit:
        kit = MockKit(settings, title="Magento 2.4 REST simulator", version=cfg.version_text)

        def reset() -> None:
            magento.reset()
            if capacity is not None:
                capacity.reset()
            if card.active:
                card.attach()
            if integration is not None:
                integration.on_reset()

        kit.on_reset(reset)
        from . import evidence

        evidence.register(kit, lambda: magento.store)
        kit.summary(lambda: magento.store.evidence())
        kit.add_admin(_capacity_operation(capacity))
        kit.summary(lambda: {"card_payment": card.metrics()} if card.active else {})
        if integration is not None:  # export backlog, dead letters, sync cursors
            from .integration.admin import admin_operations

            kit.summary(lambda: {"integration": integration.state()})
            kit.add_admin(*admin_operations(integration))
        kit.health(lambda: {"magento_version": cfg.version_text, "inventory": cfg.inventory,
                            "products": len(magento.store.catalog.products),
                            "orders": len(magento.store.orders.by_id)})
        # A request a fault answers never reaches the router: name its route all the same.
        kit.route_resolver = magento.route_template
        inner = kit.wrap(inner)
    return SimulatorApp(magento, inner, kit, capacity, integration, card)


def _card_payment(magento: MagentoApp, settings: MockSettings, cfg: SimConfig,
                  integration: Any) -> CardPayment:
    """The store's card payment method: offered when the simulator is given a payment gateway
    (the embedded estate always gives one) or runs its built-in integration."""
    from .integration.runtime import card_settings
    from .integration.settings import payment_gateway_given

    card = CardPayment(card_settings(integration.settings), lambda: magento.store)
    integration.card = card
    if integration.enabled or payment_gateway_given(settings.options,
                                                    getattr(cfg, "integration", None)):
        card.attach()
        integration.attach()        # hands the card its capture_key strategy
    return card


def coverage_report() -> str:
    """``peakready mock magento --coverage``: served / total schema routes per service group
    (the issue's groups first, then the out-of-scope ones), each missing route listed."""
    router = build_router()
    lines = []
    for group, entry in coverage(router.index, router.served()).items():
        lines.append(f"{group:24s} {entry['served']:4d} / {entry['total']:<4d}")
        lines.extend(f"    missing {route}" for route in entry["missing"])
    extra = sorted(f"{r.method} {r.pattern}" for r in router.routes if r.schema is None)
    lines.extend(f"outside the schema        {route}" for route in extra)
    return "\n".join(lines) + "\n"


def coverage_markdown() -> str:
    """The coverage table of docs/magento-simulator.md (kept equal by a test)."""
    router = build_router()
    tags: dict[str, set[str]] = {}
    for route in router.index:
        tags.setdefault(route.group, set()).add(route.tag)
    lines = ["| Group | Served / schema routes | Magento services (schema tags) |",
             "| --- | --- | --- |"]
    for group, entry in coverage(router.index, router.served()).items():
        names = ", ".join(sorted(t.removesuffix("V1") for t in tags[group]))
        lines.append(f"| {group} | {entry['served']} / {entry['total']} | {names} |")
    return "\n".join(lines) + "\n"
