"""The plugin's fixtures in this project's own session (the plugin is installed, so they are
here as in any user's project): the estate answers, ``fault`` puts a toxic, an outage or an
HTTP fault on a link and always takes it off, and each test starts from a reset estate."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from peakready.errors import ConfigError
from peakready.pytest_plugin import EstateHandle, FaultSwitch


def _through(estate: EstateHandle, link: str, path: str = "/__admin/health") -> httpx.Response:
    return httpx.get(f"http://{estate.proxies[link]}{path}", timeout=10.0)


def test_the_estate_serves_the_store_and_the_links(peakready_estate: EstateHandle) -> None:
    orders = httpx.get(peakready_estate.magento_url + "/rest/V1/orders",
                       params={"searchCriteria[pageSize]": 1},
                       headers={"Authorization": f"Bearer {peakready_estate.token}"})
    assert orders.status_code == 200
    assert set(peakready_estate.proxies) >= {"erp", "crm", "payment", "shipping"}
    assert _through(peakready_estate, "erp").json()["mock"] == "erp"


def test_a_latency_toxic_delays_the_link_and_is_cleared(peakready_estate: EstateHandle,
                                                        fault: FaultSwitch) -> None:
    started = time.monotonic()
    _through(peakready_estate, "crm")
    quick = time.monotonic() - started
    with fault("crm", toxic="latency", attributes={"latency": 600}) as spec:
        assert spec["toxic"] == "latency"
        started = time.monotonic()
        _through(peakready_estate, "crm")
        assert time.monotonic() - started >= 0.5 > quick
    assert peakready_estate.estate.control.toxics("crm") == []


def test_a_link_down_refuses_connections_until_the_block_ends(
        peakready_estate: EstateHandle, fault: FaultSwitch) -> None:
    host, _, port = peakready_estate.proxies["payment"].rpartition(":")
    with fault("payment", down=True), pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=5).close()
    assert _through(peakready_estate, "payment").status_code == 200


def test_an_http_fault_answers_from_the_mock_and_is_cleared_on_error(
        peakready_estate: EstateHandle, fault: FaultSwitch) -> None:
    erp = peakready_estate.mocks["erp"]
    with pytest.raises(RuntimeError), fault("erp", http={"status": 503, "path": "/api/stock*"}):
        assert httpx.get(erp + "/api/stock").status_code == 503
        raise RuntimeError("the test body fails inside the block")
    assert httpx.get(erp + "/api/stock").status_code == 200
    assert httpx.get(erp + "/__admin/faults").json()["rules"] == []


def test_a_bad_fault_is_a_config_error_naming_it(fault: FaultSwitch) -> None:
    with pytest.raises(ConfigError, match="laggy"), fault("erp", toxic="laggy"):
        pass


_CHANGED: dict[str, str] = {}


def test_state_changed_by_one_test(peakready_estate: EstateHandle) -> None:
    erp = peakready_estate.mocks["erp"]
    sku = next(iter(httpx.get(erp + "/api/stock").json()["items"]))["sku"]
    httpx.post(erp + "/api/stock/adjustments", json={"sku": sku, "set": 424242})
    assert httpx.get(f"{erp}/api/stock/{sku}").json()["qty"] == 424242
    _CHANGED["sku"] = sku


def test_is_gone_for_the_next(peakready_estate: EstateHandle) -> None:
    # Runs after the test above (file order): its teardown reset the ERP to its seed.
    sku = _CHANGED["sku"]
    assert httpx.get(f"{peakready_estate.mocks['erp']}/api/stock/{sku}").json()["qty"] != 424242
