"""Coordinated omission: what a 2 s storefront freeze looks like, open model vs closed model.

The simulator (capacity model on: Magento-like service times, CPU 0) behind the fault proxy's
``magento`` proxy; a ``timeout`` toxic (data held) is added 8 s into the load and removed 2 s
later. Guest checkouts at a constant 5/s through peakready's open-model engine; then bare
Locust, closed model (users in a loop, as many as carry ~5 checkouts/s), for the same freeze.

Prints peakready's checkout p99 / max from the intended start (latency.jsonl HDR) beside bare
Locust's request p99 and its checkout p99 measured from each loop's actual start (what a
closed model can see). Target: peakready's p99 >= 2,000 ms.

    .venv/bin/python benchmarks/load_coordinated_omission.py [--seconds 20] [--users 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _load_common import (
    RunFiles,
    run_locustfile,
    run_plan,
    start_server,
    stats_row,
    stop,
)
from hdrh.histogram import HdrHistogram

PEAKREADY = str(Path(sys.executable).with_name("peakready"))
FREEZE_AT, FREEZE_FOR = 8.0, 2.0

BARE = '''
import time
from locust import FastHttpUser, task

ADDRESS = {"firstname": "B", "lastname": "Ench", "street": ["1 Main"], "city": "Folsom",
           "postcode": "95630", "country_id": "US", "region_id": 12, "telephone": "5555550100",
           "email": "b@example.com"}


class Shopper(FastHttpUser):
    @task
    def checkout(self):
        started = time.perf_counter()
        ok = True
        for step in self.steps():
            with step as resp:
                ok = ok and resp.status_code == 200
        self.environment.events.request.fire(
            request_type="JOURNEY", name="guest_checkout", response_length=0,
            response_time=(time.perf_counter() - started) * 1000,
            exception=None if ok else RuntimeError("failed"), context={})

    def steps(self):
        c = self.client
        with c.post("/rest/V1/guest-carts", json={}, name="/V1/guest-carts",
                    catch_response=True) as resp:
            cart = resp.json() if resp.status_code == 200 else "x"
        yield resp
        for sku in ("PR-000001", "PR-000002"):
            yield c.post(f"/rest/V1/guest-carts/{cart}/items", catch_response=True,
                         name="/V1/guest-carts/[id]/items",
                         json={"cartItem": {"sku": sku, "qty": 1, "quote_id": cart}})
        yield c.post(f"/rest/V1/guest-carts/{cart}/estimate-shipping-methods",
                     json={"address": ADDRESS}, catch_response=True,
                     name="/V1/guest-carts/[id]/estimate-shipping-methods")
        yield c.post(f"/rest/V1/guest-carts/{cart}/shipping-information", catch_response=True,
                     json={"addressInformation": {"shipping_address": ADDRESS,
                           "billing_address": ADDRESS, "shipping_carrier_code": "flatrate",
                           "shipping_method_code": "flatrate"}},
                     name="/V1/guest-carts/[id]/shipping-information")
        yield c.post(f"/rest/V1/guest-carts/{cart}/payment-information", catch_response=True,
                     json={"email": "b@example.com", "paymentMethod": {"method": "checkmo"},
                           "billingAddress": ADDRESS},
                     name="/V1/guest-carts/[id]/payment-information")
'''


def freeze(api: str, at_wall: float) -> None:
    time.sleep(max(0.0, at_wall - time.time()))
    httpx.post(f"{api}/proxies/magento/toxics", timeout=10, json={
        "name": "freeze", "type": "timeout", "stream": "downstream",
        "attributes": {"timeout": 0}}).raise_for_status()
    time.sleep(FREEZE_FOR)
    httpx.delete(f"{api}/proxies/magento/toxics/freeze", timeout=10).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--users", type=int, default=3)
    args = parser.parse_args()
    sim, sim_url = start_server([PEAKREADY, "mock", "magento", "--port", "0", "--integration",
                                 "none", "--profile", "tiny", "--capacity-model", "on",
                                 "--inventory", "strict"], {0})
    proxy, api = start_server([PEAKREADY, "proxy", "--port", "0"], {0})
    try:
        created = httpx.post(f"{api}/proxies", timeout=10, json={
            "name": "magento", "listen": "127.0.0.1:0",
            "upstream": sim_url.removeprefix("http://")}).json()
        store = f"http://{created['listen']}"
        with tempfile.TemporaryDirectory() as tmp:
            plan = {"seed": 5, "target": {"simulator": {"profile": "tiny"}},
                    "load": {"duration": args.seconds, "orders_per_minute": 300,
                             "arrivals": "uniform", "mix": {"guest_checkout": 1}}}

            def during(files: RunFiles) -> None:
                control = files.run_dir / "control.jsonl"
                deadline = time.time() + 60
                while time.time() < deadline and not (control.exists() and control.read_text()):
                    time.sleep(0.05)
                freeze(api, files.t0() + FREEZE_AT)

            run = run_plan(plan, Path(tmp) / "open", store, workers=0, cpus={1},
                           during=during)
            hist = HdrHistogram(1, 3_600_000_000, 3)
            for line in run.lines("latency.jsonl"):
                if line["kind"] == "journey" and line["name"] == "guest_checkout":
                    hist.add(HdrHistogram.decode(line["hdr"]))
            open_p99 = hist.get_value_at_percentile(99) / 1000
            open_max = hist.get_max_value() / 1000
            open_n = hist.get_total_count()
            slow = sum(item.count_added_in_this_iter_step
                       for item in hist.get_recorded_iterator()
                       if item.value_iterated_to >= 1_000_000)

            bare_dir = Path(tmp) / "closed"
            # Locust starts in about 2 s; the freeze lands FREEZE_AT s into its run
            timer = threading.Thread(target=freeze, args=(api, time.time() + 2 + FREEZE_AT))
            timer.start()
            prefix, _ = run_locustfile(BARE, store, bare_dir, users=args.users,
                                       seconds=args.seconds, cpus={1})
            timer.join()
            requests = stats_row(prefix)
            journeys = stats_row(prefix, "guest_checkout")
    finally:
        stop([proxy, sim])
    print(f"open model (peakready), {open_n} checkouts at 5/s: p99 from intended start "
          f"{open_p99:8.0f} ms, max {open_max:6.0f} ms   (target p99 >= 2000); "
          f"{slow} checkouts >= 1 s (the closed model can have at most {args.users})")
    print(f"closed model (bare Locust, {args.users} users): request p99 "
          f"{float(requests['99%']):8.0f} ms; checkout p99 from actual start "
          f"{float(journeys['99%']):6.0f} ms over {journeys['Request Count']} checkouts")


if __name__ == "__main__":
    main()
