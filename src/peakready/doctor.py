"""``peakready doctor --target URL --token-env VAR``: is a store ready for a run? Reads only.

::

    safety      the store and the fault proxy must be loopback or allow-listed (exit 2)
    reach       GET /rest/V1/products without a token: Magento's JSON envelope (401 or 200)
    token       GET /rest/V1/orders with the token: 200 (401 names the missing ACL resource)
    routes      every REST route the scenarios and the run's evidence export use, each by a
                GET: the route itself, or a read-only sibling in the same Magento service;
                a write with no such sibling is listed as not probed
    proxies     the fault proxy's erp / crm / payment / shipping exist and are enabled;
                their counters (/metrics) read before and after a quiet window tell whether
                anything (the store's integration: doctor itself sends nothing there during
                the window) reached each listener; then one probe through each listener
                shows whether its upstream answers

Every request is a GET with a timeout; the count is fixed by the tables below. The token
travels only in the Authorization header; server texts are redacted before they are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import httpx

from peakready.errors import ConfigError
from peakready.safety import check_target, is_loopback_host, redact, split_host_port
from peakready.scenario.client import Reply, decode_error

__all__ = ["ROUTES", "DoctorOptions", "Finding", "RouteProbe", "diagnose", "main", "render"]

Status = Literal["ok", "warn", "fail", "info"]
NO_ROUTE = "Request does not match any route."
UNAUTHORIZED = "The consumer isn't authorized to access"
BACKENDS = ("erp", "crm", "payment", "shipping")
# Placeholders no store holds: a 404 "No such entity" proves the route without touching data.
_PROBE_CART = "peakready-doctor-probe"
_PROBE_ORDER = "2147483647"
_ONE = "searchCriteria[pageSize]=1&searchCriteria[currentPage]=1"
_GUEST = ("guest_checkout", "flash_sale")
_CUSTOMER = ("customer_checkout",)


@dataclass(frozen=True)
class Finding:
    status: Status
    check: str
    detail: str


@dataclass(frozen=True)
class RouteProbe:
    """A route as the scenarios send it and the GET that shows the store serves it."""

    used: str                       # "POST /V1/guest-carts"
    by: tuple[str, ...]             # the journeys (or "evidence": the run's export) sending it
    probe: str | None               # GET path under /rest ({cart}, {sku}, {order}); None: a
    #                                 write with no read-only sibling, not probed
    token: bool = True              # send the bearer token
    ok: tuple[int, ...] = (200,)    # statuses that prove the route is served
    note: str = ""


ROUTES: tuple[RouteProbe, ...] = (
    RouteProbe("GET /V1/products?searchCriteria", ("browse", "search"), f"/V1/products?{_ONE}"),
    RouteProbe("GET /V1/products/{sku}", ("browse",), "/V1/products/{sku}", ok=(200, 404)),
    RouteProbe("POST /V1/guest-carts", (*_GUEST, "abandoned_cart"),
               "/V1/guest-carts/{cart}", token=False, ok=(404,),
               note="by GET /V1/guest-carts/{id}"),
    RouteProbe("POST /V1/guest-carts/{id}/items", (*_GUEST, "abandoned_cart"),
               "/V1/guest-carts/{cart}/items", token=False, ok=(404,), note="by its GET"),
    RouteProbe("GET /V1/guest-carts/{id}/totals", ("abandoned_cart",),
               "/V1/guest-carts/{cart}/totals", token=False, ok=(404,)),
    RouteProbe("POST /V1/guest-carts/{id}/estimate-shipping-methods", _GUEST,
               "/V1/guest-carts/{cart}/shipping-methods", token=False, ok=(404,),
               note="by GET .../shipping-methods (same shipping-method service)"),
    RouteProbe("POST /V1/guest-carts/{id}/shipping-information", _GUEST, None,
               note="a write with no GET: first sent by a run"),
    RouteProbe("POST /V1/guest-carts/{id}/payment-information", _GUEST,
               "/V1/guest-carts/{cart}/payment-information", token=False, ok=(404,),
               note="by its GET"),
    RouteProbe("POST /V1/integration/customer/token", _CUSTOMER, None,
               note="issues a token (a write): first sent by a run"),
    RouteProbe("POST /V1/carts/mine", _CUSTOMER, "/V1/carts/mine", token=False,
               ok=(401,), note="by GET without a customer token (401: served, needs one)"),
    RouteProbe("POST /V1/carts/mine/items", _CUSTOMER, "/V1/carts/mine/items",
               token=False, ok=(401,), note="by its GET, without a customer token"),
    RouteProbe("GET /V1/customers/me", _CUSTOMER, "/V1/customers/me", token=False,
               ok=(401,), note="without a customer token"),
    RouteProbe("POST /V1/carts/mine/estimate-shipping-methods", _CUSTOMER,
               "/V1/carts/mine/shipping-methods", token=False, ok=(401,),
               note="by GET .../shipping-methods, without a customer token"),
    RouteProbe("POST /V1/carts/mine/shipping-information", _CUSTOMER, None,
               note="a write with no GET: first sent by a run"),
    RouteProbe("POST /V1/carts/mine/payment-information", _CUSTOMER,
               "/V1/carts/mine/payment-information", token=False, ok=(401,),
               note="by its GET, without a customer token"),
    RouteProbe("GET /V1/orders?searchCriteria", ("backoffice", "evidence"),
               f"/V1/orders?{_ONE}"),
    RouteProbe("GET /V1/orders/{id}", ("guest_checkout", "customer_checkout", "backoffice"),
               "/V1/orders/{order}", ok=(200, 404)),
    RouteProbe("POST /V1/orders/{id}/cancel", ("backoffice",), None,
               note="a write: first sent by a run"),
    RouteProbe("POST /V1/order/{id}/invoice, /ship", ("backoffice",), None,
               note="writes: first sent by a run"),
    RouteProbe("GET /V1/inventory/source-items", ("evidence",),
               f"/V1/inventory/source-items?{_ONE}"),
    RouteProbe("GET /V1/inventory/get-product-salable-quantity/{sku}/1", ("evidence",),
               "/V1/inventory/get-product-salable-quantity/{sku}/1", ok=(200, 400, 404)),
    RouteProbe("GET /V1/customers/search", ("evidence",),
               f"/V1/customers/search?{_ONE}"),
)


@dataclass(frozen=True)
class DoctorOptions:
    target: str
    token: str
    token_env: str
    proxy: str | None = "http://127.0.0.1:8474"
    watch: float = 20.0
    allow_hosts: tuple[str, ...] = ()
    timeout: float = 10.0


def _reply(response: httpx.Response) -> Reply:
    return Reply(response.status_code, response.content)


class _Store:
    def __init__(self, options: DoctorOptions, client: httpx.AsyncClient) -> None:
        self.base = options.target.rstrip("/") + "/rest"
        self.token = options.token
        self.client = client

    async def get(self, path: str, *, token: bool) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        try:
            return _reply(await self.client.get(self.base + path, headers=headers))
        except httpx.HTTPError as exc:
            return Reply(0, b"", error=f"{type(exc).__name__}: {exc}")

    def say(self, reply: Reply) -> str:
        text = f"HTTP {reply.status} {decode_error(reply)}" if reply.status else \
            f"no answer ({reply.error})"
        return redact(text, [self.token])[:200]


def _magento_envelope(reply: Reply) -> bool:
    try:
        data = reply.json()
    except ValueError:
        return False
    return isinstance(data, dict) and ("message" in data or "items" in data)


async def _store_checks(store: _Store) -> tuple[list[Finding], dict[str, str]]:
    found: list[Finding] = []
    seen = {"cart": _PROBE_CART, "order": _PROBE_ORDER, "sku": _PROBE_CART}
    started = time.monotonic()
    reach = await store.get(f"/V1/products?{_ONE}", token=False)
    elapsed = (time.monotonic() - started) * 1000
    if reach.status == 0 or not _magento_envelope(reach):
        found.append(Finding("fail", "reach", f"{store.base}: {store.say(reach)}: not Magento "
                                              f"REST (is the base URL right?)"))
        return found, seen
    found.append(Finding("ok", "reach", f"{store.base} answers Magento REST "
                                        f"({reach.status}, {elapsed:.0f} ms)"))
    token = await store.get(f"/V1/orders?{_ONE}", token=True)
    if token.status != 200:
        found.append(Finding("fail", "token", f"GET /V1/orders with the token: "
                                              f"{store.say(token)}"))
    else:
        found.append(Finding("ok", "token", "accepted (GET /V1/orders: 200)"))
        for item in token.json().get("items") or []:
            seen["order"] = str(item.get("entity_id", _PROBE_ORDER))
    products = await store.get(f"/V1/products?{_ONE}", token=True)
    if products.status == 200:
        items = products.json().get("items") or []
        if items:
            seen["sku"] = str(items[0].get("sku", _PROBE_CART))
        else:
            found.append(Finding("warn", "catalog", "no products: seed the store first "
                                                    "(docs/staging.md)"))
    return found, seen


def _judge(route: RouteProbe, reply: Reply, store: _Store) -> Finding:
    label = f"{route.used}  [{', '.join(route.by)}]"
    how = f" ({route.note})" if route.note else ""
    message = decode_error(reply) if reply.status else ""
    if reply.status == 404 and message == NO_ROUTE:
        return Finding("fail", "route", f"{label}: not served: {store.say(reply)}")
    if reply.status == 401 and 401 not in route.ok:
        return Finding("fail", "route", f"{label}: the token lacks its ACL resource: "
                                        f"{store.say(reply)}")
    if reply.status in route.ok and (reply.status != 401 or message.startswith(UNAUTHORIZED)):
        return Finding("ok", "route", f"{label}: {reply.status}{how}")
    return Finding("fail", "route", f"{label}: {store.say(reply)}{how}")


async def _route_checks(store: _Store, seen: dict[str, str]) -> list[Finding]:
    found = []
    for route in ROUTES:
        if route.probe is None:
            found.append(Finding("info", "route", f"{route.used}  [{', '.join(route.by)}]: "
                                                  f"not probed ({route.note})"))
            continue
        path = route.probe.format(**{k: httpx.URL("/" + v).raw_path.decode()[1:]
                                     for k, v in seen.items()})
        found.append(_judge(route, await store.get(path, token=route.token), store))
    return found


# --------------------------------------------------------------------------- the fault proxy
_SERIES = re.compile(r'^(?P<name>[a-z_]+)\{(?P<labels>[^}]*)\}\s+(?P<value>[0-9.eE+-]+)$')
_COUNTERS = ("peakready_proxy_connections_accepted_total", "toxiproxy_proxy_received_bytes_total",
             "toxiproxy_proxy_sent_bytes_total")


def parse_counters(text: str) -> dict[str, float]:
    """Per proxy, the sum of the traffic counters /metrics shows (empty: none exposed)."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        match = _SERIES.match(line.strip())
        if match is None or match["name"] not in _COUNTERS:
            continue
        proxy = re.search(r'proxy="([^"]*)"', match["labels"])
        if proxy:
            totals[proxy[1]] = totals.get(proxy[1], 0.0) + float(match["value"])
    return totals


