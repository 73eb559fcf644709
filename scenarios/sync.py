"""Back-end traffic beside the shoppers: the ERP's own stock changes, marketing's CRM edits and
the back office working orders through admin REST.

Runs on its own: ``locust -f scenarios/sync.py --host http://127.0.0.1:8280`` with the ERP and
CRM mocks at ``PEAKREADY_ERP_URL`` / ``PEAKREADY_CRM_URL`` (default the estate's 8281 / 8282)
and an admin token in ``PEAKREADY_MAGENTO_TOKEN`` (default: the simulator's admin login).
Under ``peakready run`` they arrive at ``load.sync``'s rates.
"""

from __future__ import annotations

from locust import between, task

import peakready.scenario.plugin  # noqa: F401  (the peakready Locust plugin)
from peakready.scenario.users import JourneyUser


class ErpClerk(JourneyUser):
    wait_time = between(0.2, 1.0)

    @task
    def stock_push(self) -> None:
        self.journey("erp_stock_push")


class Marketer(JourneyUser):
    wait_time = between(0.5, 2.0)

    @task
    def crm_edit(self) -> None:
        self.journey("crm_edits")


class BackOffice(JourneyUser):
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        super().on_start()
        self.admin_token()

    @task
    def work_orders(self) -> None:
        self.journey("backoffice")
