"""The estate smoke run: the embedded estate stood up, wired as DESIGN §1, faulted and healed.

::

    fault proxy ─┬─ proxy erp ──► ERP mock        Magento simulator ──(--service)──► proxies
                 ├─ proxy crm ──► CRM mock
                 └─ …                          phases on proxy `erp`, each a bounded burst:
    baseline ─► latency toxic ─► ERP down + guest checkouts ─► /reset ─► recovered
                                   └── after recovery: every order in the ERP exactly once

Its verdicts cover the fault machinery (a toxic bites, an outage bites, reset heals) and one
integration guarantee end to end (checkout stays up while the ERP is down, and the orders reach
the ERP exactly once afterwards). Locust load, plans and the full checks replace it as their
issues land.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from peakready import __version__
from peakready.chaos import FaultLog, FaultProxyClient
from peakready.content import find_content_dir
from peakready.errors import HarnessError
from peakready.mockkit.settings import DEFAULT_PORTS
from peakready.seeding.profiles import generate_catalog
from peakready.stack import Stack, peakready_argv

__all__ = ["PhaseStats", "SmokeResult", "Verdict", "judge", "run_estate_smoke"]

log = logging.getLogger("peakready.estate_smoke")
SCHEMA_VERSION = 1
_PROBES_PER_PHASE = 20
_PROBE_TIMEOUT_S = 2.0
_LATENCY_MS = 250
_LEASE_TTL_MS = 10_000
_OUTAGE_CHECKOUTS = 5
_EXPORT_WAIT_S = 45.0  # bounded wait for the backlog to reach the ERP after recovery
_ADDRESS = {"firstname": "Peak", "lastname": "Ready", "street": ["1 Main St"],
            "city": "Austin", "region": "Texas", "region_id": 57, "region_code": "TX",
            "postcode": "78701", "country_id": "US", "telephone": "5125550100"}


@dataclass
class PhaseStats:
    phase: str
    requests: int
    ok: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass
class Verdict:
    name: str
    passed: bool
    detail: str


@dataclass
class SmokeResult:
    schema_version: int
    kind: str
    peakready_version: str
    started_at: str
    ended_at: str = ""
    components: dict[str, str] = field(default_factory=dict)
    missing_components: list[str] = field(default_factory=list)
    proxies: dict[str, str] = field(default_factory=dict)
    phases: list[PhaseStats] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _stats(phase: str, latencies_ms: list[float], errors: int) -> PhaseStats:
    p50 = statistics.median(latencies_ms) if latencies_ms else None
    p95 = statistics.quantiles(latencies_ms, n=20)[-1] if len(latencies_ms) >= 2 else p50
    return PhaseStats(phase, len(latencies_ms) + errors, len(latencies_ms), errors,
                      None if p50 is None else round(p50, 2),
                      None if p95 is None else round(p95, 2))


async def _probe(client: httpx.AsyncClient, url: str, phase: str) -> PhaseStats:
    latencies: list[float] = []
    errors = 0
    for _ in range(_PROBES_PER_PHASE):
        start = time.perf_counter()
        try:
            response = await client.get(url)
            if response.status_code >= 500:
                errors += 1
            else:
                latencies.append((time.perf_counter() - start) * 1000)
        except httpx.HTTPError:
            errors += 1
    return _stats(phase, latencies, errors)


def _available_mocks(mocks_dir: Path) -> list[str]:
    """The estate's services built so far: ``mocks/<name>.py`` or a ``mocks/<name>/`` package."""
    return [n for n in DEFAULT_PORTS
            if (mocks_dir / f"{n}.py").is_file() or (mocks_dir / n / "__init__.py").is_file()]


async def run_estate_smoke(run_dir: Path) -> SmokeResult:
    result = SmokeResult(SCHEMA_VERSION, "estate-smoke", __version__, _now())
    faults = FaultLog(run_dir / "faults.jsonl")
    mocks = _available_mocks(find_content_dir("mocks"))
    services = [name for name in mocks if name != "magento"]
    result.missing_components = [n for n in DEFAULT_PORTS if n not in mocks]
    if not services:
        raise HarnessError("no mocks found under mocks/ (erp.py, crm.py, …): nothing to proxy")
    async with Stack(run_dir / "logs") as stack:
        proxy = await stack.start("faultproxy", peakready_argv("proxy", "--port", "0"),
                                  health_path="/version")
        result.components["faultproxy"] = proxy.url
        for name in services:
            mock = await stack.start(name, peakready_argv("mock", name, "--port", "0"))
            result.components[name] = mock.url
        with FaultProxyClient(proxy.url) as control, \
                control.holding_lease("peakready-run", _LEASE_TTL_MS):
            # The lease is the dead-man switch: if this process dies mid-fault, the proxy
            # heals itself within the TTL instead of leaving a link poisoned.
            for name in services:
                upstream = stack.url(name).removeprefix("http://")
                created = await asyncio.to_thread(control.create_proxy, name, upstream)
                result.proxies[name] = created.listen
            if "magento" in mocks:
                # DESIGN §1: Magento reaches its back-ends only through the proxy listeners,
                # so a fault on proxy `erp` is a fault between Magento and the ERP.
                wiring = [arg for name, listen in result.proxies.items()
                          for arg in ("--service", f"{name}=http://{listen}")]
                magento = await stack.start(
                    "magento", peakready_argv("mock", "magento", "--port", "0", *wiring))
                result.components["magento"] = magento.url
            # The ERP link is where integrations break first (DESIGN §1); fall back to any mock.
            target = "erp" if "erp" in services else services[0]
            await _exercise(control, result, faults, target)
    result.ended_at = _now()
    return result


