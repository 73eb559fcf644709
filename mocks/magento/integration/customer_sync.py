"""Magento → CRM customers: upsert new and changed customers by email.

Magento owns identity and contact fields (name, phone, its customer id); the CRM owns
``marketing_consent``, ``segment`` and ``lead_score`` (the CRM's users and scoring change
them). The good strategy sends only Magento's fields; the ``overwrite_crm_fields`` mistake
serialises the whole local record, CRM-owned fields included with Magento's blank defaults,
and so wipes what the CRM's users set.

Change detection compares what would be sent (the Magento-owned fields) with what was last
sent, per customer; unlike an ``updated_at`` cursor it cannot miss two changes within the same
second, and a change to a field the CRM does not get sends nothing. Customers present at
start-up are the baseline (the CRM was seeded from the same fixture), so start-up is not a
burst of upserts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from .clients import ServiceCallError, ServiceClients
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["CustomerSync"]

log = logging.getLogger("peakready.mocks.magento.integration")
_MAX_PER_CYCLE = 2000


def _phone(customer: Any) -> str | None:
    for addr in customer.addresses:
        if addr.get("telephone"):
            return str(addr["telephone"])
    return None


def _fingerprint(customer: Any) -> tuple[Any, ...]:
    return tuple(sorted(magento_fields(customer).items()))


@REGISTRY.register("crm_fields", "owned_by_magento")
def magento_fields(customer: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"firstname": customer.firstname, "lastname": customer.lastname,
                            "magento_customer_id": customer.id}
    phone = _phone(customer)
    if phone:
        body["phone"] = phone
    return body


@REGISTRY.register("crm_fields", "all")
def all_fields(customer: Any) -> dict[str, Any]:
    """The mistake: the CRM's own fields go out too, with Magento's idea of them."""
    return {**magento_fields(customer), "marketing_consent": False, "segment": "new",
            "lead_score": 0}


class CustomerSync:
    def __init__(self, clients: ServiceClients, store: Callable[[], Any],
                 settings: IntegrationSettings, strategy: str) -> None:
        self.clients = clients
        self.store = store
        self.settings = settings
        self.strategy = strategy
        self.sent: dict[int, tuple[Any, ...]] = {}
        self.counts: Counter[str] = Counter()

    def baseline(self) -> None:
        self.sent = {c.id: _fingerprint(c) for c in self.store().customers.by_id.values()}

    def changed(self) -> list[Any]:
        return [c for c in list(self.store().customers.by_id.values())
                if self.sent.get(c.id) != _fingerprint(c)][:_MAX_PER_CYCLE]

    async def cycle(self) -> int:
        body_of: Callable[[Any], dict[str, Any]] = REGISTRY.get("crm_fields", self.strategy)
        done = 0
        for customer in self.changed():
            try:
                reply = await self.clients.call(
                    "crm", "PUT", f"/api/contacts/{quote(customer.email.lower(), safe='@')}",
                    json=body_of(customer))
            except ServiceCallError as exc:
                self.counts["errors"] += 1
                log.info("CRM upsert failed, retried next cycle: %s", exc)
                break  # the CRM is unreachable: the rest waits for the next cycle
            if reply.ok:
                self.sent[customer.id] = _fingerprint(customer)
                self.counts["upserts"] += 1
                done += 1
            elif reply.status in (429,) or reply.status >= 500:
                self.counts["errors"] += 1
                break
            else:
                self.counts["rejected"] += 1
                self.sent[customer.id] = _fingerprint(customer)  # retrying cannot fix it
                log.warning("CRM refused customer %s: %s", customer.id, reply.status)
        self.counts["cycles"] += 1
        return done

    def metrics(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "pending": len(self.changed()), **dict(self.counts)}
