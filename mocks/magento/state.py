"""The whole store in memory: one ``Store`` object per app, rebuilt by ``/__admin/reset``.

Tests and the seeding helper reach it in-process as ``app.store`` (``add_product``,
``add_customer``, ``seed_fixture``) to set up a catalog without going through REST.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .attributes import Attributes
from .auth import AuthStore, Principal
from .bulk import BulkQueue
from .carts import Carts
from .catalog import Catalog, Product
from .categories import Categories
from .config import SimConfig
from .customer_groups import CustomerGroups
from .customers import Customers, hash_password
from .events import EventHub
from .hooks import CheckoutHooks
from .inventory import DEFAULT_SOURCE, Inventory
from .msi_catalog import MsiCatalog
from .orders import Orders
from .pages.cache import PageCache
from .pages.routes import Sessions
from .routing import Call, Route
from .sales_documents import SalesDocuments
from .store_tree import StoreTree

if TYPE_CHECKING:
    from .card_payment import CardPayment

__all__ = ["Store"]


@dataclass
class Store:
    cfg: SimConfig
    catalog: Catalog = field(default_factory=Catalog)
    carts: Carts = field(default_factory=Carts)
    events: EventHub = field(default_factory=EventHub)
    backpressure: dict[str, deque[float]] = field(default_factory=dict)
    hot_skus: tuple[str, ...] = ()
    hooks: CheckoutHooks = field(default_factory=CheckoutHooks)  # integration seam
    card: CardPayment | None = None   # the card payment method (card_payment.py), if offered
    started: float = field(default_factory=time.time)
    page_cache: PageCache = field(default_factory=PageCache)  # the full-page cache (pages/)
    sessions: Sessions = field(default_factory=Sessions)      # storefront PHP sessions
    # the storefront's category view (storefront_catalog.py), rebuilt when this counter of
    # product saves, or the number of products or categories, moves
    category_tree: Any = None
    catalog_changes: int = 0

    def __post_init__(self) -> None:
        # Each collection is given what it uses (a clock, the version, a delay), not the store.
        self._now_sec = -1
        self._now_text = ""
        self.customers = Customers(self.cfg.version, self.now)
        self.orders = Orders(delay=self._visibility_delay())
        self.auth = AuthStore(self.cfg)
        self.inventory = Inventory(mode=self.cfg.inventory,
                                   race_window=self.cfg.race_window_ms / 1000.0)
        self.bulk = BulkQueue(now=self.now, execute=self._execute, batch=self.cfg.bulk_batch)
        self.tree = StoreTree()
        self.categories = Categories()
        self.categories.seed_roots(self.now())
        self.attributes = Attributes()
        self.category_attributes = Attributes(entity_type_id="3")
        self.groups = CustomerGroups()
        self.msi = MsiCatalog()
        self.documents = SalesDocuments()

    async def _execute(self, principal: Principal, route: Route, path: dict[str, str],
                       body: dict[str, Any]) -> Any:
        """The bulk consumer's executor: one operation as its publisher's call."""
        return await route.handler(Call(self, principal, path, body, route=route,
                                        is_async=True))

    def _visibility_delay(self) -> Callable[[], float] | None:
        """``visibility: realistic``: a seeded commit delay per new order (orders.py)."""
        if self.cfg.visibility != "realistic":
            return None
        rng = random.Random(f"visibility:{self.cfg.seed}")
        most = self.cfg.visibility_delay_ms / 1000.0
        return lambda: rng.uniform(0.0, most)

    def now(self) -> str:
        """Magento's UTC ``Y-m-d H:i:s`` (cached per second: it is on every write path)."""
        sec = int(time.time())
        if sec != self._now_sec:
            self._now_sec = sec
            self._now_text = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%d %H:%M:%S")
        return self._now_text

    # --- in-process seeding ----------------------------------------------------------------

    def add_product(self, sku: str, name: str | None = None, price: float = 10.0,
                    qty: float = 100.0, *, status: int = 1, type_id: str = "simple",
                    weight: float = 1.0, url_key: str | None = None,
                    category: str | None = None, min_qty: float = 0.0,
                    source_status: int = 1, category_ids: tuple[int, ...] = ()) -> Product:
        now = self.now()
        product = Product(id=self.catalog.next_id(), sku=sku, name=name or sku, price=price,
                          created_at=now, updated_at=now, status=status, type_id=type_id,
                          weight=weight)
        product.custom["url_key"] = url_key or sku.lower()
        if category:
            product.custom["category_name"] = category
        product.category_links = [{"position": index, "category_id": str(cid)}
                                  for index, cid in enumerate(category_ids)]
        self.catalog.add(product)
        if not product.is_composite:
            cfg = self.inventory.stock_config(sku, product.id)
            cfg.min_qty = min_qty
            self.inventory.set_source_item(sku, DEFAULT_SOURCE, qty, source_status)
        return product

    def add_customer(self, email: str, password: str, firstname: str = "Test",
                     lastname: str = "Customer", address: dict[str, Any] | None = None) -> int:
        data: dict[str, Any] = {"email": email, "firstname": firstname, "lastname": lastname}
        if address:
            data["addresses"] = [address]
        customer = self.customers.create(data, None)
        customer.password_hash = hash_password(password)
        return customer.id

    def seed_fixture(self, fixture: Any) -> None:
        """Load a ``peakready.seeding.model.CatalogFixture``: its category tree under Default
        Category, products linked to their category."""
        ids = self.categories.seed_paths(tuple(fixture.categories), self.now())
        for p in fixture.products:
            linked = ids.get(p.category)
            self.add_product(p.sku, p.name, float(p.price), float(p.qty), weight=p.weight,
                             url_key=p.url_key or None, category=p.category,
                             category_ids=(linked,) if linked is not None else ())
        for c in fixture.customers:
            address = {"firstname": c.firstname, "lastname": c.lastname, "street": [c.street],
                       "city": c.city, "postcode": c.postcode, "country_id": c.country_id,
                       "region_id": c.region_id, "region": c.region,
                       "telephone": c.telephone, "default_billing": True,
                       "default_shipping": True}
            self.add_customer(c.email, c.password, c.firstname, c.lastname, address)
        self.hot_skus = tuple(fixture.hot_skus)

    def seed_profile(self) -> None:
        """Seed from ``generate_catalog(profile, seed)`` (nothing for profile none)."""
        if not self.cfg.profile or self.cfg.profile == "none":
            return
        # Imported here only to keep a bare simulator import light (Faker); it is required.
        from peakready.seeding.profiles import generate_catalog

        self.seed_fixture(generate_catalog(profile=self.cfg.profile, seed=self.cfg.seed,
                                           fixtures_dir=self.cfg.fixtures_dir))

    def evidence(self) -> dict[str, Any]:
        """The summary of ``GET /__admin/evidence``; the records are paged (evidence.py)."""
        return {"salable": self.inventory.salable_all(), "hot_skus": list(self.hot_skus),
                "events": {"outbox": len(self.events.outbox),
                           "dropped": self.events.dropped},
                "bulk": {"pending": self.bulk.pending(), "bulks": len(self.bulk.bulks)}}
