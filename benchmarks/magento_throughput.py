"""Magento simulator throughput against a bare ASGI app, measured in the same run.

Prints two figures (capacity model off, as the simulator runs by default):

* ``GET /V1/products/{sku}`` requests/s of the simulator divided by those of a bare ASGI app
  (same uvicorn, same loop, same client) — target >= 0.30;
* full guest checkouts per second (the six calls of spec §2.1) — target >= 150;
* GraphQL ``products(filter:{sku:{eq}})`` by POST (never cached: parse, validate, resolve)
  requests/s divided by the bare app's;
* a cached product page (``GET /<url_key>.html``, a full-page cache hit after the first)
  requests/s divided by the bare app's; and the capacity model's cost of a cache hit against
  a page miss (mean service times, target <= 1/3).

Each server runs in its own process pinned to CPU 0; this client is pinned to CPU 1
(``os.sched_setaffinity``), so the server's core is the bottleneck. The client is a minimal
HTTP/1.1 keep-alive client on raw asyncio streams (httpx would saturate before the server).
Every phase is bounded by a duration and a request cap.

    .venv/bin/python benchmarks/magento_throughput.py [--seconds 4] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TOKEN = "peakready-simulator-admin-token"
ADDRESS = {"region": "California", "region_id": 12, "country_id": "US", "street": ["1 Main"],
           "postcode": "95630", "city": "Folsom", "firstname": "B", "lastname": "Ench",
           "telephone": "5555550100"}
SERVER_CPU, CLIENT_CPU = 0, 1
MAX_REQUESTS = 2_000_000


# --- the bare baseline ---------------------------------------------------------------------

BARE_BODY = json.dumps({"id": 1, "sku": "SKU", "name": "Product", "price": 10.0}).encode()


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(BARE_BODY)).encode())]})
    await send({"type": "http.response.body", "body": BARE_BODY})


def serve_bare() -> None:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(bare_app, access_log=False, log_config=None, lifespan="off",
                            loop="uvloop")
    uvicorn.Server(config).run(sockets=[sock])


def start_server(cmd: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: os.sched_setaffinity(0, {SERVER_CPU}))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on " not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {cmd} → {line!r}")
    return proc, line.strip().rsplit(" ", 1)[1]


# --- a small keep-alive HTTP/1.1 client -----------------------------------------------------

class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Conn:
        host, port = url.split("//", 1)[1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, host)

    async def request(self, method: str, path: str, body: Any = None,
                      auth: bool = False) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if auth:
            head += f"Authorization: Bearer {TOKEN}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        for line in raw.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        payload = await self.reader.readexactly(length)
        return status, payload

    def close(self) -> None:
        self.writer.close()


async def hammer(url: str, path: str, seconds: float, connections: int, auth: bool,
                 method: str = "GET", body: Any = None) -> float:
    conns = [await Conn.open(url) for _ in range(connections)]
    done = 0
    stop = time.perf_counter() + seconds

    async def loop(conn: Conn) -> None:
        nonlocal done
        while time.perf_counter() < stop and done < MAX_REQUESTS:
            status, _ = await conn.request(method, path, body, auth=auth)
            if status != 200:
                raise SystemExit(f"{method} {path} → {status}")
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in conns))
    elapsed = time.perf_counter() - started
    for c in conns:
        c.close()
    return done / elapsed


async def checkouts(url: str, sku: str, seconds: float, connections: int) -> tuple[float, int]:
    conns = [await Conn.open(url) for _ in range(connections)]
    done = failed = 0
    stop = time.perf_counter() + seconds

    async def flow(c: Conn) -> None:
        nonlocal done, failed
        while time.perf_counter() < stop and done < MAX_REQUESTS:
            _, raw = await c.request("POST", "/rest/V1/guest-carts", {})
            cart = json.loads(raw)
            base = f"/rest/V1/guest-carts/{cart}"
            await c.request("POST", f"{base}/items",
                            {"cartItem": {"sku": sku, "qty": 1, "quote_id": cart}})
            await c.request("GET", f"{base}/totals")
            await c.request("POST", f"{base}/estimate-shipping-methods",
                            {"address": {"country_id": "US", "postcode": "95630"}})
            await c.request("POST", f"{base}/shipping-information", {"addressInformation": {
                "shipping_address": ADDRESS, "billing_address": ADDRESS,
                "shipping_carrier_code": "flatrate", "shipping_method_code": "flatrate"}})
            status, _ = await c.request("POST", f"{base}/payment-information", {
                "email": "bench@example.com", "paymentMethod": {"method": "checkmo"}})
            if status == 200:
                done += 1
            else:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(flow(c) for c in conns))
    elapsed = time.perf_counter() - started
    for c in conns:
        c.close()
    return done / elapsed, failed


async def prepare(url: str) -> str:
    conn = await Conn.open(url)
    _, raw = await conn.request("GET", "/rest/V1/products?searchCriteria[pageSize]=1",
                                auth=True)
    sku = json.loads(raw)["items"][0]["sku"]
    status, _ = await conn.request("PUT", f"/rest/all/V1/products/{sku}/stockItems/1",
                                   {"stockItem": {"qty": 1e9, "is_in_stock": True}}, auth=True)
    assert status == 200
    conn.close()
    return str(sku)


async def product_page(url: str, sku: str) -> str:
    """The product page's path (its url_key, read from the product through REST)."""
    conn = await Conn.open(url)
    _, raw = await conn.request("GET", f"/rest/V1/products/{sku}", auth=True)
    conn.close()
    custom = {a["attribute_code"]: a["value"] for a in json.loads(raw)["custom_attributes"]}
    return f"/{custom['url_key']}.html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare()
        return 0
    if not {SERVER_CPU, CLIENT_CPU} <= os.sched_getaffinity(0):
        print("needs CPUs 0 and 1 (server on CPU 0, client on CPU 1)")
        return 2
    os.sched_setaffinity(0, {CLIENT_CPU})
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    bare, bare_url = start_server([sys.executable, __file__, "--serve-bare"])
    sim, sim_url = start_server([sys.executable, "-m", "peakready.cli", "mock", "magento",
                                 "--port", "0", "--profile", "small", "--capacity-model", "off",
                                 "--integration", "none",
                                 "--mocks-dir", str(REPO / "mocks"),
                                 "--fixtures-dir", str(REPO / "fixtures")])
    try:
        sku = runner(prepare(sim_url))
        path = f"/rest/V1/products/{sku}"
        runner(hammer(bare_url, path, 1.0, args.connections, False))  # warm-up
        bare_rps = runner(hammer(bare_url, path, args.seconds, args.connections, False))
        runner(hammer(sim_url, path, 1.0, args.connections, True))
        sim_rps = runner(hammer(sim_url, path, args.seconds, args.connections, True))
        rate, failed = runner(checkouts(sim_url, sku, args.seconds, args.connections))
        query = {"query": "query($s:String!){ products(filter:{sku:{eq:$s}}) { items { sku name "
                          "stock_status price_range { minimum_price { final_price { value "
                          "currency } } } } } }", "variables": {"s": sku}}
        runner(hammer(sim_url, "/graphql", 1.0, args.connections, False, "POST", query))
        graphql_rps = runner(hammer(sim_url, "/graphql", args.seconds, args.connections, False,
                                    "POST", query))
        page = runner(product_page(sim_url, sku))
        runner(hammer(sim_url, page, 1.0, args.connections, False))
        page_rps = runner(hammer(sim_url, page, args.seconds, args.connections, False))
    finally:
        for proc in (bare, sim):
            proc.kill()
            proc.wait(timeout=10)
    print(f"bare ASGI app           GET product: {bare_rps:9.0f} req/s")
    print(f"Magento simulator       GET product: {sim_rps:9.0f} req/s")
    print(f"ratio simulator/bare    GET product: {sim_rps / bare_rps:9.2f}   (target >= 0.30)")
    print(f"guest checkouts (6 calls each)     : {rate:9.1f} /s  (target >= 150; "
          f"{failed} failed)")
    print(f"ratio simulator/bare    GraphQL products by sku (POST): {graphql_rps / bare_rps:6.2f}"
          f"   ({graphql_rps:.0f} req/s)")
    print(f"ratio simulator/bare    cached product page (FPC hit):  {page_rps / bare_rps:6.2f}"
          f"   ({page_rps:.0f} req/s)")
    from peakready.mockkit.capacity import CACHE_HIT, DEFAULT_ROUTES

    miss = next(r for r in DEFAULT_ROUTES if r.name == "page_view")
    print(f"capacity model: cache hit / page miss mean service time: "
          f"{CACHE_HIT.mean_ms / miss.mean_ms:6.3f}   (target <= 0.333)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
