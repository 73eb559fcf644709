"""ERP mock throughput against a bare ASGI app, same server and loop, one core each.

Server on core 0, load client on core 1 (``os.sched_setaffinity``). Measures, in the same
run, closed-model throughput (32 keep-alive connections, 5 s each) of:

* the bare app (any path, fixed JSON) - the baseline;
* ERP ``GET /api/stock/{sku}`` (across 800 SKUs);
* ERP ``POST /api/orders`` (unique increment ids, half with an Idempotency-Key), every order
  committed to the SQLite evidence store before its 201;
* each ERP dialect's order-create route (docs/dialects.md), authenticated as its clients are
  (a bearer token, the OAuth 1.0a header, the B1SESSION cookie, Odoo's key per call): Business
  Central ``POST …/salesOrders``, NetSuite ``POST …/record/v1/salesOrder``, Odoo ``/jsonrpc``
  ``sale.order.create``, SAP B1 ``POST /b1s/v1/Orders``; the same store and evidence writer.

Rounds alternate bare and ERP; the best of each is compared. Prints each throughput ratio
(target: >= 0.35 of the bare app) and, as a cross-check that other processes on a shared
machine cannot skew, the ratio of server CPU time per request. Usage:
``.venv/bin/python benchmarks/mock_erp_throughput.py [--duration 3] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mock_benchlib import (
    RequestMaker,
    closed_load,
    get_request,
    post_json,
    start_bare,
    start_mock,
    stop,
)

TARGET = 0.35
BC = "/v2.0/peakready/production/api/v2.0/companies(5f3c1d2e-8b4a-4c6f-9e21-7d0a1b2c3d4e)"
NS_AUTH = ('OAuth realm="PEAKREADY", oauth_consumer_key="peakready", oauth_token="peakready", '
           'oauth_signature_method="HMAC-SHA256", oauth_timestamp="1714557600", '
           'oauth_nonce="bench", oauth_version="1.0", oauth_signature="c2lnbmF0dXJl"')


def order_body(n: int) -> bytes:
    return (b'{"increment_id":"%09d","customer_email":"c%d@example.com","items":[{"sku":'
            b'"PR-000001","qty":1,"price":10.5},{"sku":"PR-000002","qty":2,"price":3}],'
            b'"totals":{"grand_total":16.5,"currency":"USD"},"shipping_address":{"city":'
            b'"Austin","country_id":"US","street":["1 Main St"],"firstname":"Ann","lastname":'
            b'"Lee","postcode":"78701"}}' % (n, n))


def _login(url: str, path: str, body: bytes, content_type: str) -> dict[str, object]:
    request = urllib.request.Request(url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return dict(json.loads(reply.read()))


def dialect_create(dialect: str, url: str) -> RequestMaker:
    """The dialect's order create, with its credentials fetched once (as a client caches them)."""
    lines = [("PR-000001", 1, 10.5), ("PR-000002", 2, 3.0)]
    if dialect == "business-central":
        token = _login(url, "/peakready/oauth2/v2.0/token", b"grant_type=client_credentials&"
                       b"client_id=peakready&client_secret=peakready&scope=x",
                       "application/x-www-form-urlencoded")["access_token"]
        return post_json(f"{BC}/salesOrders", lambda n: json.dumps({
            "externalDocumentNumber": f"{n:09d}", "customerNumber": "10000",
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": s, "quantity": q,
                                 "unitPrice": p} for s, q, p in lines]}).encode(),
            lambda n: f"Authorization: Bearer {token}\r\n")
    if dialect == "netsuite":
        return post_json("/services/rest/record/v1/salesOrder", lambda n: json.dumps({
            "entity": {"id": "1"}, "otherRefNum": f"{n:09d}", "item": {"items": [
                {"item": {"id": str(i + 1)}, "quantity": q, "rate": p}
                for i, (_, q, p) in enumerate(lines)]}}).encode(),
            lambda n: f"Authorization: {NS_AUTH}\r\n")
    if dialect == "odoo":
        return post_json("/jsonrpc", lambda n: json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": n, "params": {
                "service": "object", "method": "execute_kw", "args": [
                    "peakready", 2, "peakready", "sale.order", "create", [{
                        "client_order_ref": f"{n:09d}", "order_line": [
                            [0, 0, {"product_id": i + 1, "product_uom_qty": q,
                                    "price_unit": p}] for i, (_, q, p) in enumerate(lines)]}],
                    {}]}}).encode())
    if dialect == "sap-b1":
        session = _login(url, "/b1s/v1/Login", b'{"CompanyDB":"PEAKREADY","UserName":"manager",'
                         b'"Password":"peakready"}', "application/json")["SessionId"]
        return post_json("/b1s/v1/Orders", lambda n: json.dumps({
            "CardCode": "C20000", "NumAtCard": f"{n:09d}", "DocumentLines": [
                {"ItemCode": s, "Quantity": q, "UnitPrice": p} for s, q, p in lines]}).encode(),
            lambda n: f"Cookie: B1SESSION={session}; ROUTEID=.node1\r\n")
    raise ValueError(dialect)