async def _exercise(control: FaultProxyClient, result: SmokeResult, faults: FaultLog,
                    target: str) -> None:
    url = f"http://{result.proxies[target]}/__admin/health"
    attributes = {"latency": _LATENCY_MS, "jitter": 0}
    latency = {"type": "latency", "name": "smoke_latency", "attributes": attributes}
    checkout = "magento" in result.components and target == "erp"
    async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT_S) as client:
        baseline = await _probe(client, url, "baseline")
        await asyncio.to_thread(control.add_toxic, target, "latency", name="smoke_latency",
                                attributes=attributes)
        faults.write("applied", target, latency, "ok")
        slowed = await _probe(client, url, f"latency {_LATENCY_MS} ms")
        await asyncio.to_thread(control.remove_toxic, target, "smoke_latency")
        faults.write("cleared", target, latency, "ok")
        await asyncio.to_thread(control.disable, target)
        faults.write("applied", target, {"down": True}, "ok")
        down = await _probe(client, url, "proxy down")
        placed = await _guest_checkouts(result.components["magento"]) if checkout else None
        await asyncio.to_thread(control.reset)
        faults.write("cleared", target, {"down": True}, "ok (reset)")
        recovered = await _probe(client, url, "recovered")
        exported = await _await_erp_orders(result.components["erp"], placed) if placed else None
    result.phases = [baseline, slowed, down, *([placed] if placed else []), recovered]
    result.verdicts = judge(target, baseline, slowed, down, recovered, placed)
    if exported is not None:
        result.verdicts.append(exported)


def judge(target: str, baseline: PhaseStats, slowed: PhaseStats, down: PhaseStats,
          recovered: PhaseStats, placed: PhaseStats | None) -> list[Verdict]:
    """The phase verdicts; pure, so each can be shown to fail for its own reason."""
    added = (slowed.p50_ms or 0) - (baseline.p50_ms or 0)
    verdicts = [
        Verdict("baseline_healthy", baseline.errors == 0 and baseline.ok > 0,
                f"{baseline.ok}/{baseline.requests} ok through proxy {target}"),
        Verdict("latency_toxic_bites",
                slowed.errors == 0 and abs(added - _LATENCY_MS) <= 0.2 * _LATENCY_MS,
                f"p50 rose by {added:.1f} ms under a {_LATENCY_MS} ms latency toxic"),
        Verdict("outage_bites", down.ok == 0,
                f"{down.errors}/{down.requests} failed while proxy {target} was down"),
        Verdict("reset_heals", recovered.errors == 0 and recovered.ok > 0,
                f"{recovered.ok}/{recovered.requests} ok after /reset"),
    ]
    if placed is not None:
        verdicts.append(Verdict(
            "checkout_up_while_erp_down", placed.errors == 0 and placed.ok > 0,
            f"{placed.ok}/{placed.requests} guest checkouts placed while the ERP link was down"))
    return verdicts


async def _guest_checkouts(magento_url: str) -> PhaseStats:
    """Spec §2.1 guest checkouts (cart → item → shipping → payment), one SKU of the catalog
    the simulator seeded itself with (profile small, seed 0: the CLI's defaults)."""
    sku = generate_catalog("small", 0).products[0].sku
    base = f"{magento_url}/rest/V1/guest-carts"
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=10.0) as client:
        for n in range(_OUTAGE_CHECKOUTS):
            start = time.perf_counter()
            try:
                masked = (await client.post(base)).raise_for_status().json()
                (await client.post(f"{base}/{masked}/items", json={"cartItem": {
                    "sku": sku, "qty": 1, "quote_id": masked}})).raise_for_status()
                (await client.post(f"{base}/{masked}/shipping-information", json={
                    "addressInformation": {
                        "shipping_address": _ADDRESS, "billing_address": _ADDRESS,
                        "shipping_carrier_code": "flatrate",
                        "shipping_method_code": "flatrate"}})).raise_for_status()
                (await client.post(f"{base}/{masked}/payment-information", json={
                    "email": f"smoke{n}@example.com", "paymentMethod": {"method": "checkmo"},
                    "billingAddress": _ADDRESS})).raise_for_status()
                latencies.append((time.perf_counter() - start) * 1000)
            except httpx.HTTPError as exc:
                log.warning("guest checkout %d failed: %s", n, exc)
                errors += 1
    return _stats("checkout, ERP down", latencies, errors)


async def _await_erp_orders(erp_url: str, placed: PhaseStats,
                            wait_s: float = _EXPORT_WAIT_S) -> Verdict:
    """Poll the ERP's own evidence (bounded) until every placed order arrived."""
    summary: dict[str, Any] = {}
    deadline = time.monotonic() + wait_s
    async with httpx.AsyncClient(timeout=5.0) as client:
        while time.monotonic() < deadline:
            response = await client.get(f"{erp_url}/__admin/evidence")
            summary = response.raise_for_status().json().get("summary", {})
            if summary.get("distinct_increment_ids", 0) >= placed.ok:
                break
            await asyncio.sleep(0.5)
    distinct = summary.get("distinct_increment_ids", 0)
    duplicates = summary.get("duplicate_order_count", 0)
    return Verdict("orders_reach_erp_exactly_once", distinct == placed.ok and duplicates == 0,
                   f"{distinct}/{placed.ok} orders in the ERP after recovery, "
                   f"{duplicates} duplicates")
