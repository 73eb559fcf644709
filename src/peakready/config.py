"""The plan: one YAML file drives a run (DESIGN §3). ``load_plan(path)`` → :class:`Plan`.

::

    Plan
    ├── target      where: embedded estate (simulator + built-in integration) or a real store;
    │               the user's own connector; allow_hosts
    ├── load        open model: duration, shape, orders_per_minute x mix, sync traffic,
    │               flash sale, arrivals, max_concurrency, workers, edge-case orders
    ├── faults[]    the timeline: at / for, on a proxy (toxic or down) or a mock (http)
    ├── slo         gates per journey / request name; during_faults overrides inside windows
    ├── checks[]    names from peakready.checks; thresholds their limits
    ├── drain       how long to wait for the integration to catch up after the load
    ├── capacity    the peak forecast and the capacity search's steps
    └── seed        fixtures, arrivals and fault draws (load.arrival_seed: arrivals only)

Every model is a :class:`~peakready.configmodel.StrictModel`, so every mistake is a ConfigError
naming the file, the key path and the value. Every field has a default documented in
``docs/plans.md`` (a test keeps the two in step). The resolved plan travels to the Locust
processes as JSON (``Plan.model_dump(mode="json", by_alias=True)``) and is re-validated there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from peakready.configmodel import Duration, StrictBool, StrictModel, load_yaml, validate
from peakready.errors import ConfigError
from peakready.integration_flags import FLAGS

__all__ = [
    "CHECKOUT_JOURNEYS",
    "CRM_DIALECTS",
    "JOURNEYS",
    "STOREFRONTS",
    "CapacityPlan",
    "ConnectorPlan",
    "CrmTarget",
    "DrainPlan",
    "FaultPlan",
    "FlashSalePlan",
    "HttpFaultPlan",
    "IntegrationPlan",
    "LoadPlan",
    "Plan",
    "SimulatorPlan",
    "SloPlan",
    "SloSpec",
    "SpikePlan",
    "StoreTarget",
    "SyncPlan",
    "TargetPlan",
    "ThresholdsPlan",
    "load_plan",
    "parse_plan",
]

#: Storefront journeys a plan's ``load.mix`` may weigh (scenarios/storefront.py implements them).
JOURNEYS = ("browse", "search", "abandoned_cart", "guest_checkout", "customer_checkout")
#: The journeys that place an order: ``orders_per_minute`` is their combined arrival rate.
CHECKOUT_JOURNEYS = ("guest_checkout", "customer_checkout")
#: How shoppers reach the store (``load.storefront``): Magento's REST API, a headless storefront's
#: GraphQL, or a Luma-style store's HTML pages behind the full-page cache.
STOREFRONTS = ("rest", "graphql", "pages")
_BACKENDS = ("erp", "crm", "payment", "shipping")
_BUILTIN_SHAPES = ("constant", "steps", "spike", "peak-day")

Percent = Annotated[float, Field(ge=0)]
Storefront = Literal["rest", "graphql", "pages"]


# ---------------------------------------------------------------------------------- target
class StoreTarget(StrictModel):
    """A real store: its base URL and the environment variable holding its bearer token."""

    url: str = Field(pattern=r"^https?://")
    token_env: str = Field(default="MAGENTO_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class SimulatorPlan(StrictModel):
    """The embedded Magento simulator (ignored for a real store)."""

    profile: str = "small"
    inventory: Literal["strict", "race"] = "strict"
    # on | off | {workers: 8, ...}: the simulator's capacity model (docs/magento-simulator.md).
    capacity_model: StrictBool | dict[str, Any] = False
    # realistic: orders become visible to searches after a small seeded delay (out of order).
    visibility: Literal["immediate", "realistic"] = "realistic"
    version: str = "2.4.7"


class IntegrationPlan(StrictModel):
    """The simulator's built-in integration: ``good`` or ``none``, plus classic-mistake flags."""

    profile: Literal["good", "none"] = "good"
    flags: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"profile": data} if isinstance(data, str) else data

    @field_validator("flags")
    @classmethod
    def _known_flags(cls, flags: list[str]) -> list[str]:
        slots: dict[str, str] = {}
        for flag in flags:
            if flag not in FLAGS:
                raise ValueError(FLAGS.unknown(flag))
            other = slots.setdefault(FLAGS[flag].slot, flag)
            if other != flag:
                raise ValueError(f"{other} and {flag} both replace the integration's "
                                 f"{FLAGS[flag].slot}: choose one")
        return flags

    @model_validator(mode="after")
    def _flags_need_the_integration(self) -> IntegrationPlan:
        if self.flags and self.profile == "none":
            raise ValueError("flags switch on mistakes of the built-in integration: with "
                             "integration none there is none to switch")
        return self


