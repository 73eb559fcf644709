"""Standing the estate up for a plan: ``async with open_estate(plan, run_dir) as estate``.

::

    safety        every target checked before any socket opens (store URL, TOXIPROXY_URL)
    stack         fault proxy + ERP, CRM, payment, shipping mocks, started concurrently
    proxies       erp, crm, payment, shipping (+ magento when a plan faults the storefront)
    magento       the simulator wired to the proxy listeners (DESIGN §1), or the real store
    lease         the embedded proxy's dead-man lease, renewed for the estate's life
    seed          a real store gets the plan's fixture profile; flash-sale SKUs are set to
                  stock_each in the ERP and in Magento's source items
    connector     the user's own (target.connector), started last, stopped first
    ── yield Estate ──   exit: connector → lease → every child (SIGTERM, then SIGKILL)

The same estate serves several load phases (capacity steps, selftest runs): it holds what the
phases share; each phase snapshots, loads, drains and exports on its own (:mod:`.phase`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from peakready.chaos.toxiproxy_client import FaultProxyClient, FaultProxyRequestError
from peakready.config import Plan
from peakready.errors import ConfigError, HarnessError
from peakready.safety import check_target
from peakready.seeding.model import CatalogFixture
from peakready.stack import Stack, peakready_argv

if TYPE_CHECKING:
    from peakready.scenario.launch import LoadTargets

__all__ = ["BACKENDS", "Estate", "open_estate"]

log = logging.getLogger("peakready.run.estate")
BACKENDS = ("erp", "crm", "payment", "shipping")
LEASE_TTL_MS = 5_000
# The embedded ERP fulfils an order seconds after receipt (its defaults are 10/30/45 s), so a
# three-minute run sees whole order lives (pick, ship, invoice) and the drain is not a wait
# for shipments of the last minute.
_ERP_OPTIONS = {"pick_after": 2, "ship_after": 5, "invoice_after": 8}


@dataclass
class Estate:
    """What a load phase needs to know about the estate it runs on."""

    plan: Plan
    stack: Stack
    run_dir: Path
    catalog: CatalogFixture
    magento_url: str                     # where the load goes (direct, or via proxy magento)
    magento_direct: str                  # the store itself (evidence, snapshot)
    token: str                           # admin bearer token (never written anywhere)
    mocks: dict[str, str]                # back-end name → its own URL (witness, admin)
    proxies: dict[str, str]              # plan proxy name → listen host:port
    proxy_names: dict[str, str]          # plan proxy name → name on the fault proxy
    control: FaultProxyClient
    fault_proxy: str                     # "embedded" or the TOXIPROXY_URL
    embedded: bool = True
    integration: str = "good"
    flash_skus: list[str] = field(default_factory=list)
    connector: bool = False
    plan_dir: Path | None = None         # relative paths in the plan (scenarios, shape, cwd)

    def secrets(self) -> list[str]:
        return [self.token]

    def components(self) -> dict[str, str]:
        found = {"magento": self.magento_direct, **self.mocks}
        if self.fault_proxy == "embedded" and "faultproxy" in self.stack.components:
            found["faultproxy"] = self.stack.url("faultproxy")
        else:
            found["faultproxy"] = self.fault_proxy
        return found

    def load_targets(self) -> LoadTargets:
        from peakready.scenario.launch import LoadTargets

        return LoadTargets(magento_url=self.magento_url, erp_url=self.mocks["erp"],
                           crm_url=self.mocks["crm"], flash_skus=list(self.flash_skus),
                           token=self.token)

    def check_alive(self) -> None:
        """Raise HarnessError when a component or the connector died during the run."""
        for name, code in self.stack.dead():
            if name.startswith("locust"):
                continue  # the phase watches its own processes
            tail = self.stack.log_tail(name, 20)
            what = "the connector" if name == "connector" else f"component {name}"
            raise HarnessError(f"{what} exited early with code {code}; last log lines "
                               f"(logs/{name}.log):\n{tail}")


def _store_token(plan: Plan) -> str:
    store = plan.target.magento
    assert not isinstance(store, str)
    token = os.environ.get(store.token_env, "")
    if not token:
        raise ConfigError(f"target.magento.token_env = {store.token_env!r}: the environment "
                          f"variable is not set; export it with the store's integration token")
    return token


def check_safety(plan: Plan) -> None:
    """Every address the run will talk to, before any socket opens (exit 2 on refusal)."""
    allow = plan.target.allow_hosts
    if not plan.target.embedded:
        store = plan.target.magento
        assert not isinstance(store, str)
        check_target(store.url, allow, what="target.magento.url")
        if any(f.proxy == "magento" or f.mock == "magento" for f in plan.faults):
            raise ConfigError("faults: proxy/mock 'magento' faults need the embedded store; "
                              "against a real store fault its back-ends instead")
    external = os.environ.get("TOXIPROXY_URL")
    if external:
        check_target(external, allow, what="TOXIPROXY_URL")
    for name, address in plan.target.listen.items():
        check_target(address, allow, what=f"target.listen.{name}")


def _contract_path(key: str, contract: str, plan_dir: Path | None) -> str:
    path = Path(contract).expanduser()
    if not path.is_absolute():
        path = (plan_dir or Path.cwd()) / path
    if not path.is_file():
        raise ConfigError(f"{key} = {contract!r}: no such file ({path}); give the contract's "
                          f"path relative to the plan")
    return str(path.resolve())


def erp_options(plan: Plan, plan_dir: Path | None) -> dict[str, Any]:
    """The ERP mock's options for this plan: its dialect or contract (a path relative to
    the plan's folder) over the estate's fulfilment timings."""
    options: dict[str, Any] = {**_ERP_OPTIONS, "dialect": plan.target.erp.dialect,
                               # the share of orders the ERP ships in two parts
                               "partial_share": plan.load.lifecycle.partial_shipments}
    contract = plan.target.erp.contract
    if contract is not None:
        options["contract"] = _contract_path("target.erp.contract", contract, plan_dir)
    return options


def crm_argv(plan: Plan, plan_dir: Path | None) -> list[str]:
    """The CRM mock's flags for this plan: its dialect, or an in-house contract's file."""
    contract = plan.target.crm.contract
    if contract is not None:
        return ["--contract", _contract_path("target.crm.contract", contract, plan_dir)]
    return ["--dialect", plan.target.crm.dialect]


async def _start_mocks(stack: Stack, plan: Plan, config_dir: Path,
                       plan_dir: Path | None = None) -> dict[str, str]:
    profile, seed = plan.target.simulator.profile, str(plan.seed)
    erp_config = config_dir / "erp.yaml"
    erp_config.write_text(yaml.safe_dump(erp_options(plan, plan_dir)), "utf-8")
    argv = {
        "erp": ["--profile", profile, "--config", str(erp_config)],
        "crm": ["--profile", profile, *crm_argv(plan, plan_dir)],
        "payment": [],
        "shipping": [],
    }
    async with asyncio.TaskGroup() as group:
        tasks = {name: group.create_task(stack.start(name, peakready_argv(
            "mock", name, "--port", "0", "--seed", seed, *extra)))
            for name, extra in argv.items()}
    return {name: task.result().url for name, task in tasks.items()}


# Until the mocks are up the proxies point here (nothing listens on the discard port); their
# listeners exist from the start, so Magento can be told them while the mocks still boot.
_PLACEHOLDER = "127.0.0.1:9"


async def _start_front(stack: Stack, plan: Plan, config_dir: Path, external: str | None,
                       token: str, exits: contextlib.AsyncExitStack
                       ) -> tuple[FaultProxyClient, dict[str, str], str]:
    """The fault proxy with a listener per back-end, its lease, then Magento wired to them."""
    if external is None:
        # A listener a remote store reaches is not loopback: the proxy refuses it unless told.
        allow = [arg for host in plan.target.allow_hosts for arg in ("--allow-host", host)]
        await stack.start("faultproxy", peakready_argv(
            "proxy", "--port", "0", "--seed", str(plan.seed), *allow), health_path="/version")
    control = FaultProxyClient(external or stack.url("faultproxy"))
    exits.callback(control.close)
    proxies = {}
    for name in BACKENDS:
        proxies[name] = await asyncio.to_thread(
            _create_proxy, control, name, _PLACEHOLDER, external is not None,
            plan.target.listen.get(name, "127.0.0.1:0"))
    if external is not None:
        exits.push_async_callback(_delete_proxies, control, list(proxies))
    if await asyncio.to_thread(control.is_peakready):
        # The dead-man switch: if this process dies mid-fault, the proxy heals itself.
        exits.enter_context(control.holding_lease(f"peakready-run-{os.getpid()}",
                                                  LEASE_TTL_MS))
    if plan.target.embedded:
        sim = await stack.start("magento", _simulator_argv(plan, proxies, config_dir),
                                env={**os.environ, "PEAKREADY_SIM_TOKEN": token})
        direct = sim.url
    else:
        store = plan.target.magento
        assert not isinstance(store, str)
        direct = store.url.rstrip("/")
    return control, proxies, direct


async def _start_estate(stack: Stack, plan: Plan, config_dir: Path, external: str | None,
                        token: str, exits: contextlib.AsyncExitStack,
                        plan_dir: Path | None = None
                        ) -> tuple[dict[str, str], FaultProxyClient, dict[str, str], str,
                                   CatalogFixture]:
    """Everything at once where nothing waits for it: the mocks, the proxy and Magento, the
    fixture catalog; then each proxy is pointed at its mock."""
    from peakready.seeding.profiles import generate_catalog

    try:
        async with asyncio.TaskGroup() as group:
            mocks = group.create_task(_start_mocks(stack, plan, config_dir, plan_dir))
            front = group.create_task(_start_front(stack, plan, config_dir, external, token,
                                                   exits))
            catalog = group.create_task(asyncio.to_thread(
                generate_catalog, plan.target.simulator.profile, plan.seed))
    except BaseExceptionGroup as failed:
        # The first component that would not start is the story; the others were cancelled.
        raise _first(failed) from None
    control, proxies, direct = front.result()
    for name, url in mocks.result().items():
        await asyncio.to_thread(control.update_proxy, name,
                                upstream=url.removeprefix("http://"))
    return mocks.result(), control, proxies, direct, catalog.result()


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first(error)
        if isinstance(error, HarnessError):
            return error
    return group.exceptions[0]


def _create_proxy(control: FaultProxyClient, name: str, upstream: str,
                  replace: bool, listen: str = "127.0.0.1:0") -> str:
    try:
        return control.create_proxy(name, upstream, listen).listen
    except FaultProxyRequestError as exc:
        if exc.status != 409 or not replace:
            raise
        log.warning("fault proxy already has a proxy %r: replacing it", name)
        control.delete_proxy(name)
        return control.create_proxy(name, upstream, listen).listen


def _simulator_argv(plan: Plan, proxies: dict[str, str], config_dir: Path) -> list[str]:
    sim, integration = plan.target.simulator, plan.target.integration
    capacity = sim.capacity_model
    argv = ["mock", "magento", "--port", "0", "--seed", str(plan.seed),
            "--profile", sim.profile, "--inventory", sim.inventory,
            "--capacity-model", "on" if capacity else "off", "--version", sim.version,
            "--integration", integration.profile, "--visibility", sim.visibility]
    for flag in integration.flags:
        argv += ["--flag", flag]
    for name in BACKENDS:
        argv += ["--service", f"{name}=http://{proxies[name]}"]
    config: dict[str, Any] = {}
    if isinstance(capacity, dict):
        config["capacity"] = capacity
    if config:
        path = config_dir / "magento.yaml"
        path.write_text(yaml.safe_dump(config), "utf-8")
        argv += ["--config", str(path)]
    return peakready_argv(*argv)


async def _set_flash_stock(estate: Estate, qty: int) -> None:
    """Hot SKUs to ``qty`` in the ERP first (it owns on-hand), then Magento's source items."""
    skus = estate.flash_skus
    async with httpx.AsyncClient(timeout=10.0) as client:
        erp = await client.post(estate.mocks["erp"] + "/api/stock/adjustments", json={
            "adjustments": [{"sku": sku, "set": qty} for sku in skus]})
        if erp.status_code >= 300:
            raise HarnessError(f"ERP refused the flash-sale stock: HTTP {erp.status_code} "
                               f"{erp.text[:200]}")
        magento = await client.post(
            estate.magento_direct + "/rest/V1/inventory/source-items",
            headers={"Authorization": f"Bearer {estate.token}"},
            json={"sourceItems": [{"sku": sku, "source_code": "default", "quantity": qty,
                                   "status": 1} for sku in skus]})
        if magento.status_code >= 300:
            raise HarnessError(f"Magento refused the flash-sale stock: HTTP "
                               f"{magento.status_code} {magento.text[:200]}")