DIALECTS = ("business-central", "netsuite", "odoo", "sap-b1")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dialects", default=",".join(DIALECTS),
                        help="comma-separated ERP dialects to measure (default: all)")
    args = parser.parse_args()
    dialects = [d for d in args.dialects.split(",") if d]
    stock_get = get_request(lambda n: f"/api/stock/PR-{n % 800 + 1:06d}")
    bare_post = post_json("/api/orders", order_body)
    keyed_post = post_json("/api/orders", order_body,
                           lambda n: f"Idempotency-Key: bench-{n}\r\n" if n % 2 else "")
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    statuses: dict[str, dict[int, int]] = {}

    def measure(label: str, url: str, make: RequestMaker, pid: int, offset: int = 0) -> None:
        rate, seen, cpu_us = closed_load(url, make, args.duration, offset=offset,
                                         server_pid=pid)
        best[label] = max(best.get(label, 0.0), rate)
        cpu[label] = min(cpu.get(label, float("inf")), cpu_us)
        for status, n in seen.items():
            statuses.setdefault(label, {}).setdefault(status, 0)
            statuses[label][status] += n

    # Rounds alternate the bare app and the ERP so that load from other processes on the
    # machine hits both alike; the best of each is the least disturbed figure.
    with tempfile.TemporaryDirectory() as data:
        config = Path(data) / "erp.yaml"
        config.write_text("movements_per_second: 2\n", "utf-8")
        for round_no in range(args.rounds):
            bare, url = start_bare()
            try:
                measure("bare GET", url, stock_get, bare.pid)
                measure("bare POST", url, bare_post, bare.pid)
            finally:
                stop(bare)
            erp, url = start_mock("erp", "--data", data, "--config", str(config))
            try:
                measure("erp GET", url, stock_get, erp.pid)
                measure("erp POST", url, keyed_post, erp.pid, offset=round_no * 10_000_000)
            finally:
                stop(erp)
            for dialect in dialects:
                erp, url = start_mock("erp", "--data", f"{data}/{dialect}", "--config",
                                      str(config), "--dialect", dialect)
                try:
                    measure(f"{dialect} POST", url, dialect_create(dialect, url), erp.pid,
                            offset=round_no * 10_000_000)
                finally:
                    stop(erp)

    ok = True
    for label, path in (("GET", "GET /api/stock/{sku}"), ("POST", "POST /api/orders")):
        ratio = best[f"erp {label}"] / best[f"bare {label}"]
        ok &= ratio >= TARGET
        print(f"ERP {path}: {best[f'erp {label}']:,.0f} req/s vs bare app "
              f"{best[f'bare {label}']:,.0f} req/s -> ratio {ratio:.2f} (target >= {TARGET}); "
              f"server CPU/request {cpu[f'erp {label}']:.0f} us vs {cpu[f'bare {label}']:.0f} us "
              f"-> CPU ratio {cpu[f'bare {label}'] / cpu[f'erp {label}']:.2f}; "
              f"ERP statuses {statuses[f'erp {label}']}")
    for dialect in dialects:
        label = f"{dialect} POST"
        ratio = best[label] / best["bare POST"]
        ok &= ratio >= TARGET
        print(f"ERP dialect {dialect} order create: {best[label]:,.0f} req/s vs bare app "
              f"{best['bare POST']:,.0f} req/s -> ratio {ratio:.2f} (target >= {TARGET}); "
              f"server CPU/request {cpu[label]:.0f} us vs {cpu['bare POST']:.0f} us -> CPU "
              f"ratio {cpu['bare POST'] / cpu[label]:.2f}; statuses {statuses[label]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
