"""Storefront shoppers: browse, search, abandoned carts, guest and customer checkouts.

Runs on its own (closed model, Locust's stats): ``locust -f scenarios/storefront.py --host
http://127.0.0.1:8280``. Under ``peakready run`` the same journeys start at open-model arrival
times from the plan's mix instead (peakready.scenario.plugin); the weights below are the
default plan mix (Magento's combined benchmark, spec/magento-rest.md §8.3).
"""

from __future__ import annotations

from locust import between, task

import peakready.scenario.plugin  # noqa: F401  (the peakready Locust plugin)
from peakready.scenario.users import JourneyUser


class Shopper(JourneyUser):
    wait_time = between(0.5, 2.0)

    @task(30)
    def browse(self) -> None:
        self.journey("browse")

    @task(28)
    def search(self) -> None:
        self.journey("search")

    @task(28)
    def abandoned_cart(self) -> None:
        self.journey("abandoned_cart")

    @task(7)
    def guest_checkout(self) -> None:
        self.journey("guest_checkout")

    @task(7)
    def customer_checkout(self) -> None:
        self.journey("customer_checkout")
