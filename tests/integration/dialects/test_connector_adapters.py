"""The example connector's ERP adapters (examples/connector/erp_api.py) against each dialect
on loopback: the create that never duplicates, the order updates, the stock reads — through
the connector's own HTTP call, as it runs in a plan."""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.integration.dialects.conftest import evidence, set_faults
from tests.support.asgi_server import Served

pytestmark = pytest.mark.timeout(60)
CONNECTOR = Path(__file__).resolve().parents[3] / "examples" / "connector"
DIALECTS = ["peakready", "business-central", "netsuite", "odoo", "sap-b1"]


@pytest.fixture(scope="module")
def connector() -> Iterator[ModuleType]:
    """connector.py as a module (its import needs the PEAKREADY_* variables)."""
    env = {"PEAKREADY_MAGENTO_URL": "http://127.0.0.1:9", "PEAKREADY_MAGENTO_TOKEN": "t",
           "PEAKREADY_ERP_URL": "http://127.0.0.1:9", "PEAKREADY_CRM_URL": "http://127.0.0.1:9"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.syspath_prepend(str(CONNECTOR))
        spec = importlib.util.spec_from_file_location("example_connector",
                                                      CONNECTOR / "connector.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
        for name in ("erp_api", "erp_base", "erp_bc", "erp_netsuite", "erp_odoo", "erp_sapb1",
                     "mistakes", "crm_api"):
            sys.modules.pop(name, None)


def _payload(ref: str) -> dict[str, Any]:
    return {"increment_id": ref, "customer_email": "jane@example.com",
            "items": [{"sku": "SKU-1", "qty": 2, "price": 5.0}],
            "totals": {"grand_total": 10.0, "currency": "USD"}}


def _adapter(connector: ModuleType, dialect: str, url: str,
             mistakes: frozenset[str] = frozenset()) -> Any:
    return connector.erp_api.adapter(dialect, url, connector.call, connector.Reply, mistakes)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_adapter_creates_once_reads_updates_and_stock(
        serve: Callable[..., Served], connector: ModuleType, dialect: str) -> None:
    erp = serve(dialect, pick_after=0, ship_after=0.3, invoice_after=0.6)
    api = _adapter(connector, dialect, erp.url)
    first = api.create_order(_payload("000000601"), True)
    assert 200 <= first.status < 300, first.body
    again = api.create_order(_payload("000000601"), True)   # a retry: never a second order
    assert 200 <= again.status < 300, again.body
    [order] = evidence(erp.url, "orders")
    assert order["increment_id"] == "000000601"
    updates: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not any(u["status"] == "shipped" for u in updates) and time.monotonic() < deadline:
        time.sleep(0.3)
        updates += api.order_updates()
    assert [u["increment_id"] for u in updates if u["status"] == "shipped"] == ["000000601"]
    assert api.stock_level("SKU-1") == 8          # the shipment took 2 of 10
    changes = api.stock_changes()
    assert changes is not None and {"sku": "SKU-1", "qty": 8} in [
        {"sku": c["sku"], "qty": float(c["qty"])} for c in changes]


def test_unknown_dialect_stops_the_connector_naming_the_known(connector: ModuleType) -> None:
    with pytest.raises(SystemExit, match="unknown ERP dialect 'sap'; known: peakready"):
        _adapter(connector, "sap", "http://127.0.0.1:9")


def test_odoo_error_in_200_is_a_retryable_failure_unless_trusted(
        serve: Callable[..., Served], connector: ModuleType) -> None:
    erp = serve("odoo")
    careful = _adapter(connector, "odoo", erp.url)
    careless = _adapter(connector, "odoo", erp.url, frozenset({"trust_http_200"}))
    for api, ref in ((careful, "000000612"), (careless, "000000613")):
        assert api.create_order(_payload(ref), True).status == 200   # product ids known
    set_faults(erp.url, {"id": "odoo-busy", "path": "/jsonrpc", "error_in_200": True})
    assert careful.create_order(_payload("000000602"), True).status == 503
    assert careless.create_order(_payload("000000603"), True).status == 200
    # neither was created: the careless connector now believes in an order the ERP never took
    assert sorted(o["increment_id"] for o in evidence(erp.url, "orders")) == [
        "000000612", "000000613"]


@pytest.mark.parametrize("dialect", ["sap-b1", "business-central"])
def test_session_expiry_is_survived_by_relogin_and_not_without(
        serve: Callable[..., Served], connector: ModuleType, dialect: str) -> None:
    erp = serve(dialect)
    careful = _adapter(connector, dialect, erp.url)
    careless = _adapter(connector, dialect, erp.url, frozenset({"no_relogin"}))
    assert careful.stock_level("SKU-1") == 10 and careless.stock_level("SKU-1") == 10
    set_faults(erp.url, {"id": "expired", "session_expiry": True, "max_hits": 1})
    # The careful one logs in again on the 401 and sends the call again: the order that met
    # the expired session is created, never dead-lettered for a 401.
    assert careful.create_order(_payload("000000604"), True).status in (200, 201)
    assert careful.stock_level("SKU-1") == 10
    assert careless.create_order(_payload("000000605"), True).status == 401
    assert careless.create_order(_payload("000000605"), True).status == 401


def test_netsuite_stale_lookup_duplicates_only_the_lookup_before_create_mistake(
        serve: Callable[..., Served], connector: ModuleType) -> None:
    erp = serve("netsuite")
    careful = _adapter(connector, "netsuite", erp.url)
    careless = _adapter(connector, "netsuite", erp.url, frozenset({"lookup_before_create"}))
    set_faults(erp.url, {"id": "replica", "stale_lookup": True})
    for _ in range(2):                            # a retry after an answer that never came
        careful.create_order(_payload("000000606"), True)
        careless.create_order(_payload("000000607"), True)
    counts: dict[str, int] = {}
    for order in evidence(erp.url, "orders"):
        counts[order["increment_id"]] = counts.get(order["increment_id"], 0) + 1
    assert counts == {"000000606": 1, "000000607": 2}


def _order(erp_url: str, ref: str) -> dict[str, Any]:
    [order] = [o for o in evidence(erp_url, "orders") if o["increment_id"] == ref]
    return order


@pytest.mark.parametrize("dialect", DIALECTS)
def test_adapter_carries_partial_shipments_invoices_cancels_and_refunds(
        serve: Callable[..., Served], connector: ModuleType, dialect: str) -> None:
    """The order's whole life through each vendor's documents: both parts of a partial
    shipment with their lines, carrier and tracking number, the invoice; a cancellation
    reaches the ERP (and one after the shipment is refused, final); a refund is booked once,
    however often the connector retries it."""
    erp = serve(dialect, pick_after=0, ship_after=0.3, invoice_after=0.6, partial_share=1.0,
                partial_gap=0.3)
    api = _adapter(connector, dialect, erp.url)
    for ref in ("000000701", "000000702"):
        assert 200 <= api.create_order(_payload(ref), True).status < 300
    assert api.cancel_order("000000702") is True          # before anything shipped
    assert api.cancel_order("000000999") is False         # not in the ERP (yet)
    updates: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not any(u["status"] == "invoiced" for u in updates) and time.monotonic() < deadline:
        time.sleep(0.3)
        updates += api.order_updates()
    erp_order = _order(erp.url, "000000701")
    shipments = [u for u in updates if u["status"] in ("shipped", "partially_shipped")]
    assert [u["increment_id"] for u in shipments] == ["000000701", "000000701"]
    assert [(u["tracking_number"], u["carrier"], u["items"]) for u in shipments] == [
        (s["tracking_number"], s["carrier"], [{"sku": "SKU-1", "qty": 1}])
        for s in erp_order["shipments"]]
    assert len({u["shipment_id"] for u in shipments}) == 2
    assert [u["increment_id"] for u in updates if u["status"] == "invoiced"] == ["000000701"]
    assert api.order_updates() == []                      # each once
    assert api.cancel_order("000000701") is True          # shipped: refused, and final
    assert erp_order["cancel_requests"] == []
    after = _order(erp.url, "000000701")
    assert [r["outcome"] for r in after["cancel_requests"]] == ["refused_shipped"]
    cancelled = _order(erp.url, "000000702")
    assert cancelled["status"] == "cancelled" and cancelled["shipments"] == []
    assert api.book_refund("000000701", 4.0, 0.0) is True
    assert api.book_refund("000000701", 4.0, 0.0) is True  # a retry: never booked twice
    assert api.book_refund("000000701", 10.0, 4.0) is True
    memos = _order(erp.url, "000000701")["credit_memos"]
    assert sorted(m["amount"] for m in memos) == [4.0, 6.0]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_poll_failing_part_way_loses_no_update(
        serve: Callable[..., Served], connector: ModuleType, dialect: str) -> None:
    """Whichever call of a poll the ERP fails in its own way (Odoo: a serialization failure
    inside an HTTP 200; the others: a 503), the order's shipment and invoice still reach the
    connector on a later poll, each once: a poll that fails hands nothing over as given."""
    erp = serve(dialect, pick_after=0, ship_after=0.1, invoice_after=0.2)
    api = _adapter(connector, dialect, erp.url)
    assert 200 <= api.create_order(_payload("000000801"), True).status < 300
    deadline = time.monotonic() + 10
    while _order(erp.url, "000000801")["status"] != "invoiced" and time.monotonic() < deadline:
        time.sleep(0.1)
    fault = {"id": "busy", "error_in_200": True} if dialect == "odoo" else \
        {"id": "busy", "status": 503}
    healthy = api.call
    updates: list[dict[str, Any]] = []
    for failing in range(1, 8):             # the first call of a poll, then the second, ...
        calls = 0

        def flaky(*args: Any, failing: int = failing, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == failing:
                set_faults(erp.url, {**fault, "max_hits": 1})   # this call meets it
            return healthy(*args, **kwargs)

        api.call = flaky
        updates += api.order_updates()
    api.call = healthy
    updates += api.order_updates()
    assert sorted((u["increment_id"], u["status"]) for u in updates
                  if u["status"] in ("shipped", "invoiced")) == [
        ("000000801", "invoiced"), ("000000801", "shipped")]