class ConnectorPlan(StrictModel):
    """The user's own connector process (DESIGN §10), started with the PEAKREADY_* variables."""

    command: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    stop_grace: Duration = 10.0


#: The APIs the ERP mock speaks (mocks/_erp_dialects.py registers the same names).
ERP_DIALECTS = ("peakready", "business-central", "netsuite", "odoo", "sap-b1")


class _MockApi(StrictModel):
    """What an ERP or CRM mock speaks: a vendor dialect (the subclass's names), or an in-house
    API's contract file (docs/dialects.md); ``peakready`` is the mock's own API. A plan may
    give the dialect's name alone."""

    dialect: str = "peakready"
    contract: str | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"dialect": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_of(self) -> _MockApi:
        if self.contract is not None and self.dialect != "peakready":
            raise ValueError("give dialect or contract, not both: a contract describes the "
                             "whole API")
        return self


class ErpTarget(_MockApi):
    dialect: Literal["peakready", "business-central", "netsuite", "odoo", "sap-b1"] = \
        "peakready"


#: The APIs the CRM mock speaks (mocks/crm.py registers the same names).
CRM_DIALECTS = ("peakready", "salesforce", "hubspot")


class CrmTarget(_MockApi):
    dialect: Literal["peakready", "salesforce", "hubspot"] = "peakready"


class TargetPlan(StrictModel):
    magento: Literal["embedded"] | StoreTarget = "embedded"
    simulator: SimulatorPlan = SimulatorPlan()
    integration: IntegrationPlan = IntegrationPlan()
    crm: CrmTarget = CrmTarget()
    connector: ConnectorPlan | None = None
    erp: ErpTarget = ErpTarget()
    allow_hosts: list[str] = Field(default_factory=list)
    # host:port per back-end proxy listener (default 127.0.0.1:0, a free loopback port). A real
    # store's integration is pointed at these once, so they must be fixed and reachable from it.
    listen: dict[str, str] = Field(default_factory=dict)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: dict[str, str]) -> dict[str, str]:
        from peakready.safety import split_host_port

        for name, address in listen.items():
            if name not in _BACKENDS:
                raise ValueError(f"listen.{name}: no such proxy; proxies: {', '.join(_BACKENDS)}")
            try:
                split_host_port(address)
            except ValueError as exc:
                raise ValueError(f"listen.{name} = {address!r}: {exc}; write host:port, "
                                 f"e.g. 0.0.0.0:18281") from None
        return listen

    @field_validator("magento", mode="before")
    @classmethod
    def _embedded_or_store(cls, value: Any) -> Any:
        # Without this a typo reads as two union errors naming a class ("StoreTarget").
        if isinstance(value, str) and value != "embedded":
            raise ValueError("use embedded, or a real store as {url: https://..., "
                             "token_env: MAGENTO_TOKEN}")
        return value

    @property
    def embedded(self) -> bool:
        return self.magento == "embedded"

    @model_validator(mode="after")
    def _builtin_speaks_peakready(self) -> TargetPlan:
        crm = self.crm
        if self.embedded and self.integration.profile != "none" and (
                crm.dialect != "peakready" or crm.contract is not None):
            raise ValueError("target.crm: the built-in integration speaks peakready's own CRM "
                             "API; another dialect or a contract is for your own connector "
                             "(set integration: none and target.connector)")
        return self

    @model_validator(mode="after")
    def _connector_needs_no_integration(self) -> TargetPlan:
        if self.connector is not None and self.embedded and self.integration.profile != "none":
            raise ValueError("target.connector runs your own connector: set "
                             "target.integration: none, or the built-in one competes with it")
        return self


# ------------------------------------------------------------------------------------ load
class SyncPlan(StrictModel):
    """Back-end traffic beside the shoppers, per minute (0 switches a stream off)."""

    erp_stock_updates_per_minute: float = Field(default=0, ge=0)
    crm_upserts_per_minute: float = Field(default=0, ge=0)
    backoffice_per_minute: float = Field(default=0, ge=0)
    # Customers edit their account in Magento (name, telephone, newsletter): what the
    # integration's customer sync carries to the CRM.
    customer_updates_per_minute: float = Field(default=0, ge=0)


