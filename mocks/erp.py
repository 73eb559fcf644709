"""ERP mock: sales orders from Magento, fulfilment status to pull, and stock (DESIGN §5).

It speaks one API, its **dialect** (option ``dialect``, ``peakready mock erp --dialect NAME``;
docs/dialects.md): ``peakready`` (its own, the default: ``_erp_dialect_peakready.py``),
``business-central``, ``netsuite``, ``odoo`` or ``sap-b1`` (each the vendor's documented
shapes), or a plan's in-house contract (option ``contract``: a YAML file, ``_erp_contract.py``).
Whatever the dialect, there is one store and one evidence writer (``_erp_core.py``), so the
checks never know which dialect ran. Every dialect also serves the ERP's own users' routes
the harness drives::

    GET  /api/stock?updated_since=   on-hand levels changed after a cursor (or an ISO time)
    GET  /api/stock/{sku}            on-hand of one SKU
    POST /api/stock/adjustments      the ERP's own on-hand changes (set/delta, or a batch)
    GET|PUT /__admin/movements       background movement rate at runtime (0 pauses)

Like many real ERPs it creates what it is sent when no key is given, so a connector that
retries without a key makes duplicates, and the evidence shows them. Options (``ErpOptions``,
one strict model over ``settings.options`` and the ``--config`` file): ``dialect``,
``contract``, ``profile`` (fixture
profile for stock, default small), ``stock`` ({sku: qty}, overrides the profile),
``movements_per_second`` (default 2, settable at runtime), ``movements_include_hot``
(default false), ``pick_after``/``ship_after``/``invoice_after`` (seconds, default
10/30/45), ``partial_share`` (share of orders shipped in two parts, default 0) and
``partial_gap`` (seconds between the parts, default 10), ``decrement_stock_on`` (ship |
receive | none, default ship), ``rate_limit``
(requests/s; above it 429 + Retry-After), ``retry_after`` (fixed seconds), ``validation``
(strict | lenient, default strict: field lengths and character sets of a real ERP,
``_erp_validation.py``; a refused order is a 422 naming each field), ``clock`` (a
callable, tests only). Evidence shapes: docs/mocks.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import orjson
from pydantic import Field, field_validator

from peakready.configmodel import StrictBool, StrictModel
from peakready.mockkit import MockKit, MockSettings, mock_config

from ._erp_core import ErpCore
from ._erp_dialects import build_dialect
from ._erp_orders import OrderBook, OrderIn
from ._erp_stock import Movements, StockBook
from ._erp_stock_routes import stock_admin_operations, stock_operations
from ._erp_validation import StrictOrderIn


class ErpOptions(StrictModel):
    """``settings.options`` / the ``--config`` file (docs/mocks.md)."""

    profile: str = "small"
    stock: dict[str, int] | None = None          # {sku: qty}: replaces the profile
    movements_per_second: float = Field(default=2.0, ge=0, le=10_000)
    movements_include_hot: StrictBool = False
    pick_after: float = Field(default=10.0, ge=0)
    ship_after: float = Field(default=30.0, ge=0)
    invoice_after: float = Field(default=45.0, ge=0)
    partial_share: float = Field(default=0.0, ge=0, le=1)
    partial_gap: float = Field(default=10.0, ge=0)
    decrement_stock_on: Literal["ship", "receive", "none"] = "ship"
    rate_limit: int | None = Field(default=None, ge=1)
    retry_after: int | None = Field(default=None, ge=0)
    validation: Literal["strict", "lenient"] = "strict"
    dialect: str = "peakready"
    contract: str | None = None                  # an in-house API's contract file
    clock: Callable[[], float] = time.time       # tests only

    @field_validator("dialect")
    @classmethod
    def _known_dialect(cls, name: str) -> str:
        from ._erp_dialects import DIALECTS

        if name not in DIALECTS:
            raise ValueError(DIALECTS.unknown(name))
        return name


def _initial_stock(settings: MockSettings, options: ErpOptions) -> tuple[
        list[tuple[str, int]], tuple[str, ...]]:
    if options.stock is not None:
        return list(options.stock.items()), ()
    from peakready.seeding.profiles import generate_catalog

    catalog = generate_catalog(options.profile, settings.seed, settings.fixtures_dir)
    return [(p.sku, p.qty) for p in catalog.products], tuple(catalog.hot_skus)


def create_app(settings: MockSettings) -> Any:
    options = mock_config(settings, ErpOptions)
    clock = options.clock
    kit = MockKit(settings, title="peakready ERP mock", description=__doc__ or "",
                  evidence_kinds={"orders": "entity", "requests": "event",
                                  "status_updates": "event", "stock_history": "event"})
    if options.rate_limit:
        kit.set_rate_limit(options.rate_limit, options.retry_after, clock=clock)
    order_model: type[OrderIn] = StrictOrderIn if options.validation == "strict" else OrderIn
    stock = StockBook(kit.evidence, clock)
    orders = OrderBook(
        kit.evidence, stock, decrement_stock_on=options.decrement_stock_on, clock=clock,
        pick_after=options.pick_after, ship_after=options.ship_after,
        invoice_after=options.invoice_after, partial_share=options.partial_share,
        partial_gap=options.partial_gap, seed=settings.seed)
    rate = options.movements_per_second
    initial, hot = _initial_stock(settings, options)
    state: dict[str, Movements] = {}

    def seed_state(restoring: bool) -> None:
        stock.seed(initial)
        orders.clear()
        if restoring:
            for row in kit.evidence.db.execute(
                    "SELECT key, ts, data FROM events WHERE id IN (SELECT MAX(id) FROM events "
                    "WHERE kind = 'stock_history' GROUP BY key) ORDER BY id"):
                last = orjson.loads(row[2])
                stock.restore(row[0], int(last["qty_after"]), float(row[1]), int(last["seq"]))
            orders.restore()
        excluded = () if options.movements_include_hot else hot
        state["movements"] = Movements(stock, rate, settings.seed, clock(), excluded)

    seed_state(restoring=True)
    kit.on_reset(lambda: seed_state(restoring=False))

    def advance() -> None:
        now = clock()
        state["movements"].advance(now)
        orders.advance(now)

    core = ErpCore(kit, orders, stock, order_model, clock, advance)
    core.number_products([sku for sku, _ in initial])
    kit.on_reset(core.sessions.clear)
    dialect = build_dialect(options.dialect, options.contract, core)
    for arrival in dialect.arrivals():
        kit.track_arrivals(arrival.method, arrival.path, "requests", arrival.extract)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async def tick() -> None:
            # Movements and fulfilment also happen when nobody asks.
            while True:
                await asyncio.sleep(0.5)
                with kit.evidence.batch():
                    advance()

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    kit.add_admin(*stock_admin_operations(lambda: state["movements"], clock))
    kit.summary(orders.summary)
    kit.summary(lambda: {"skus": len(stock), "stock_cursor": stock.seq,
                         "rate_limited": kit.rate_limiter.rejected if kit.rate_limiter else 0})
    kit.add(*dialect.operations(), *stock_operations(stock, kit.evidence, advance, ("erp",)))
    return kit.build(lifespan=lifespan)
