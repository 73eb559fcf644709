"""The estate's hot paths, old way against new way, measured in the same run (CPU, not wall).

What ``benchmarks/estate_capacity.py`` and py-spy showed eating the estate's CPU at peak rates,
each printed as a ratio old / new of CPU per operation (higher is better, alternated over
``--rounds`` rounds, the median kept: a shared machine's speed drifts):

* **product listing** (the simulator, in-process): the storefront's listings (``status eq 1``
  pages, ``name like %word%`` searches) as a scan of the catalog for each request (the old
  path: ``search.search`` over every product) / the catalog's kept listings (``Catalog.find``).
* **service call** (the simulator's calls to the mocks, client CPU per call against one local
  uvicorn server in its own process): httpx without sniffio (httpcore probes for it at every
  request: a failed import searching sys.path, emulated by a finder that does that search) /
  httpx with sniffio / ``peakready.mockkit.http1.Http1Pool``.
* **HTTP server parser** (every mock and the simulator behind uvicorn, server CPU per request
  from /proc): uvicorn with h11 / with httptools, the same tiny JSON app and client.

    .venv/bin/python benchmarks/estate_hotpaths.py [--rounds 3] [--calls 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
SEARCH_WORDS = ("a", "e", "o", "Pro", "Set", "Mini", "Max", "Lite")


# --- product listing ---------------------------------------------------------------------

def _listing_criteria(rng: random.Random) -> Any:
    from peakready.content import load_content_module

    search = load_content_module("mocks", "magento", REPO / "mocks").search
    if rng.random() < 0.5:
        query = {"searchCriteria": {"filter_groups": {"0": {"filters": {"0": {
            "field": "status", "value": "1", "condition_type": "eq"}}}},
            "page_size": "12", "current_page": str(rng.randint(1, 5))}}
    else:
        query = {"searchCriteria": {"filter_groups": {"0": {"filters": {"0": {
            "field": "name", "value": f"%{rng.choice(SEARCH_WORDS)}%",
            "condition_type": "like"}}}}, "page_size": "10",
            "current_page": str(rng.randint(1, 2))}}
    return search.parse_criteria(query)


def listing_round(calls: int) -> tuple[float, float]:
    """CPU seconds per listing: (scan every time, the catalog's kept listings)."""
    from peakready.content import load_content_module
    from peakready.mockkit.settings import MockSettings

    sim = load_content_module("mocks", "magento", REPO / "mocks")
    app = sim.create_app(MockSettings(name="magento", options={"profile": "small"}))
    catalog = app.store.catalog
    search, catalog_module = sim.search, sim.catalog
    rng = random.Random(1)
    crits = [_listing_criteria(rng) for _ in range(calls)]
    started = time.process_time()
    for crit in crits:      # the old path: every request scans the catalog
        search.search(list(catalog.products.values()), crit, catalog_module._get,
                      catalog.known)
    old = (time.process_time() - started) / calls
    started = time.process_time()
    for crit in crits:
        catalog.find(crit)
    new = (time.process_time() - started) / calls
    return old, new


# --- service calls (client side) ---------------------------------------------------------

_SERVER = """
import sys, uvicorn
body = b'{"carrier_code":"flatrate","method_code":"flatrate","amount":5.0,"available":true}'
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http=sys.argv[2], loop="asyncio",
            log_level="warning", access_log=False)
"""

_CLIENT = """
import asyncio, importlib.machinery, json, sys, time
kind, url, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
import httpx   # httpx < 0.28 imports sniffio itself; httpcore asks for it at every request
if kind == "httpx-no-sniffio":
    class _Missing:
        # What httpcore pays per request when sniffio is not installed: the import system
        # searches sys.path for it and fails. The same search, for a name that is not there.
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "sniffio":
                importlib.machinery.PathFinder.find_spec("sniffio_absent_probe", path)
                raise ModuleNotFoundError("No module named 'sniffio'", name=name)
            return None
    sys.meta_path.insert(0, _Missing)
    sys.modules.pop("sniffio", None)
payload = {"destination": {"country_id": "US", "postcode": "10577"}, "weight": 3.0,
           "items": [{"sku": "SKU-1", "qty": 2}]}

async def main():
    if kind.startswith("httpx"):
        client = httpx.AsyncClient(base_url=url, trust_env=False)
        async def call():
            r = await client.post("/api/rates", json=payload, timeout=5.0)
            return r.json()
    else:
        import orjson
        from peakready.mockkit.http1 import Http1Pool
        pool = Http1Pool(url)
        async def call():
            status, headers, data = await pool.request(
                "POST", "/api/rates", body=orjson.dumps(payload),
                headers={"content-type": "application/json"}, timeout=5.0)
            return orjson.loads(data)
    for _ in range(50):
        await call()
    started = time.process_time()
    for _ in range(calls):
        await call()
    print(json.dumps({"cpu_per_call": (time.process_time() - started) / calls}))

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(http: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port), http])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the {http} test server did not start")


def _client(kind: str, port: int, calls: int) -> float:
    import json

    out = subprocess.run([sys.executable, "-c", _CLIENT, kind, f"http://127.0.0.1:{port}",
                          str(calls)], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"the {kind} client failed:\n{out.stderr[-2000:]}")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["cpu_per_call"])


def service_call_round(calls: int) -> dict[str, float]:
    server, port = _start_server("httptools")
    try:
        return {kind: _client(kind, port, calls)
                for kind in ("httpx-no-sniffio", "httpx", "http1")}
    finally:
        server.kill()
        server.wait()


def server_round(calls: int) -> dict[str, float]:
    """Server CPU seconds per request: uvicorn with h11 / with httptools."""
    out = {}
    for http in ("h11", "httptools"):
        server, port = _start_server(http)
        try:
            proc = psutil.Process(server.pid)
            before = sum(proc.cpu_times()[:2])
            _client("http1", port, calls)
            out[http] = (sum(proc.cpu_times()[:2]) - before) / (calls + 50)
        finally:
            server.kill()
            server.wait()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    one, five, _ = os.getloadavg()
    print(f"estate hot paths: {args.rounds} rounds of {args.calls} operations; load average "
          f"{one:.2f} / {five:.2f} on {psutil.cpu_count()} cores")
    listing, calls, servers = [], [], []
    for _ in range(args.rounds):
        listing.append(listing_round(args.calls))
        calls.append(service_call_round(args.calls))
        servers.append(server_round(args.calls))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)
    old, new = statistics.median(r[0] for r in listing), statistics.median(r[1] for r in listing)
    print(f"product listing   scan {old * 1e6:9.1f} µs  kept {new * 1e6:7.1f} µs   "
          f"old/new = {old / new:6.1f}")
    bare, with_sniffio, lean = (med(calls, k) for k in ("httpx-no-sniffio", "httpx", "http1"))
    print(f"service call      httpx without sniffio {bare * 1e6:7.1f} µs, with "
          f"{with_sniffio * 1e6:7.1f} µs, http1 {lean * 1e6:7.1f} µs   sniffio: "
          f"{bare / with_sniffio:4.2f}x, http1: {with_sniffio / lean:4.2f}x of httpx with "
          f"sniffio, {bare / lean:4.2f}x of httpx without")
    h11, fast = med(servers, "h11"), med(servers, "httptools")
    print(f"server parser     h11 {h11 * 1e6:7.1f} µs  httptools {fast * 1e6:7.1f} µs per "
          f"request   h11/httptools = {h11 / fast:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