class LifecyclePlan(StrictModel):
    """What happens after the order. The back-office journey (``load.sync.backoffice_per_minute``)
    cancels a pending order, refunds a complete one (a credit memo) or holds an order and
    releases it, in these proportions; the embedded ERP ships ``partial_shipments`` of its
    orders in two parts."""

    cancel: float = Field(default=0.4, ge=0)
    refund: float = Field(default=0.4, ge=0)
    hold: float = Field(default=0.2, ge=0)
    partial_shipments: float = Field(default=0.0, ge=0, le=1)

    def actions(self) -> dict[str, float]:
        """The back-office actions with a weight above 0."""
        return {a: w for a, w in (("cancel", self.cancel), ("refund", self.refund),
                                  ("hold", self.hold)) if w > 0}


class FlashSalePlan(StrictModel):
    """``buyers`` race for ``skus`` scarce SKUs of ``stock_each`` units: all at ``at``, or
    evenly from ``at`` over ``over`` seconds (a sale that stays open while the syncs run)."""

    skus: int = Field(default=5, ge=1, le=99)
    stock_each: int = Field(default=50, ge=0)
    buyers: int = Field(default=200, ge=1, le=100_000)
    at: Duration = 10.0
    over: Duration = 0.0
    qty: int = Field(default=1, ge=1)


class SpikePlan(StrictModel):
    """``shape: spike``: ``base`` percent, jumping to ``peak`` percent at ``at`` for ``for``."""

    base: Percent = 50
    peak: Percent = 300
    at: Duration = 30.0
    for_: Duration = Field(default=30.0, alias="for")


