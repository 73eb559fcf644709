"""Flash-sale buyers racing for the scarce hot SKUs (PR-HOT-01 ..) with guest checkouts.

Runs on its own: ``locust -f scenarios/flash_sale.py --headless -u 50 -r 50 -t 10s --host
http://127.0.0.1:8280`` (every user buys as fast as it can: a closed-model race). Under
``peakready run``, ``load.flash_sale.buyers`` arrivals all start at ``load.flash_sale.at``
(or evenly from it over ``load.flash_sale.over``).
"""

from __future__ import annotations

from locust import constant, task

import peakready.scenario.plugin  # noqa: F401  (the peakready Locust plugin)
from peakready.scenario.users import JourneyUser


class FlashBuyer(JourneyUser):
    wait_time = constant(0)

    @task
    def buy(self) -> None:
        self.journey("flash_sale")
