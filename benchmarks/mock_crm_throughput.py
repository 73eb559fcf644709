"""CRM mock throughput per dialect against a bare ASGI app, same server and loop, one core each.

Server on core 0, load client on core 1. Measures, in the same run, closed-model throughput
(32 keep-alive connections) of:

* the bare app (fixed JSON) - the baseline;
* each CRM dialect's contact upsert (docs/dialects.md), authenticated as its clients are, each
  request a new Magento customer (so every one creates a contact and commits its evidence):
  ``peakready`` ``PUT /api/contacts/{email}``, ``salesforce`` ``PATCH …/sobjects/Contact/
  Magento_Customer_Id__c/{id}`` (bearer session), ``hubspot`` ``POST …/batch/upsert`` (one
  input, private-app token; its rate limit raised out of the way).

Rounds alternate bare and CRM; the best of each is compared. Prints each dialect's ratio to the
bare app, its ratio to the ``peakready`` dialect (what the vendor mapping costs over the same
store), and the server CPU time per request. Usage:
``.venv/bin/python benchmarks/mock_crm_throughput.py [--duration 3] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mock_benchlib import RequestMaker, closed_load, post_json, start_bare, start_mock, stop

TARGET = 0.35
SF = "/services/data/v59.0/sobjects/Contact/Magento_Customer_Id__c"


def _request(method: str, path_of: Callable[[int], str], body_of: Callable[[int], bytes],
             headers: str = "") -> RequestMaker:
    def make(n: int) -> bytes:
        body = body_of(n)
        return (f"{method} {path_of(n)} HTTP/1.1\r\nHost: bench\r\nContent-Type: "
                f"application/json\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
                ).encode() + body
    return make


def upsert(dialect: str) -> RequestMaker:
    if dialect == "peakready":
        return _request("PUT", lambda n: f"/api/contacts/c{n}@example.com", lambda n: json.dumps(
            {"firstname": "Ann", "lastname": "Lee", "magento_customer_id": n}).encode())
    if dialect == "salesforce":
        return _request("PATCH", lambda n: f"{SF}/{n}", lambda n: json.dumps(
            {"FirstName": "Ann", "LastName": "Lee", "Email": f"c{n}@example.com"}).encode(),
            "Authorization: Bearer 00DPEAKREADY0000!peakready\r\n")
    if dialect == "hubspot":
        return _request("POST", lambda n: "/crm/v3/objects/contacts/batch/upsert",
                        lambda n: json.dumps({"inputs": [{
                            "idProperty": "email", "id": f"c{n}@example.com", "properties": {
                                "firstname": "Ann", "magento_customer_id": str(n)}}]}).encode(),
                        "Authorization: Bearer pat-na1-peakready\r\n")
    raise ValueError(dialect)


DIALECTS = ("peakready", "salesforce", "hubspot")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bare_post = post_json("/x", lambda n: b'{"firstname":"Ann"}')
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    statuses: dict[str, dict[int, int]] = {}
    with tempfile.TemporaryDirectory() as data:
        config = Path(data) / "crm.yaml"
        config.write_text("contacts: []\ndialect_options: {}\n", "utf-8")
        hubspot = Path(data) / "crm-hubspot.yaml"
        hubspot.write_text("contacts: []\ndialect_options: {ten_secondly_limit: 1000000000, "
                           "daily_limit: 1000000000000}\n", "utf-8")
        for round_no in range(args.rounds):
            measured: list[tuple[str, list[str], RequestMaker]] = [("bare", [], bare_post)]
            measured += [(d, ["--dialect", d, "--config", str(hubspot if d == "hubspot"
                                                                  else config)], upsert(d))
                         for d in DIALECTS]
            for label, flags, make in measured:
                proc, url = start_bare() if label == "bare" else start_mock(
                    "crm", "--data", f"{data}/{label}-{round_no}", *flags)
                try:
                    rate, seen, cpu_us = closed_load(url, make, args.duration,
                                                     offset=round_no * 10_000_000,
                                                     server_pid=proc.pid)
                finally:
                    stop(proc)
                best[label] = max(best.get(label, 0.0), rate)
                cpu[label] = min(cpu.get(label, float("inf")), cpu_us)
                for status, n in seen.items():
                    statuses.setdefault(label, {}).setdefault(status, 0)
                    statuses[label][status] += n
    ok = True
    for dialect in DIALECTS:
        ratio = best[dialect] / best["bare"]
        ok &= ratio >= TARGET
        print(f"CRM dialect {dialect} contact upsert: {best[dialect]:,.0f} req/s vs bare app "
              f"{best['bare']:,.0f} req/s -> ratio {ratio:.2f} (target >= {TARGET}); vs "
              f"peakready dialect {best[dialect] / best['peakready']:.2f}; server CPU/request "
              f"{cpu[dialect]:.0f} us vs {cpu['bare']:.0f} us; statuses {statuses[dialect]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