class LoadPlan(StrictModel):
    duration: Duration = 120.0
    # constant | steps | spike | peak-day | a path to a CSV (t, percent) or a LoadTestShape file
    shape: str = "constant"
    steps: list[Percent] = Field(default_factory=lambda: [25.0, 50.0, 75.0, 100.0], min_length=1)
    spike: SpikePlan = SpikePlan()
    orders_per_minute: float = Field(default=60, gt=0)
    mix: dict[str, Percent] = Field(default_factory=lambda: {
        "browse": 30.0, "search": 28.0, "abandoned_cart": 28.0,
        "guest_checkout": 7.0, "customer_checkout": 7.0})
    sync: SyncPlan = SyncPlan()
    lifecycle: LifecyclePlan = LifecyclePlan()
    flash_sale: FlashSalePlan | None = None
    arrivals: Literal["poisson", "uniform"] = "poisson"
    # The arrivals' and the journeys' own draws (who arrives when, baskets, guest emails);
    # None: the plan's seed. The estate's data always comes from the plan's seed, so a second
    # load on the same estate (a capacity step) varies this and nothing else.
    arrival_seed: int | None = None
    max_concurrency: int = Field(default=2000, ge=1)
    workers: Literal["auto"] | Annotated[int, Field(ge=0, le=64)] = "auto"
    edge_case_orders: float = Field(default=0.0, ge=0, le=1)
    # Extra Locust files loaded beside the bundled scenarios (paths relative to the plan).
    scenarios: list[str] = Field(default_factory=list)
    journey_timeout: Duration = 60.0
    request_timeout: Duration = 30.0
    # rest | graphql | pages, or per journey ({browse: pages, guest_checkout: graphql}; a
    # journey not named speaks rest).
    storefront: Storefront | dict[str, Storefront] = "rest"

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("the load needs a duration above 0, e.g. '2m'")
        return value

    @field_validator("mix")
    @classmethod
    def _known_journeys(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = [j for j in mix if j not in JOURNEYS]
        if unknown:
            raise ValueError(f"unknown journey {unknown[0]!r}; journeys: {', '.join(JOURNEYS)}")
        if sum(mix.get(j, 0) for j in CHECKOUT_JOURNEYS) <= 0:
            raise ValueError("the mix needs guest_checkout or customer_checkout above 0: "
                             "orders_per_minute is their arrival rate")
        return mix

    @field_validator("storefront")
    @classmethod
    def _storefront_journeys(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, dict):
            unknown = [j for j in value if j not in JOURNEYS]
            if unknown:
                raise ValueError(f"storefront.{unknown[0]}: not a storefront journey; "
                                 f"journeys: {', '.join(JOURNEYS)}")
        return value

    def storefront_for(self, journey: str) -> str:
        """How ``journey``'s shoppers reach the store: rest, graphql or pages."""
        if isinstance(self.storefront, str):
            return self.storefront if journey in JOURNEYS else "rest"
        return self.storefront.get(journey, "rest")

    @property
    def storefronts(self) -> frozenset[str]:
        """Every storefront some weighted journey of the mix uses."""
        return frozenset(self.storefront_for(j) for j, w in self.mix.items() if w > 0)

    @field_validator("shape")
    @classmethod
    def _known_shape(cls, shape: str) -> str:
        if shape in _BUILTIN_SHAPES or shape.endswith((".csv", ".py")):
            return shape
        raise ValueError(f"unknown shape {shape!r}; use {', '.join(_BUILTIN_SHAPES)}, or a "
                         f"path to a .csv (t, percent) or a .py LoadTestShape file")

    def journey_rates_per_second(self) -> dict[str, float]:
        """Arrivals/s per journey at the shape's 100 %: checkouts carry orders_per_minute."""
        checkout_weight = sum(self.mix.get(j, 0) for j in CHECKOUT_JOURNEYS)
        per_weight = self.orders_per_minute / 60.0 / checkout_weight
        return {j: w * per_weight for j, w in self.mix.items() if w > 0}


# ---------------------------------------------------------------------------------- faults
class HttpFaultPlan(StrictModel):
    """An HTTP fault on a mock (its ``/__admin/faults`` switch, docs/mocks.md)."""

    status: int | None = Field(default=None, ge=100, le=599)
    rate: float = Field(default=1.0, ge=0, le=1)
    retry_after: float | None = Field(default=None, ge=0)
    delay_ms: float | dict[str, Any] | None = None
    slow_body: dict[str, Any] | None = None
    close: StrictBool = False
    path: str = "*"
    methods: list[str] | None = None
    match: dict[str, Any] | list[dict[str, Any]] | None = None
    sticky: StrictBool = False
    # An ERP dialect's own failure modes (docs/dialects.md): true, or the kind's settings.
    error_in_200: StrictBool = False
    concurrency_limit: int | dict[str, float] | None = None
    session_expiry: StrictBool = False
    stale_lookup: StrictBool = False
    api_limit: StrictBool = False    # a CRM dialect's: the API-call allocation is used up

    @model_validator(mode="after")
    def _does_something(self) -> HttpFaultPlan:
        if self.status is None and self.delay_ms is None and self.slow_body is None \
                and not self.close and not self.vendor_modes:
            raise ValueError("an http fault needs status, delay_ms, slow_body or close, or "
                             "a dialect's failure mode (error_in_200, concurrency_limit, "
                             "session_expiry, stale_lookup, api_limit)")
        return self

    @property
    def vendor_modes(self) -> list[str]:
        return [name for name in ("error_in_200", "concurrency_limit", "session_expiry",
                                  "stale_lookup", "api_limit")
                if getattr(self, name) not in (None, False)]

    def rule(self, rule_id: str, expires_in: float) -> dict[str, Any]:
        """The mock's fault rule for this fault (sent with an expiry: a dead run heals)."""
        rule = self.model_dump(exclude_none=True, exclude_defaults=True)
        rule.update(id=rule_id, path=self.path, rate=self.rate, expires_in=expires_in)
        return rule


class FaultPlan(StrictModel):
    """One window of the timeline, relative to Locust's test_start."""

    at: Duration
    for_: Duration = Field(alias="for")
    name: str | None = None
    proxy: Literal["erp", "crm", "payment", "shipping", "magento"] | None = None
    mock: Literal["erp", "crm", "payment", "shipping", "magento"] | None = None
    toxic: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    toxicity: float = Field(default=1.0, ge=0, le=1)
    stream: Literal["upstream", "downstream"] = "downstream"
    down: StrictBool = False
    http: HttpFaultPlan | None = None
    # A fault that could not be applied is an error of the run (exit 3): nothing judged under
    # it happened. ``optional: true`` lets the run be judged without it (a best-effort fault).
    optional: StrictBool = False

    @model_validator(mode="after")
    def _one_kind(self) -> FaultPlan:
        if self.for_ <= 0:
            raise ValueError("a fault window needs 'for' above 0, e.g. '30s'")
        if (self.proxy is None) == (self.mock is None):
            raise ValueError("a fault names exactly one of proxy: (a TCP fault: toxic or down) "
                             "or mock: (an HTTP fault: http)")
        if self.proxy is not None and (self.toxic is None) == (not self.down):
            raise ValueError("a proxy fault is either toxic: <type> or down: true")
        if self.proxy is not None and self.http is not None:
            raise ValueError("http faults go to a mock: write mock: <name> instead of proxy:")
        if self.mock is not None and self.http is None:
            raise ValueError("a mock fault needs http: {status: 503, ...}")
        if self.toxic is not None:
            # Lazy: the data plane is only needed when a plan names a toxic.
            from peakready.faultproxy.toxics import REGISTRY as TOXICS
            if self.toxic not in TOXICS:
                raise ValueError(f"unknown toxic {self.toxic!r}; toxics: "
                                 f"{', '.join(sorted(TOXICS))}")
        return self

    @property
    def end(self) -> float:
        return self.at + self.for_

    @property
    def target(self) -> str:
        return f"proxy:{self.proxy}" if self.proxy else f"mock:{self.mock}"

    @property
    def label(self) -> str:
        """How reports and windows name this fault ("erp latency", "erp down", "erp http 429")."""
        if self.name:
            return self.name
        if self.proxy:
            return f"{self.proxy} {'down' if self.down else self.toxic}"
        assert self.http is not None
        modes = self.http.vendor_modes
        kind = f"http {self.http.status}" if self.http.status else \
            " ".join(m.replace("_", " ") for m in modes) if modes else "http delay"
        return f"{self.mock} {kind}"


# ------------------------------------------------------------------------------------- slo
class SloSpec(StrictModel):
    p50_ms: float | None = Field(default=None, gt=0)
    p95_ms: float | None = Field(default=None, gt=0)
    p99_ms: float | None = Field(default=None, gt=0)
    error_rate: float | None = Field(default=None, ge=0, le=1)


class SloPlan(StrictModel):
    """``slo: {checkout: {...}, <journey or request name>: {...}, during_faults: {...}}``.

    ``checkout`` is both checkout journeys together. ``during_faults`` replaces a gate inside
    fault windows (a store may be slower while the ERP is down, but not down).
    """

    gates: dict[str, SloSpec] = Field(default_factory=lambda: {
        "checkout": SloSpec(p95_ms=2000, error_rate=0.01)})
    during_faults: dict[str, SloSpec] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        # An empty mapping (SloPlan() itself) keeps the default checkout gate.
        if isinstance(data, dict) and data and "gates" not in data:
            data = dict(data)
            during = data.pop("during_faults", {})
            return {"gates": data, "during_faults": during}
        return data


class ThresholdsPlan(StrictModel):
    """The limits the checks judge against (docs/checks.md says which check reads which)."""

    max_attempts_per_order: int = Field(default=10, ge=1)
    max_amplification: float = Field(default=5.0, ge=1)
    export_lag_p95_s: Duration = 30.0
    backlog_drain_s: Duration = 60.0
    fallback_success_rate: float = Field(default=0.95, ge=0, le=1)
    convergence_timeout: Duration = 60.0
    # A record changed this shortly before the evidence export is in flight (the next poll
    # carries it): a SKU the ERP changed, a customer Magento changed. Not a failure.
    sync_grace: Duration = 15.0
    # sync_efficiency: ERP per-SKU stock reads per SKU change (a full sync reads them all).
    max_stock_reads_per_change: float = Field(default=3.0, gt=0)
    # sync_efficiency: connector calls to Magento's REST API per order (None: reported only).
    max_magento_calls_per_order: float | None = Field(default=None, gt=0)
    # storefront_cache: the share of the hits the full-page cache would have served without the
    # syncs' purges that it must serve; cacheable requests' p95 in sync windows at most this
    # many times the other seconds'.
    min_cache_hit_ratio_kept: float = Field(default=0.8, ge=0, le=1)
    max_page_p95_ratio: float = Field(default=2.0, ge=1)
    cache_warmup: Duration = 15.0        # first seconds of the load: the cache fills
    sync_window: Duration = 5.0          # seconds after a purge that belong to its window


class DrainPlan(StrictModel):
    timeout: Duration = 120.0
    poll: Duration = 1.0


class CapacityPlan(StrictModel):
    target_orders_per_minute: float | None = Field(default=None, gt=0)
    start_orders_per_minute: float = Field(default=60, gt=0)
    step_factor: float = Field(default=1.5, gt=1)
    max_steps: int = Field(default=12, ge=1, le=50)
    hold: Duration = 30.0
    bisect_steps: int = Field(default=3, ge=0, le=10)


DEFAULT_CHECKS = ("no_oversell", "no_lost_orders", "no_duplicate_orders", "retry_discipline",
                  "inventory_convergence", "crm_integrity", "order_lifecycle",
                  "payment_integrity", "checkout_slo")
#: Added to the default checks when shoppers reach a cache (load.storefront pages or graphql).
STOREFRONT_CHECKS = ("storefront_cache",)


class Plan(StrictModel):
    name: str = Field(default="plan", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    target: TargetPlan = TargetPlan()
    load: LoadPlan = LoadPlan()
    faults: list[FaultPlan] = Field(default_factory=list)
    slo: SloPlan = SloPlan()
    checks: list[str] = Field(default_factory=lambda: list(DEFAULT_CHECKS))
    thresholds: ThresholdsPlan = ThresholdsPlan()
    drain: DrainPlan = DrainPlan()
    capacity: CapacityPlan = CapacityPlan()
    seed: int = 0

    @model_validator(mode="before")
    @classmethod
    def _storefront_checks_by_default(cls, data: Any) -> Any:
        # Default checks are those the plan can judge: a REST-only plan has no cached pages.
        if not isinstance(data, dict) or "checks" in data:
            return data
        load = data.get("load")
        if isinstance(load, LoadPlan):
            kinds: set[Any] = set(load.storefronts)
        else:
            storefront = load.get("storefront", "rest") if isinstance(load, dict) else "rest"
            # A malformed value (a list, a mapping of lists) is the field validator's to
            # refuse with its key path; here it only must not raise.
            values = storefront.values() if isinstance(storefront, dict) else [storefront]
            kinds = {v for v in values if isinstance(v, str)}
        if kinds & {"pages", "graphql"}:
            return {**data, "checks": [*DEFAULT_CHECKS, *STOREFRONT_CHECKS]}
        return data

    @model_validator(mode="after")
    def _faults_inside_the_load(self) -> Plan:
        for index, fault in enumerate(self.faults):
            if fault.end > self.load.duration:
                raise ValueError(
                    f"faults.{index} ends at {fault.end:g}s, after the load's duration "
                    f"({self.load.duration:g}s): shorten it or lengthen load.duration")
        return self

    @property
    def arrivals_seed(self) -> int:
        """The seed of the arrival schedule and the journeys' draws (``load.arrival_seed``,
        else ``seed``); fixtures and mocks always use ``seed``."""
        return self.seed if self.load.arrival_seed is None else self.load.arrival_seed

    def with_flags(self, flags: list[str], *, source: str = "--flag") -> Plan:
        """This plan with more integration flags switched on (``peakready run --flag``)."""
        data = self.to_json()
        integration = data["target"]["integration"]
        integration["flags"] = list(dict.fromkeys([*integration["flags"], *flags]))
        return parse_plan(data, source=source)

    def to_json(self) -> dict[str, Any]:
        """The resolved plan as the Locust processes and ``plan.yaml`` receive it."""
        return self.model_dump(mode="json", by_alias=True)


def parse_plan(data: Any, *, source: str = "plan") -> Plan:
    """Validate a plan mapping (from YAML, JSON or a test) into a :class:`Plan`."""
    plan = validate(Plan, {} if data is None else data, source=source, what="plan")
    _check_names(plan, source)
    return plan


def _check_names(plan: Plan, source: str) -> None:
    # Lazy: the checks import the plan model, so the plan cannot import them at module level.
    from peakready.checks import CHECKS

    for index, name in enumerate(plan.checks):
        if name not in CHECKS:
            raise ConfigError(f"{source}: checks.{index} = {name!r}: {CHECKS.unknown(name)}")


def load_plan(path: Path) -> Plan:
    """Read and validate a plan file, or raise ConfigError naming the file, key path and value."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such plan file (plans live in fixtures/plans/, e.g. "
                          f"fixtures/plans/smoke.yaml)")
    return parse_plan(load_yaml(path, what="plan"), source=str(path))
