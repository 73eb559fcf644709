"""Closed-model Locust users over the same journeys, for plain ``locust -f scenarios/<file>.py``.

::

    JourneyUser(FastHttpUser)         abstract; on_start builds a JourneyContext from defaults:
      host                            --host (loopback, or listed in PEAKREADY_ALLOW_HOSTS)
      ERP / CRM                       PEAKREADY_ERP_URL / PEAKREADY_CRM_URL (the estate's ports)
      admin token                     PEAKREADY_MAGENTO_TOKEN, else the simulator's admin login
      catalogue                       PEAKREADY_PROFILE / PEAKREADY_SEED (small, 0)
      self.journey(name)              one journey, counted in Locust's own stats

Under a peakready run these users never spawn (``-u 0``): the open-model engine starts the same
journeys at their arrival times instead (peakready.scenario.plugin).
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

from locust import FastHttpUser
from locust.exception import StopUser

from peakready.config import JOURNEYS
from peakready.errors import SafetyError
from peakready.safety import check_target
from peakready.scenario.arrivals import Arrival
from peakready.scenario.catalogue import load_catalogue
from peakready.scenario.client import MagentoClient, MagentoError
from peakready.scenario.journeys import JourneyContext, Outcome, arrival_rng
from peakready.scenario.launch import TOKEN_ENV
from peakready.scenario.locust_transport import LocustTransport, session_for
from peakready.scenario.storefronts import journey_for

__all__ = ["JourneyUser"]

log = logging.getLogger("peakready.scenario.users")
_COUNTER = itertools.count()
_SIM_ADMIN = ("admin", "peakready-admin-1")


class JourneyUser(FastHttpUser):
    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        allow = [h for h in os.environ.get("PEAKREADY_ALLOW_HOSTS", "").split(",") if h]
        try:
            for url in (self.host or "", self._env_url("PEAKREADY_ERP_URL", 8281),
                        self._env_url("PEAKREADY_CRM_URL", 8282)):
                check_target(url, allow)
        except SafetyError as exc:
            log.error("%s", exc)
            raise StopUser() from exc
        seed = int(os.environ.get("PEAKREADY_SEED", "0"))
        env = self.environment
        self.ctx = JourneyContext(
            magento=LocustTransport(self.client),
            catalogue=load_catalogue(os.environ.get("PEAKREADY_PROFILE", "small"), seed),
            seed=seed,
            erp=LocustTransport(session_for(env, self._env_url("PEAKREADY_ERP_URL", 8281),
                                            concurrency=2, timeout=30.0)),
            crm=LocustTransport(session_for(env, self._env_url("PEAKREADY_CRM_URL", 8282),
                                            concurrency=2, timeout=30.0)),
            admin_token=os.environ.get(TOKEN_ENV) or None,
            # plain locust -f: PEAKREADY_STOREFRONT=rest|graphql|pages for every journey
            storefront=dict.fromkeys(JOURNEYS, os.environ.get("PEAKREADY_STOREFRONT", "rest")),
            flash_qty=1, resolve_increment_ids=False)
        self.admin_token()

    @staticmethod
    def _env_url(name: str, port: int) -> str:
        return os.environ.get(name) or f"http://127.0.0.1:{port}"

    def admin_token(self) -> str | None:
        """The admin token (the simulator's default admin login when none is given)."""
        if self.ctx.admin_token is None:
            try:
                self.ctx.admin_token = MagentoClient(self.ctx.magento).admin_token(*_SIM_ADMIN)
            except MagentoError:
                return None
        return self.ctx.admin_token

    def journey(self, name: str, **arrival: Any) -> None:
        index = int(arrival.get("index", next(_COUNTER)))
        item = Arrival(0.0, name, index)
        journey = journey_for(name, self.ctx.storefront.get(name, "rest"))
        journey(self.ctx, item, arrival_rng(self.ctx.seed + os.getpid(), item), Outcome())