async def _counters(client: httpx.AsyncClient, url: str) -> dict[str, float] | None:
    try:
        response = await client.get(url + "/metrics")
    except httpx.HTTPError:
        return None
    return parse_counters(response.text) if response.status_code == 200 else None


async def _through(listen: str, timeout: float) -> str | None:
    """One HTTP request through a listener: the upstream's first line, or None (no answer)."""
    host, port = split_host_port(listen)
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return None
    try:
        writer.write(b"GET / HTTP/1.0\r\nHost: peakready-doctor\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError):
        head = b""
    finally:
        writer.close()
    return head.decode("latin-1").strip() or None


async def _proxy_checks(options: DoctorOptions, client: httpx.AsyncClient,
                        sleep: Callable[[float], Awaitable[object]]) -> list[Finding]:
    assert options.proxy is not None
    url = options.proxy.rstrip("/")
    try:
        listing = await client.get(url + "/proxies")
        proxies = listing.json() if listing.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        return [Finding("fail", "proxy", f"fault proxy at {url} not reachable ({exc}): start "
                                         f"`peakready proxy` or pass --proxy")]
    if not isinstance(proxies, dict):
        return [Finding("fail", "proxy", f"{url}/proxies: HTTP {listing.status_code}: "
                                         f"not a Toxiproxy API")]
    found, present = [], {}
    store_host = (httpx.URL(options.target).host or "").lower()
    for name in BACKENDS:
        info = proxies.get(name)
        if not isinstance(info, dict):
            found.append(Finding("fail", f"proxy {name}", f"no proxy {name!r} on {url}: "
                                                          f"create it (docs/staging.md)"))
            continue
        state = "enabled" if info.get("enabled") else "DISABLED"
        status: Status = "ok" if info.get("enabled") else "fail"
        found.append(Finding(status, f"proxy {name}", f"listen {info.get('listen')} → upstream "
                                                      f"{info.get('upstream')}, {state}"))
        listen_host = split_host_port(str(info.get("listen")))[0]
        if is_loopback_host(listen_host) and not is_loopback_host(store_host):
            found.append(Finding("warn", f"proxy {name}",
                                 f"listens on loopback {info.get('listen')}: a store on "
                                 f"{store_host} cannot reach it"))
        present[name] = str(info.get("listen"))
    found += await _traffic(options, client, url, present, sleep)
    for name, listen in present.items():
        if not _allowed(listen, options.allow_hosts):
            continue
        head = await _through(listen, min(options.timeout, 5.0))
        found.append(Finding("ok" if head else "fail", f"proxy {name}",
                             f"through {listen}: upstream answered {head!r}" if head else
                             f"through {listen}: no answer (upstream down or unreachable)"))
    return found


def _allowed(listen: str, allow: Sequence[str]) -> bool:
    try:
        check_target(listen, allow)
    except Exception:
        return False
    return True


async def _traffic(options: DoctorOptions, client: httpx.AsyncClient, url: str,
                   present: dict[str, str],
                   sleep: Callable[[float], Awaitable[object]]) -> list[Finding]:
    before = await _counters(client, url)
    if not before:
        return [Finding("warn", "proxy traffic", f"{url}/metrics shows no per-proxy counters "
                        f"(a real Toxiproxy needs -proxy-metrics): whether the store's "
                        f"integration reaches the listeners cannot be seen from here")]
    await sleep(options.watch)
    after = await _counters(client, url) or {}
    found = []
    for name in present:
        delta = after.get(name, 0.0) - before.get(name, 0.0)
        if delta > 0:
            found.append(Finding("ok", f"proxy {name}", f"traffic reached the listener in "
                                                        f"{options.watch:g} s (who sent it "
                                                        f"is not visible)"))
        elif name in ("payment", "shipping"):
            found.append(Finding("info", f"proxy {name}", f"no traffic in {options.watch:g} s: "
                                 f"called at checkout only, which doctor does not do"))
        else:
            found.append(Finding("warn", f"proxy {name}", f"no traffic in {options.watch:g} s: "
                                 f"the integration polls less often (--watch longer) or does "
                                 f"not call {name} through this listener"))
    return found


async def diagnose(options: DoctorOptions, *, transport: httpx.AsyncBaseTransport | None = None,
                   sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> list[Finding]:
    """Every finding, in order; ``transport`` lets tests put an in-process store behind it."""
    check_target(options.target, options.allow_hosts, what="--target")
    if options.proxy:
        check_target(options.proxy, options.allow_hosts, what="--proxy")
    async with httpx.AsyncClient(timeout=options.timeout, transport=transport) as client:
        store = _Store(options, client)
        found, seen = await _store_checks(store)
        if found[0].status == "ok":
            found += await _route_checks(store, seen)
    if options.proxy:
        async with httpx.AsyncClient(timeout=options.timeout) as proxy_client:
            found += await _proxy_checks(options, proxy_client, sleep)
    return found


def render(findings: Sequence[Finding]) -> str:
    return "\n".join(f"{f.status:<5} {f.check:<14} {f.detail}" for f in findings)


def main(args: argparse.Namespace) -> int:
    """CLI handler: 0 nothing failed, 1 a check failed, 2 usage or safety refusal."""
    token = os.environ.get(args.token_env, "")
    if not token:
        raise ConfigError(f"--token-env {args.token_env}: the environment variable is not set; "
                          f"export it with the store's integration token")
    proxy = None if args.no_proxy else (args.proxy or os.environ.get("TOXIPROXY_URL")
                                        or "http://127.0.0.1:8474")
    options = DoctorOptions(target=args.target, token=token, token_env=args.token_env,
                            proxy=proxy, watch=args.watch, allow_hosts=tuple(args.allow_host),
                            timeout=args.timeout)
    findings = asyncio.run(diagnose(options))
    print(render(findings))
    failed = sum(f.status == "fail" for f in findings)
    warned = sum(f.status == "warn" for f in findings)
    print(f"doctor: {failed} failed, {warned} warnings, "
          f"{sum(f.status == 'ok' for f in findings)} ok")
    return 1 if failed else 0
