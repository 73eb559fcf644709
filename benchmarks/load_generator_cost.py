"""Generator cost: peakready's client + open-model engine vs bare Locust at saturation.

The same request sequence (the guest checkout: cart, items, estimate, shipping-information,
payment-information) against the same bare ASGI target (pinned to CPU 0), one Locust process
(pinned to CPU 1) each:

* bare: ``FastHttpUser`` users in a ``while True`` loop, no checks, no recording;
* peakready: the engine with arrivals offered at 5x what the bare loop completes (journeys
  beyond ``max_concurrency`` dropped, a freed slot refilled at once), the typed client, the
  recorder and the per-second HDR histograms, exactly as ``prepare_locust`` runs it.

Both go through geventhttpclient and fire Locust's request event for every call (Locust's stats
are the count). The bare loop goes through FastHttpSession's UserAgent layer; the engine's
Connection calls geventhttpclient's HTTPClient directly (peakready.scenario.locust_transport).
That saving is what pays for the engine: CPU per request is printed for both, so the engine's
own cost stays visible.

Prints requests/s of each over the steady middle of the run (Locust's own stats history) and
the ratio peakready / bare (target >= 0.95).

    .venv/bin/python benchmarks/load_generator_cost.py [--seconds 15] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _load_common import (
    bare_server,
    cpu_per_request_us,
    history_rate,
    run_locustfile,
    run_plan,
    stop,
)

BARE = '''
from locust import FastHttpUser, task

ITEM = "/rest/V1/guest-carts/{}/items"
ADDRESS = {"firstname": "B", "lastname": "Ench", "street": ["1 Main"], "city": "Folsom",
           "postcode": "95630", "country_id": "US", "region_id": 12, "telephone": "5555550100",
           "email": "b@example.com"}


class Bare(FastHttpUser):
    concurrency = 1

    @task
    def loop(self):
        while True:
            cart = self.client.post("/rest/V1/guest-carts", json={},
                                    name="/V1/guest-carts").json()
            for sku in ("PR-000001", "PR-000002"):
                self.client.post(ITEM.format(cart), name="/V1/guest-carts/[id]/items",
                                 json={"cartItem": {"sku": sku, "qty": 1, "quote_id": cart}})
            self.client.post(f"/rest/V1/guest-carts/{cart}/estimate-shipping-methods",
                             json={"address": ADDRESS},
                             name="/V1/guest-carts/[id]/estimate-shipping-methods").json()
            self.client.post(f"/rest/V1/guest-carts/{cart}/shipping-information",
                             json={"addressInformation": {"shipping_address": ADDRESS,
                                   "billing_address": ADDRESS,
                                   "shipping_carrier_code": "flatrate",
                                   "shipping_method_code": "flatrate"}},
                             name="/V1/guest-carts/[id]/shipping-information").json()
            self.client.post(f"/rest/V1/guest-carts/{cart}/payment-information",
                             json={"email": "b@example.com", "paymentMethod": {"method": "checkmo"},
                                   "billingAddress": ADDRESS},
                             name="/V1/guest-carts/[id]/payment-information").json()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating bare / peakready rounds (the best of each counts)")
    args = parser.parse_args()
    server, url = bare_server({0})
    bare: list[tuple[float, float]] = []      # (requests/s, CPU µs per request)
    ours: list[tuple[float, float]] = []
    drops = ""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for round_ in range(args.rounds):
                prefix, cpu = run_locustfile(BARE, url, Path(tmp) / f"bare{round_}",
                                             users=args.concurrency, seconds=args.seconds,
                                             cpus={1})
                rps = history_rate(prefix)
                bare.append((rps, cpu_per_request_us(prefix, cpu)))
                # offer 5x the journeys the bare loop completes: a journey slot freed at
                # max_concurrency is refilled within a fraction of a request's time (at 1.5x
                # the open model leaves slots idle between arrivals: not the generator's cost)
                plan = {"seed": 1, "target": {"simulator": {"profile": "tiny"}},
                        "load": {"duration": args.seconds,
                                 "orders_per_minute": 5 * rps / 6.0 * 60.0,
                                 "mix": {"guest_checkout": 1},
                                 "max_concurrency": args.concurrency}}
                run_dir = Path(tmp) / f"peakready{round_}"
                run = run_plan(plan, run_dir, url, workers=0, cpus={1})
                ours.append((history_rate(run_dir / "locust"),
                             cpu_per_request_us(run_dir / "locust", run.cpu_samples)))
                arrivals = run.lines("arrivals.jsonl")
                drops = (f"{sum(x['dropped'] for x in arrivals)}/"
                         f"{sum(x['offered'] for x in arrivals)}")
    finally:
        stop([server])
    best_bare = max(r for r, _ in bare)
    best_ours = max(r for r, _ in ours)
    cpu_bare = min(c for _, c in bare)
    cpu_ours = min(c for _, c in ours)
    print(f"bare Locust FastHttpUser loop : {best_bare:8.1f} requests/s, {cpu_bare:6.1f} µs CPU "
          f"per request ({args.concurrency} users; rounds {[round(r) for r, _ in bare]})")
    print(f"peakready engine + client     : {best_ours:8.1f} requests/s, {cpu_ours:6.1f} µs CPU "
          f"per request (max_concurrency {args.concurrency}, last round {drops} arrivals "
          f"dropped; rounds {[round(r) for r, _ in ours]})")
    print(f"ratio requests/s peakready / bare : {best_ours / best_bare:6.3f}   (target >= 0.95)")
    print(f"ratio CPU per request bare / peakready : {cpu_bare / cpu_ours:6.3f}   "
          f"(steady window, CPU time of the Locust process: robust on a shared machine)")


if __name__ == "__main__":
    main()
