"""One run of the harness.

The full pipeline (DESIGN §1, §4) is safety → stack → seed → snapshot → Locust → drain →
verdicts → report. What exists today is the *estate smoke run*: it stands up the embedded estate
built so far (fault proxy and mocks, each its own process), wires a proxy per mock as DESIGN §1
names them, and proves on real sockets that faults bite and heal:

    baseline ─► latency toxic ─► proxy down ─► reset ─► recovered
       each phase: a bounded burst of requests through the proxy listener, timed

Its verdicts are about the harness's own fault machinery, and it says so in its output. Plans,
Locust load and the integration checks replace this as their issues land.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from peakready import __version__
from peakready.chaos import FaultProxyClient
from peakready.content import find_content_dir
from peakready.errors import ConfigError, HarnessError
from peakready.mockkit.settings import DEFAULT_PORTS
from peakready.stack import Stack, peakready_argv

__all__ = ["main", "run_estate_smoke"]

log = logging.getLogger("peakready.orchestrator")
SCHEMA_VERSION = 1
_PROBES_PER_PHASE = 20
_PROBE_TIMEOUT_S = 2.0
_LATENCY_MS = 250
_LEASE_TTL_MS = 10_000


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


class _FaultLog:
    """faults.jsonl: each fault as applied and cleared (DESIGN §4)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, event: str, proxy: str, spec: dict[str, Any], outcome: str) -> None:
        record = {"time": _now(), "event": event, "target": f"proxy:{proxy}", "spec": spec,
                  "outcome": outcome}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


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
    p50 = statistics.median(latencies) if latencies else None
    p95 = (statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else p50)
    return PhaseStats(phase, _PROBES_PER_PHASE, len(latencies), errors,
                      None if p50 is None else round(p50, 2),
                      None if p95 is None else round(p95, 2))


def _available_mocks(mocks_dir: Path) -> list[str]:
    """The estate's services built so far: ``mocks/<name>.py`` or a ``mocks/<name>/`` package."""
    return [n for n in DEFAULT_PORTS
            if (mocks_dir / f"{n}.py").is_file() or (mocks_dir / n / "__init__.py").is_file()]


async def run_estate_smoke(run_dir: Path) -> SmokeResult:
    result = SmokeResult(SCHEMA_VERSION, "estate-smoke", __version__, _now())
    faults = _FaultLog(run_dir / "faults.jsonl")
    mocks = _available_mocks(find_content_dir("mocks"))
    result.missing_components = [n for n in DEFAULT_PORTS if n not in mocks]
    if not mocks:
        raise HarnessError("no mocks found under mocks/ (erp.py, crm.py, …): nothing to proxy")
    async with Stack(run_dir / "logs") as stack:
        proxy = await stack.start("faultproxy", peakready_argv("proxy", "--port", "0"),
                                  health_path="/version")
        result.components["faultproxy"] = proxy.url
        for name in mocks:
            mock = await stack.start(name, peakready_argv("mock", name, "--port", "0"))
            result.components[name] = mock.url
        with FaultProxyClient(proxy.url) as control, \
                control.holding_lease("peakready-run", _LEASE_TTL_MS):
            # The lease is the dead-man switch: if this process dies mid-fault, the proxy
            # heals itself within the TTL instead of leaving a link poisoned.
            for name in mocks:
                upstream = stack.url(name).removeprefix("http://")
                created = await asyncio.to_thread(control.create_proxy, name, upstream)
                result.proxies[name] = created.listen
            # The ERP link is where integrations break first (DESIGN §1); fall back to any mock.
            await _exercise(control, result, faults, target="erp" if "erp" in mocks else mocks[0])
    result.ended_at = _now()
    return result


async def _exercise(control: FaultProxyClient, result: SmokeResult, faults: _FaultLog,
                    target: str) -> None:
    url = f"http://{result.proxies[target]}/__admin/health"
    attributes = {"latency": _LATENCY_MS, "jitter": 0}
    latency = {"type": "latency", "name": "smoke_latency", "attributes": attributes}
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
        await asyncio.to_thread(control.reset)
        faults.write("cleared", target, {"down": True}, "ok (reset)")
        recovered = await _probe(client, url, "recovered")
    result.phases = [baseline, slowed, down, recovered]
    added = (slowed.p50_ms or 0) - (baseline.p50_ms or 0)
    result.verdicts = [
        Verdict("baseline_healthy", baseline.errors == 0,
                f"{baseline.ok}/{baseline.requests} ok through proxy {target}"),
        Verdict("latency_toxic_bites", abs(added - _LATENCY_MS) <= 0.2 * _LATENCY_MS,
                f"p50 rose by {added:.1f} ms under a {_LATENCY_MS} ms latency toxic"),
        Verdict("outage_bites", down.ok == 0,
                f"{down.errors}/{down.requests} failed while proxy {target} was down"),
        Verdict("reset_heals", recovered.errors == 0,
                f"{recovered.ok}/{recovered.requests} ok after /reset"),
    ]


def _print_summary(result: SmokeResult, run_dir: Path) -> None:
    print(f"peakready run: estate smoke ({result.kind}), report in {run_dir}")
    print("  This is the interim run: it proves the embedded estate and its fault machinery.")
    print("  Locust load, plans, integration checks and the capacity report are not built yet.")
    for name, url in result.components.items():
        print(f"  {name:<11} {url}")
    if result.missing_components:
        print(f"  not built yet: {', '.join(result.missing_components)}")
    for phase in result.phases:
        print(f"  phase {phase.phase:<20} ok {phase.ok}/{phase.requests}  "
              f"p50 {phase.p50_ms} ms  p95 {phase.p95_ms} ms")
    for verdict in result.verdicts:
        print(f"  [{'PASS' if verdict.passed else 'FAIL'}] {verdict.name}: {verdict.detail}")


def main(args: argparse.Namespace) -> int:
    if args.plan is not None:
        raise ConfigError(f"{args.plan}: plans are not supported yet; `peakready run` without a "
                          f"plan runs the estate smoke run")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(args.reports_dir) / f"{stamp}-estate-smoke"
    run_dir.mkdir(parents=True, exist_ok=False)
    result = asyncio.run(run_estate_smoke(run_dir))
    (run_dir / "result.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    _print_summary(result, run_dir)
    return 0 if result.passed else 1
