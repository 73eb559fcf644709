"""The embedded estate on real loopback sockets, in threads: the four mocks behind the real
fault proxy, and the Magento simulator with its built-in integration calling them through
the proxy's listeners (DESIGN §1). Shopper helpers drive checkout with plain httpx."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from peakready.chaos import FaultProxyClient
from peakready.content import load_content_module
from peakready.faultproxy.thread import FaultProxyThread
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[3]
MOCKS = REPO / "mocks"
SERVICES = ("erp", "crm", "payment", "shipping")
# httpcore writes headers and body separately: without this, Nagle + delayed ACK add 40 ms.
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
ADDRESS = {"firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St"],
           "city": "Austin", "region": "Texas", "region_id": 57, "region_code": "TX",
           "postcode": "78701", "country_id": "US", "telephone": "5125550100",
           "email": "ada@example.com"}
# Fast knobs so tests take seconds; the full-size scenarios are in benchmarks/.
FAST = {"backoff_base": 0.1, "backoff_cap": 1.0, "max_attempts": 50, "export_timeout": 1.0,
        "connect_timeout": 0.5, "order_poll_interval": 0, "stock_poll_interval": 0,
        "customer_poll_interval": 0, "export_workers": 4, "shipping_timeout": 1.0,
        "payment_timeout": 1.0, "pull_timeout": 2.0}


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1:0 in a daemon thread with its own loop."""

    def __init__(self, app: Any, name: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited on accept
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, lifespan="on", log_config=None, access_log=False,
                                timeout_graceful_shutdown=0.5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"srv-{name}")
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.01)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@dataclass
class Estate:
    proxy: FaultProxyThread
    fp: FaultProxyClient
    servers: dict[str, ServerThread]
    sim: Any
    http: httpx.Client = field(default_factory=lambda: httpx.Client(
        timeout=30.0, trust_env=False, transport=httpx.HTTPTransport(socket_options=NODELAY)))
    address: dict[str, Any] = field(default_factory=lambda: dict(ADDRESS))

    @property
    def sim_url(self) -> str:
        return self.servers["magento"].url

    def mock_url(self, name: str) -> str:
        return self.servers[name].url

    # --- integration admin ---------------------------------------------------------------

    def integration(self) -> dict[str, Any]:
        return self.http.get(f"{self.sim_url}/__admin/integration").raise_for_status().json()

    def configure(self, **changes: Any) -> dict[str, Any]:
        r = self.http.put(f"{self.sim_url}/__admin/integration", json=changes)
        assert r.status_code == 200, r.text
        return r.json()

    def cycle(self, name: str) -> dict[str, Any]:
        r = self.http.post(f"{self.sim_url}/__admin/integration/cycle/{name}")
        assert r.status_code == 200, r.text
        return r.json()

    def wait_drained(self, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            m = self.integration()["metrics"]["export"]
            if m["backlog"] == 0:
                return m
            assert time.monotonic() < deadline, f"backlog not drained: {m}"
            time.sleep(0.1)

    # --- mocks ---------------------------------------------------------------------------

    def evidence(self, name: str, kind: str | None = None) -> dict[str, Any]:
        params = {"kind": kind, "limit": 100000} if kind else {}
        return self.http.get(f"{self.mock_url(name)}/__admin/evidence",
                             params=params).raise_for_status().json()

    def admin(self, path: str, body: Any = None, status: int = 200) -> Any:
        """``POST /rest/V1<path>`` as the simulator's admin; the answer must be ``status``."""
        response = self.http.post(f"{self.sim_url}/rest/V1{path}", json=body or {}, headers={
            "Authorization": f"Bearer {self.sim.store.cfg.admin_token}"})
        assert response.status_code == status, response.text
        return response.json()

    def payment_operations(self, increment_id: str) -> list[tuple[str, Any]]:
        """The gateway's (operation, amount) for one order, in order."""
        records = self.evidence("payment", "operations")["records"]["operations"]
        return [(o["op"], o["amount"]) for o in records if o["order_id"] == increment_id]

    @staticmethod
    def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "condition not reached in time"
            time.sleep(0.05)

    def journal(self, name: str) -> dict[str, Any]:
        return self.http.get(f"{self.mock_url(name)}/__admin/journal").raise_for_status().json()

    def fault(self, name: str, **rule: Any) -> None:
        self.http.put(f"{self.mock_url(name)}/__admin/faults",
                      json={"rules": [rule]}).raise_for_status()

    def clear_faults(self, name: str) -> None:
        self.http.delete(f"{self.mock_url(name)}/__admin/faults").raise_for_status()

    def erp_orders(self) -> dict[str, list[dict[str, Any]]]:
        """ERP orders grouped by Magento increment id (duplicates show as lists > 1)."""
        rows = self.http.get(f"{self.mock_url('erp')}/api/orders",
                             params={"page_size": 1000}).raise_for_status().json()["items"]
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(row["increment_id"], []).append(row)
        return out

    # --- shopper -------------------------------------------------------------------------

    def cart(self, sku: str, qty: float = 1, *, carrier: tuple[str, str] | None = (
            "flatrate", "flatrate")) -> str:
        base = f"{self.sim_url}/rest/V1/guest-carts"
        masked = self.http.post(base).raise_for_status().json()
        self.http.post(f"{base}/{masked}/items", json={"cartItem": {
            "sku": sku, "qty": qty, "quote_id": masked}}).raise_for_status()
        if carrier is not None:
            self.http.post(f"{base}/{masked}/shipping-information", json={
                "addressInformation": {"shipping_address": ADDRESS, "billing_address": ADDRESS,
                                       "shipping_carrier_code": carrier[0],
                                       "shipping_method_code": carrier[1]}}
                           ).raise_for_status()
        return str(masked)

    def pay(self, masked: str, method: str = "checkmo",
            additional: dict[str, Any] | None = None) -> httpx.Response:
        payment: dict[str, Any] = {"method": method}
        if additional:
            payment["additional_data"] = additional
        return self.http.post(
            f"{self.sim_url}/rest/V1/guest-carts/{masked}/payment-information",
            json={"email": "ada@example.com", "paymentMethod": payment})

    def buy(self, sku: str = "SKU-1", qty: float = 1) -> tuple[httpx.Response, float]:
        masked = self.cart(sku, qty)
        started = time.monotonic()
        response = self.pay(masked)
        return response, time.monotonic() - started

    def orders(self) -> list[Any]:
        return list(self.sim.store.orders.by_id.values())


def _load(name: str) -> Any:
    return load_content_module("mocks", name, MOCKS)


def build_estate(tmp_path: Path, *, integration: dict[str, Any] | str, skus: int = 5,
                 qty: float = 1000, erp: dict[str, Any] | None = None,
                 crm: dict[str, Any] | None = None, seed: int = 7,
                 sim_config: dict[str, Any] | None = None) -> Estate:
    servers: dict[str, ServerThread] = {}
    proxy = FaultProxyThread(seed=seed)
    fp = FaultProxyClient(proxy.url)
    try:
        catalog = {f"SKU-{i}": int(qty) for i in range(1, skus + 1)}
        options = {
            "erp": {"stock": catalog, "movements_per_second": 0, "pick_after": 3600,
                    "ship_after": 3600, "invoice_after": 3600, **(erp or {})},
            "crm": {"contacts": [], **(crm or {})}, "payment": {}, "shipping": {}}
        urls: dict[str, str] = {}
        for name in SERVICES:
            app = _load(name).create_app(MockSettings(
                name=name, seed=seed, data_dir=tmp_path / name, options=options[name]))
            servers[name] = ServerThread(app, name)
            info = fp.create_proxy(name, f"127.0.0.1:{servers[name].port}")
            urls[name] = f"http://{info.listen}"
        if isinstance(integration, str):
            integration = {"profile": integration}
        sim_options: dict[str, Any] = {"integration": {**FAST, "services": urls, "seed": seed,
                                                       **integration}}
        # Realistic commit order by default (issue 14): the good integration must hold
        # with orders reaching searches late and out of entity-id order.
        sim_options["config"] = {"visibility": "realistic", "visibility_delay_ms": 50,
                                 **(sim_config or {})}
        sim = _load("magento").create_app(MockSettings(
            name="magento", seed=seed, data_dir=tmp_path / "magento", options=sim_options))
        for sku, amount in catalog.items():
            sim.store.add_product(sku, price=10.0, qty=amount)
        servers["magento"] = ServerThread(sim, "magento")
    except BaseException:
        for server in servers.values():
            server.stop()
        proxy.close()
        raise
    return Estate(proxy, fp, servers, sim)


@pytest.fixture
def estate_factory(tmp_path: Path) -> Iterator[Callable[..., Estate]]:
    built: list[Estate] = []

    def make(integration: dict[str, Any] | str = "good", **kwargs: Any) -> Estate:
        estate = build_estate(tmp_path / f"e{len(built)}", integration=integration, **kwargs)
        built.append(estate)
        return estate

    yield make
    for estate in built:
        estate.http.close()
        for server in estate.servers.values():
            server.stop()
        estate.fp.close()
        estate.proxy.close()
