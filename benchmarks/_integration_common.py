"""Shared pieces of the integration benchmarks (a helper module, not a script).

Starts the pieces as the orchestrator does, each in its own process (``peakready proxy``,
``peakready mock erp``, ``peakready mock magento`` with an integration config), and drives
guest checkouts with httpx from this process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from peakready.chaos import FaultProxyClient

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_TOKEN = "peakready-simulator-admin-token"
ADDRESS = {"firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St"],
           "city": "Austin", "region": "Texas", "region_id": 57, "region_code": "TX",
           "postcode": "78701", "country_id": "US", "telephone": "5125550100",
           "email": "ada@example.com"}
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def start(cmd: list[str], ready: str = "listening on ") -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if ready not in line:
        proc.kill()
        raise SystemExit(f"did not start: {cmd} -> {line!r}")
    return proc, line.strip().rsplit(" ", 1)[1]


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@dataclass
class Estate:
    proxy_url: str
    erp_url: str
    sim_url: str
    fp: FaultProxyClient
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)


def mock(name: str, *args: str) -> list[str]:
    return [PYTHON, "-m", "peakready.cli", "mock", name, "--port", "0",
            "--mocks-dir", str(REPO / "mocks"), "--fixtures-dir", str(REPO / "fixtures"), *args]


@contextlib.contextmanager
def estate(integration: dict[str, Any] | None, *, seed: int = 1) -> Iterator[Estate]:
    """Proxy + ERP + simulator. ``integration=None`` runs the simulator with profile none."""
    procs: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory(prefix="peakready-bench-") as tmp:
        try:
            proxy, proxy_url = start([PYTHON, "-m", "peakready.cli", "proxy", "--port", "0",
                                      "--seed", str(seed)], ready="API listening on ")
            procs.append(proxy)
            erp_cfg = Path(tmp, "erp.yaml")
            erp_cfg.write_text(yaml.safe_dump({
                "profile": "small", "movements_per_second": 0, "pick_after": 36000,
                "ship_after": 36000, "invoice_after": 36000}), "utf-8")
            erp, erp_url = start(mock("erp", "--seed", str(seed), "--data", f"{tmp}/erp",
                                      "--config", str(erp_cfg)))
            procs.append(erp)
            fp = FaultProxyClient(proxy_url)
            info = fp.create_proxy("erp", erp_url.split("//", 1)[1])
            section: dict[str, Any] = {"profile": "none"}
            if integration is not None:
                section = {"profile": "good", "order_poll_interval": 0,
                           "stock_poll_interval": 0, "customer_poll_interval": 0,
                           **integration,
                           "services": {"erp": f"http://{info.listen}",
                                        "crm": "http://127.0.0.1:9",
                                        "payment": "http://127.0.0.1:9",
                                        "shipping": "http://127.0.0.1:9"}}
            sim_cfg = Path(tmp, "magento.yaml")
            sim_cfg.write_text(yaml.safe_dump({"integration": section}), "utf-8")
            sim, sim_url = start(mock("magento", "--seed", str(seed), "--profile", "small",
                                      "--data", f"{tmp}/magento", "--config", str(sim_cfg),
                                      "--integration", section["profile"]))
            procs.append(sim)
            result = Estate(proxy_url, erp_url, sim_url, fp, procs)
            result.skus = _skus(sim_url)
            yield result
        finally:
            for proc in reversed(procs):
                stop(proc)


def _skus(sim_url: str) -> list[str]:
    r = httpx.get(f"{sim_url}/rest/V1/products", trust_env=False, timeout=30,
                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                  params={"searchCriteria[pageSize]": 300})
    items = r.raise_for_status().json()["items"]
    return [p["sku"] for p in items if p.get("type_id", "simple") == "simple"]


def client() -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        socket_options=NODELAY)
    return httpx.AsyncClient(timeout=60.0, trust_env=False, transport=transport)


async def cart(http: httpx.AsyncClient, sim_url: str, sku: str) -> str:
    base = f"{sim_url}/rest/V1/guest-carts"
    masked = (await http.post(base)).raise_for_status().json()
    (await http.post(f"{base}/{masked}/items", json={"cartItem": {
        "sku": sku, "qty": 1, "quote_id": masked}})).raise_for_status()
    (await http.post(f"{base}/{masked}/shipping-information", json={"addressInformation": {
        "shipping_address": ADDRESS, "billing_address": ADDRESS,
        "shipping_carrier_code": "flatrate", "shipping_method_code": "flatrate"}})
     ).raise_for_status()
    return str(masked)


async def place(http: httpx.AsyncClient, sim_url: str, masked: str) -> tuple[int, float]:
    started = time.perf_counter()
    r = await http.post(f"{sim_url}/rest/V1/guest-carts/{masked}/payment-information",
                        json={"email": "ada@example.com",
                              "paymentMethod": {"method": "checkmo"}})
    return r.status_code, time.perf_counter() - started


def metrics(sim_url: str) -> dict[str, Any]:
    r = httpx.get(f"{sim_url}/__admin/integration/metrics", trust_env=False, timeout=30)
    return dict(r.raise_for_status().json())


def erp_summary(erp_url: str) -> dict[str, Any]:
    r = httpx.get(f"{erp_url}/__admin/evidence", params={"limit": 1}, trust_env=False,
                  timeout=60)
    return dict(r.raise_for_status().json()["summary"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