def connector_env(estate: Estate) -> dict[str, str]:
    """DESIGN §10: the PEAKREADY_* addresses (the proxy listeners), then the plan's env."""
    env = dict(os.environ)
    env.update({
        "PEAKREADY_MAGENTO_URL": estate.magento_direct,
        "PEAKREADY_MAGENTO_TOKEN": estate.token,
        "PEAKREADY_RUN_DIR": str(estate.run_dir),
        **{f"PEAKREADY_{name.upper()}_URL": f"http://{estate.proxies[name]}"
           for name in BACKENDS},
    })
    connector = estate.plan.target.connector
    assert connector is not None
    env.update(connector.env)
    return env


async def _start_connector(estate: Estate, plan_dir: Path) -> None:
    connector = estate.plan.target.connector
    assert connector is not None
    argv = list(connector.command)
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the interpreter peakready runs on, whatever PATH says
    cwd = Path(connector.cwd) if connector.cwd else Path.cwd()
    if not cwd.is_absolute():
        cwd = plan_dir / cwd
    await estate.stack.spawn("connector", argv, env=connector_env(estate), cwd=cwd)
    estate.connector = True
    await asyncio.sleep(0.5)  # a connector that cannot even start fails the run now
    estate.check_alive()


@contextlib.asynccontextmanager
async def open_estate(plan: Plan, run_dir: Path, *,
                      plan_dir: Path | None = None) -> AsyncIterator[Estate]:
    """The estate for ``plan``; logs under ``run_dir/logs``. Every exit path stops it."""
    check_safety(plan)
    config_dir = run_dir / "logs"
    external = os.environ.get("TOXIPROXY_URL") or None
    token = _store_token(plan) if not plan.target.embedded else secrets.token_urlsafe(24)
    async with Stack(run_dir / "logs") as stack, contextlib.AsyncExitStack() as exits:
        mocks, control, proxies, direct, catalog = await _start_estate(
            stack, plan, config_dir, external, token, exits, plan_dir)
        magento_url = direct
        if any(f.proxy == "magento" for f in plan.faults):
            proxies["magento"] = await asyncio.to_thread(
                _create_proxy, control, "magento", direct.removeprefix("http://"),
                external is not None)
            magento_url = f"http://{proxies['magento']}"
        estate = Estate(
            plan=plan, stack=stack, run_dir=run_dir, catalog=catalog, magento_url=magento_url,
            magento_direct=direct, token=token, mocks=mocks, proxies=proxies,
            proxy_names={name: name for name in proxies}, control=control,
            fault_proxy="embedded" if external is None else external,
            embedded=plan.target.embedded, integration=plan.target.integration.profile,
            plan_dir=plan_dir)
        if not plan.target.embedded:
            await _seed_store(estate)
        if plan.load.flash_sale is not None:
            wanted = plan.load.flash_sale.skus
            if wanted > len(catalog.hot_skus):
                raise ConfigError(
                    f"load.flash_sale.skus = {wanted}: fixture profile {catalog.profile!r} "
                    f"has {len(catalog.hot_skus)} hot SKUs; lower it or use a bigger profile")
            estate.flash_skus = list(catalog.hot_skus[:wanted])
            await _set_flash_stock(estate, plan.load.flash_sale.stock_each)
        if plan.target.connector is not None:
            await _start_connector(estate, plan_dir or Path.cwd())
        try:
            yield estate
        finally:
            if estate.connector:
                grace = plan.target.connector.stop_grace if plan.target.connector else 10.0
                await stack.stop("connector", grace=grace)


async def _delete_proxies(control: FaultProxyClient, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(FaultProxyRequestError):
            await asyncio.to_thread(control.delete_proxy, name)


async def _seed_store(estate: Estate) -> None:
    from peakready.seeding.store_seeder import StoreSeeder

    seeder = StoreSeeder(estate.magento_direct, estate.token,
                         allow_hosts=estate.plan.target.allow_hosts)
    summary = await seeder.seed(estate.catalog)
    if summary.failed:
        raise HarnessError(f"seeding {estate.magento_direct} failed for {summary.failed} "
                           f"items: {'; '.join(summary.lines()[1:4])}")
