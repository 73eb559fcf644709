"""``integration: none`` sends nothing anywhere; profile and flags from the CLI, the config
file and the admin API at runtime."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]
MOCK_NAMES = ("erp", "crm", "payment", "shipping")


def _business_requests(estate) -> dict[str, int]:
    out = {}
    for name in MOCK_NAMES:
        routes = estate.journal(name)["routes"]
        out[name] = sum(sum(s.values()) for r, m in routes.items() if r.startswith("/api")
                        for s in m.values())
    return out


def _exercise(estate) -> list[str]:
    """Everything that would make the integration talk: orders, rates, customers, time."""
    for sku in ("SKU-1", "SKU-2"):
        response, _ = estate.buy(sku)
        assert response.status_code == 200, response.text
    masked = estate.cart("SKU-3", carrier=None)
    r = estate.http.post(f"{estate.sim_url}/rest/V1/guest-carts/{masked}/"
                         "estimate-shipping-methods", json={"address": estate.address})
    carriers = [m["carrier_code"] for m in r.json()]
    r = estate.http.post(f"{estate.sim_url}/rest/V1/customers", json={
        "customer": {"email": "n@example.com", "firstname": "N", "lastname": "One"},
        "password": "Passw0rd!long"})
    assert r.status_code == 200
    return carriers


def test_integration_none_sends_no_request_to_any_mock(estate_factory) -> None:
    estate = estate_factory("none", erp={"ship_after": 0.1, "invoice_after": 0.2})
    assert _exercise(estate) == ["flatrate"]   # Magento's own offline method only
    time.sleep(1.0)
    assert _business_requests(estate) == dict.fromkeys(MOCK_NAMES, 0)
    state = estate.integration()
    assert state["enabled"] is False and state["running"] is False
    assert estate.http.post(f"{estate.sim_url}/__admin/integration/cycle/stock"
                            ).status_code == 400
    # the shopper sees Magento's own offline method and the store's card method (a payment
    # module of the store, offered because the simulator was given a gateway), nothing of the
    # integration's
    masked = estate.cart("SKU-1", carrier=None)
    methods = estate.http.get(f"{estate.sim_url}/rest/V1/guest-carts/{masked}/payment-methods")
    assert [m["code"] for m in methods.json()] == ["checkmo", "peakready_card"]


def test_good_under_the_same_exercise_does_call_the_mocks(estate_factory) -> None:
    estate = estate_factory("good")
    assert "ups" in _exercise(estate)
    estate.wait_drained()
    estate.cycle("customers")
    counts = _business_requests(estate)
    assert counts["erp"] >= 2 and counts["shipping"] >= 1 and counts["crm"] >= 1


def test_profile_and_flags_change_at_runtime(estate_factory) -> None:
    estate = estate_factory("none")
    state = estate.configure(profile="good", flags=["no_retry", "full_stock_sync"])
    assert state["enabled"] and state["strategies"]["retry"] == "none"
    assert state["strategies"]["stock_pull"] == "full"
    response, _ = estate.buy()
    assert response.status_code == 200
    assert estate.wait_drained()["exported"] == 1
    state = estate.configure(flags=[])
    assert state["strategies"]["retry"] == "backoff"
    estate.configure(profile="none")
    estate.buy()
    time.sleep(0.3)
    assert len(estate.erp_orders()) == 1           # nothing exported while off
    for bad in ({"flags": ["no_such_flag"]}, {"flags": ["no_retry", "retry_storm"]},
                {"profile": "bad"}, {"max_attempts": 0}, {"unknown": 1}):
        r = estate.http.put(f"{estate.sim_url}/__admin/integration", json=bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["message"]


def test_cli_flags_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "magento.yaml"
    config.write_text("integration:\n  max_attempts: 3\n  flags: [full_stock_sync]\n"
                      "  services: {erp: 'http://127.0.0.1:1'}\n", "utf-8")
    cmd = [sys.executable, "-m", "peakready.cli", "mock", "magento", "--port", "0",
           "--mocks-dir", str(REPO / "mocks"), "--fixtures-dir", str(REPO / "fixtures"),
           "--profile", "none", "--integration", "good", "--flag", "no_retry",
           "--flag", "ignore_retry_after", "--config", str(config),
           "--service", "crm=http://127.0.0.1:2"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on " in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.strip().rsplit(" ", 1)[1]
        state = httpx.get(f"{url}/__admin/integration", trust_env=False).json()
        assert state["flags"] == ["full_stock_sync", "ignore_retry_after", "no_retry"]
        assert state["settings"]["max_attempts"] == 3
        assert state["settings"]["services"]["erp"] == "http://127.0.0.1:1"
        assert state["settings"]["services"]["crm"] == "http://127.0.0.1:2"
        assert state["running"] is True    # loops started with the server's lifespan
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)


def test_an_external_connector_works_through_rest_alone(estate_factory) -> None:
    """With ``none`` the user's connector does the integration's job via Magento's REST API."""
    estate = estate_factory("none")
    response, _ = estate.buy("SKU-4", 2)
    order_id = int(response.json())
    rest = f"{estate.sim_url}/rest/V1"
    admin = {"Authorization": f"Bearer {estate.sim.store.cfg.admin_token}"}
    f = "searchCriteria[filter_groups][0][filters][0]"
    deadline = time.monotonic() + 5
    while True:   # realistic visibility: a placed order reaches searches a little later
        found = estate.http.get(f"{rest}/orders", headers=admin, params={
            f"{f}[field]": "updated_at", f"{f}[value]": "2000-01-01 00:00:00",
            f"{f}[condition_type]": "gt"}).json()
        if found["items"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert [o["entity_id"] for o in found["items"]] == [order_id]
    r = estate.http.post(f"{rest}/inventory/source-items", headers=admin, json={
        "sourceItems": [{"sku": "SKU-4", "source_code": "default", "quantity": 40,
                         "status": 1}]})
    assert r.status_code == 200, r.text
    r = estate.http.post(f"{rest}/order/{order_id}/ship", headers=admin, json={
        "tracks": [{"track_number": "1Z999", "title": "UPS", "carrier_code": "ups"}]})
    assert r.status_code == 200, r.text
    assert estate.sim.store.inventory.items[("SKU-4", "default")].quantity == 38
    assert _business_requests(estate) == dict.fromkeys(MOCK_NAMES, 0)
