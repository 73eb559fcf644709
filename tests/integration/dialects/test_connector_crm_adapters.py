"""The example connector's CRM adapters (examples/connector/crm_api.py) against the CRM mock in
each dialect on loopback: Magento's fields reach the canonical evidence, the vendor's "over
your limit" answer is retried, and the ``crm_limit_is_final`` mistake drops the change."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from tests.support.asgi_server import Served, serve_asgi
from tests.support.crm_dialects import crm_app, evidence, set_faults

pytestmark = pytest.mark.timeout(60)
CONNECTOR = Path(__file__).resolve().parents[3] / "examples" / "connector"
LIMIT_PATHS = {"peakready": "/api/*", "salesforce": "/services/data/*", "hubspot": "/crm/*"}
CUSTOMERS = [{"email": "ann@example.com", "firstname": "Ann", "lastname": "Lee-Smith",
              "magento_customer_id": 7},
             {"email": "bo@example.com", "firstname": "Bo", "lastname": "Park",
              "magento_customer_id": 8, "phone": "555-0108"}]


@pytest.fixture(scope="module")
def crm_api() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crm_api", CONNECTOR / "crm_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["salesforce", "hubspot"])
def crm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Served]]:
    with serve_asgi(crm_app(tmp_path, request.param)) as served:
        yield request.param, served


def test_the_adapter_upserts_magentos_fields_only(crm_api: ModuleType,
                                                  crm: tuple[str, Served]) -> None:
    dialect, served = crm
    adapter = crm_api.make_adapter(served.url, dialect, set(), log=lambda *a: None)
    assert adapter.push(CUSTOMERS) == {"ann@example.com": "done", "bo@example.com": "done"}
    contacts = {c["email"]: c for c in evidence(served.url, "contacts")}
    assert contacts["ann@example.com"]["lastname"] == "Lee-Smith"
    assert contacts["bo@example.com"]["magento_customer_id"] == 8
    assert contacts["bo@example.com"]["phone"] == "555-0108"
    # Upserted, not created: still one contact per customer, and the CRM's fields untouched.
    assert evidence(served.url, "duplicates") == []
    assert evidence(served.url, "overwrites") == []
    assert contacts["ann@example.com"]["segment"] == "vip"


def test_the_api_limit_is_retried_and_the_mistake_drops_it(crm_api: ModuleType,
                                                           crm: tuple[str, Served]) -> None:
    dialect, served = crm
    careful = crm_api.make_adapter(served.url, dialect, set(), log=lambda *a: None)
    careless = crm_api.make_adapter(served.url, dialect, {"crm_limit_is_final"},
                                    log=lambda *a: None)
    careful.push(CUSTOMERS[:1])
    careless.push(CUSTOMERS[:1])        # both logged in (Salesforce) before the limit
    set_faults(served.url, {"id": "limit", "path": LIMIT_PATHS[dialect], "api_limit": True})
    assert careful.push(CUSTOMERS[1:]) == {"bo@example.com": "retry"}
    assert careless.push(CUSTOMERS[1:]) == {"bo@example.com": "refused"}
    set_faults(served.url)
    assert careful.push(CUSTOMERS[1:]) == {"bo@example.com": "done"}


def test_salesforce_logs_in_again_after_the_session_expired(crm_api: ModuleType,
                                                            tmp_path: Path) -> None:
    with serve_asgi(crm_app(tmp_path, "salesforce")) as served:
        adapter = crm_api.make_adapter(served.url, "salesforce", set(), log=lambda *a: None)
        assert adapter.push(CUSTOMERS[:1]) == {"ann@example.com": "done"}
        set_faults(served.url, {"id": "expiry", "path": "/services/data/*",
                                "session_expiry": True})
        assert adapter.push(CUSTOMERS[1:]) == {"bo@example.com": "retry"}
        assert adapter.push(CUSTOMERS[1:]) == {"bo@example.com": "done"}   # a new session


def test_an_unknown_dialect_stops_the_connector_with_the_known_ones(
        crm_api: ModuleType) -> None:
    with pytest.raises(SystemExit, match="known: peakready, salesforce, hubspot"):
        crm_api.make_adapter("http://127.0.0.1:9", "dynamics", set())
