"""``peakready run PLAN --dry-run``: what a run would start and send where; nothing is sent.

::

    plan ─► safety (a refused host is still exit 2) ─► lines:
            target · processes it would start · proxies · seeding · flash-sale stock ·
            load per journey with its REST routes · fault timeline as API calls · drain ·
            evidence · report

Pure: reads the plan, the environment (whether the token variable is set, never its value;
TOXIPROXY_URL) and the fixture profile; opens no socket, starts no process, writes no file.
Ports of the embedded estate are ephemeral (chosen at start), so they print as ``:<port>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from peakready.chaos.timeline import EXPIRY_SLACK_S
from peakready.config import Plan
from peakready.doctor import ROUTES

__all__ = ["describe", "main"]

_BACKENDS = ("erp", "crm", "payment", "shipping")
_SYNC_ROUTES = {
    "erp_stock_push": ("erp_stock_updates_per_minute", "POST {erp}/api/stock/adjustments"),
    "crm_edits": ("crm_upserts_per_minute", "PUT {crm}/api/contacts/{email}/preferences"),
    "backoffice": ("backoffice_per_minute", None),
}


def _routes(journey: str) -> str:
    return "; ".join(r.used for r in ROUTES if journey in r.by)


def _fault_calls(plan: Plan, proxy: str, mocks: Mapping[str, str]) -> list[str]:
    lines = []
    for index, fault in enumerate(plan.faults):
        # As the timeline sends it: an expiry past the window, so a dead run heals itself.
        expires = fault.for_ + EXPIRY_SLACK_S
        window = f"{fault.at:g}s to {fault.end:g}s"
        name = f"peakready-fault-{index}"
        if fault.proxy and fault.down:
            calls = [f"POST {proxy}/proxies/{fault.proxy} {{\"enabled\": false}}",
                     f"POST {proxy}/proxies/{fault.proxy} {{\"enabled\": true}}"]
        elif fault.proxy:
            body = {"name": name, "type": fault.toxic, "stream": fault.stream,
                    "toxicity": fault.toxicity,
                    "attributes": {k: int(v) for k, v in fault.attributes.items()},
                    "expires_in_ms": int(expires * 1000)}
            calls = [f"POST {proxy}/proxies/{fault.proxy}/toxics {json.dumps(body)}",
                     f"DELETE {proxy}/proxies/{fault.proxy}/toxics/{name}"]
        else:
            assert fault.http is not None and fault.mock is not None
            base = mocks[fault.mock]
            rule = fault.http.rule(name, round(expires, 3))
            calls = [f"POST {base}/__admin/faults {json.dumps(rule)}",
                     f"DELETE {base}/__admin/faults/{name}"]
        lines.append(f"  {window:<12} {fault.label}")
        lines += [f"      apply: {calls[0]}", f"      clear: {calls[1]}"]
    return lines or ["  none"]


def describe(plan: Plan, plan_path: Path, reports_dir: Path,
             env: Mapping[str, str] | None = None) -> list[str]:
    """The dry run's report, one line each (the CLI prints them)."""
    env = os.environ if env is None else env
    target = plan.target
    external = env.get("TOXIPROXY_URL")
    proxy = external or "http://127.0.0.1:<port>"
    mocks = {name: f"http://127.0.0.1:<{name} port>" for name in _BACKENDS}
    out = [f"peakready run {plan_path} --dry-run: nothing is started, sent or written.",
           f"plan {plan.name!r}, seed {plan.seed}; allow_hosts: "
           f"{', '.join(target.allow_hosts) or '(none: loopback only)'} — every address "
           f"below passed the safety check"]
    if target.embedded:
        magento = "http://127.0.0.1:<magento port>"
        flags = ", ".join(target.integration.flags) or "no flags"
        out.append(f"target: the embedded Magento simulator ({target.simulator.profile} "
                   f"profile, {target.simulator.inventory} inventory), built-in integration "
                   f"{target.integration.profile} ({flags}); admin token generated per run")
    else:
        assert not isinstance(target.magento, str)
        magento = target.magento.url.rstrip("/")
        var = target.magento.token_env
        state = "set" if env.get(var) else "NOT SET: the run would stop with exit 2"
        out.append(f"target: the real store {magento}; token from ${var} ({state}; sent only "
                   f"as a bearer header, never printed or written)")
    out.append("would start (child processes on 127.0.0.1, ephemeral ports, logs in "
               "<run folder>/logs/):")
    if external:
        out.append(f"  no fault proxy: the one at TOXIPROXY_URL={external} is used")
    else:
        out.append("  faultproxy   peakready proxy --port 0")
    for name in _BACKENDS:
        profile = f" --profile {target.simulator.profile}" if name in ("erp", "crm") else ""
        if name == "crm":
            profile += f" --dialect {target.crm.dialect}"
        out.append(f"  {name:<12} peakready mock {name} --port 0{profile}")
    if target.embedded:
        calls = ("its integration calls the back-ends through the proxy listeners"
                 if target.integration.profile != "none" else "no built-in integration")
        out.append(f"  magento      peakready mock magento --port 0 ({calls})")
    if target.connector is not None:
        out.append(f"  connector    {' '.join(target.connector.command)} (PEAKREADY_* variables "
                   f"point at the proxy listeners)")
    out.append(f"would create on the fault proxy {proxy}:")
    magento_proxied = any(f.proxy == "magento" for f in plan.faults)
    for name in (*_BACKENDS, *(("magento",) if magento_proxied else ())):
        upstream = magento if name == "magento" else mocks[name]
        out.append(f"  POST {proxy}/proxies {{name: {name}, listen: 127.0.0.1:0, upstream: "
                   f"{upstream.removeprefix('http://')}}}")
    if not target.embedded:
        out += _seeding(plan, magento)
    flash = plan.load.flash_sale
    if flash is not None:
        out.append(f"flash sale stock: {flash.skus} hot SKUs set to {flash.stock_each}: POST "
                   f"{mocks['erp']}/api/stock/adjustments, then POST "
                   f"{magento}/rest/V1/inventory/source-items")
    load_url = "http://127.0.0.1:<magento proxy port>" if magento_proxied else magento
    out.append(f"load: {plan.load.duration:g}s, shape {plan.load.shape}, "
               f"{plan.load.orders_per_minute:g} orders/min at 100 %, {plan.load.arrivals} "
               f"arrivals, at most {plan.load.max_concurrency} journeys in flight; Magento "
               f"REST at {load_url}/rest")
    for journey, per_s in plan.load.journey_rates_per_second().items():
        out.append(f"  {journey:<18} {per_s * 60:8.1f}/min  {_routes(journey)}")
    if flash is not None:
        over = f" over {flash.over:g}s" if flash.over else ""
        out.append(f"  {'flash_sale':<18} {flash.buyers:>5} at {flash.at:g}s{over}  "
                   f"{_routes('flash_sale')}")
    for journey, (key, route) in _SYNC_ROUTES.items():
        rate = getattr(plan.load.sync, key)
        if rate > 0:
            where = route.format(**mocks, email="{email}") if route else _routes(journey)
            out.append(f"  {journey:<18} {rate:8.1f}/min  {where}")
    out.append("faults (t = 0 is Locust's test_start):")
    out += _fault_calls(plan, proxy, {**mocks, "magento": magento})
    out.append(f"drain: up to {plan.drain.timeout:g}s, polling the witnesses; then the evidence "
               f"export from {magento}/rest: {_routes('evidence')}; GET <each mock>/__admin/"
               f"evidence")
    out.append(f"checks: {', '.join(plan.checks)}")
    out.append(f"report: {reports_dir}/<UTC stamp>-{plan.name}/ (result.json, report.html, "
               f"junit.xml); exit 0 pass, 1 a check or SLO failed")
    return out


def _seeding(plan: Plan, magento: str) -> list[str]:
    from peakready.seeding.profiles import generate_catalog

    catalog = generate_catalog(plan.target.simulator.profile, plan.seed)
    return [f"would seed {magento} with the {catalog.profile!r} profile (docs/seeding.md):",
            f"  PUT  {magento}/rest/all/V1/products/{{sku}}  x {len(catalog.products)}",
            f"  POST {magento}/rest/all/V1/inventory/source-items  "
            f"({len(catalog.products)} items, 20 per call)",
            f"  POST {magento}/rest/V1/customers  x {len(catalog.customers)} (existing emails "
            f"skipped)"]


def main(plan: Plan, plan_path: Path, reports_dir: Path) -> int:
    print("\n".join(describe(plan, plan_path, reports_dir)))
    return 0
