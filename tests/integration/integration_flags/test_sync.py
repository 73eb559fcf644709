"""ERP → Magento (order status, stock) and Magento → CRM (customers), good vs the mistakes."""

from __future__ import annotations

import time


def _route_count(journal: dict, route: str) -> int:
    return sum(sum(by_status.values()) for by_status in journal["routes"].get(route, {}).values())


def test_erp_shipped_and_invoiced_become_shipment_and_invoice(estate_factory) -> None:
    estate = estate_factory("good", erp={"pick_after": 0.1, "ship_after": 0.3,
                                         "invoice_after": 0.6})
    response, _ = estate.buy("SKU-2", 3)
    order = estate.sim.store.orders.by_id[int(response.json())]
    estate.wait_drained()
    time.sleep(1.2)  # the ERP picks, ships and invoices on its own schedule
    handled = estate.cycle("orders")
    assert handled["handled"] >= 3
    assert order.state == "complete"
    assert len(order.shipments) == 1 and len(order.invoices) == 1
    tracking = estate.erp_orders()[order.increment_id][0]["tracking_number"]
    assert tracking and any(tracking in h["comment"] for h in order.histories)
    inventory = estate.sim.store.inventory
    assert inventory.items[("SKU-2", "default")].quantity == 997  # source deduction
    assert inventory.salable("SKU-2") == 997                      # reservation compensated
    # a second pull applies nothing twice
    before = estate.integration()["metrics"]["order_sync"]
    estate.cycle("orders")
    after = estate.integration()["metrics"]["order_sync"]
    assert after.get("shipped_applied") == before.get("shipped_applied") == 1


def test_stock_delta_sets_on_hand_and_respects_reservations(estate_factory) -> None:
    estate = estate_factory("good", erp={"stock": {f"SKU-{i}": 40 for i in range(1, 6)}})
    response, _ = estate.buy("SKU-1", 2)     # Magento reserves 2 of its 1000
    assert response.status_code == 200
    first = estate.cycle("stock")["metrics"]["stock_sync"]
    inventory = estate.sim.store.inventory
    assert inventory.items[("SKU-1", "default")].quantity == 40   # the ERP owns on-hand
    assert inventory.salable("SKU-1") == 38                       # minus open reservations
    assert first["last_cycle"] == {"erp_requests": 1, "skus_applied": 5}
    second = estate.cycle("stock")["metrics"]["stock_sync"]
    assert second["last_cycle"] == {"erp_requests": 1, "skus_applied": 0}  # nothing changed


def test_erp_adjustments_reach_magento_and_a_restarted_feed_is_read_again(
        estate_factory) -> None:
    estate = estate_factory("good", erp={"stock": {f"SKU-{i}": 40 for i in range(1, 6)}})
    erp = estate.mock_url("erp")
    estate.cycle("stock")
    for qty in (41, 42, 43):   # the ERP's own users move the cursor well past the seed
        estate.http.post(f"{erp}/api/stock/adjustments",
                         json={"sku": "SKU-1", "set": qty}).raise_for_status()
    estate.cycle("stock")
    items = estate.sim.store.inventory.items
    assert items[("SKU-1", "default")].quantity == 43
    # A reset ERP's feed head falls below the integration's cursor: 400, and it starts over.
    estate.http.post(f"{erp}/__admin/reset").raise_for_status()
    estate.http.post(f"{erp}/api/stock/adjustments",
                     json={"sku": "SKU-2", "delta": -15}).raise_for_status()
    stats = estate.cycle("stock")["metrics"]["stock_sync"]
    assert stats["cursor_resets"] == 1
    assert items[("SKU-1", "default")].quantity == 40
    assert items[("SKU-2", "default")].quantity == 25


def test_full_stock_sync_asks_for_the_whole_catalogue_every_cycle(estate_factory) -> None:
    catalogue = 30
    bad = estate_factory({"flags": ["full_stock_sync"]}, skus=catalogue)
    good = estate_factory("good", skus=catalogue)
    for estate in (bad, good):
        estate.cycle("stock")
        estate.cycle("stock")
    bad_journal, good_journal = bad.journal("erp"), good.journal("erp")
    assert _route_count(bad_journal, "/api/stock/{sku}") == 2 * catalogue
    assert bad.integration()["metrics"]["stock_sync"]["last_cycle"]["erp_requests"] == catalogue
    assert _route_count(good_journal, "/api/stock/{sku}") == 0
    assert _route_count(good_journal, "/api/stock") == 2
    assert good.integration()["metrics"]["stock_sync"]["last_cycle"]["skus_applied"] == 0


CONTACT = {"email": "grace@example.com", "firstname": "Grace", "lastname": "Hopper",
           "segment": "vip", "marketing_consent": True, "lead_score": 90}


def _new_customer(estate) -> None:
    r = estate.http.post(f"{estate.sim_url}/rest/V1/customers", json={
        "customer": {"email": CONTACT["email"], "firstname": "Grace", "lastname": "Hopper-Murray"},
        "password": "Passw0rd!long"})
    assert r.status_code == 200, r.text


def test_customer_sync_sends_only_magento_fields(estate_factory) -> None:
    estate = estate_factory("good", crm={"contacts": [CONTACT]})
    _new_customer(estate)
    assert estate.cycle("customers")["handled"] == 1
    contact = estate.http.get(f"{estate.mock_url('crm')}/api/contacts/{CONTACT['email']}").json()
    assert contact["lastname"] == "Hopper-Murray"            # Magento's field arrived
    assert (contact["segment"], contact["marketing_consent"], contact["lead_score"]) == (
        "vip", True, 90)                                     # the CRM's fields kept
    assert estate.evidence("crm", "overwrites")["records"]["overwrites"] == []
    assert estate.cycle("customers")["handled"] == 0          # unchanged: not sent again
    customer = estate.sim.store.customers.by_email[CONTACT["email"]]
    customer.lastname = "Hopper"                              # changed in Magento
    assert estate.cycle("customers")["handled"] == 1
    contact = estate.http.get(f"{estate.mock_url('crm')}/api/contacts/{CONTACT['email']}").json()
    assert contact["lastname"] == "Hopper" and contact["segment"] == "vip"


def test_a_customer_update_through_rest_reaches_the_crm(estate_factory) -> None:
    """issue 14: with PUT /V1/customers/me, a change a shopper makes flows through REST."""
    estate = estate_factory("good", crm={"contacts": [CONTACT]})
    _new_customer(estate)
    estate.cycle("customers")
    token = estate.http.post(f"{estate.sim_url}/rest/V1/integration/customer/token", json={
        "username": CONTACT["email"], "password": "Passw0rd!long"}).json()
    r = estate.http.put(f"{estate.sim_url}/rest/V1/customers/me",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"customer": {"email": CONTACT["email"], "firstname": "Grace",
                                           "lastname": "Hopper",
                                           "extension_attributes": {"is_subscribed": True}}})
    assert r.status_code == 200, r.text
    assert estate.cycle("customers")["handled"] == 1
    contact = estate.http.get(f"{estate.mock_url('crm')}/api/contacts/{CONTACT['email']}").json()
    assert contact["lastname"] == "Hopper" and contact["segment"] == "vip"


def test_overwrite_crm_fields_wipes_what_the_crm_owns(estate_factory) -> None:
    estate = estate_factory({"flags": ["overwrite_crm_fields"]}, crm={"contacts": [CONTACT]})
    _new_customer(estate)
    estate.cycle("customers")
    overwrites = estate.evidence("crm", "overwrites")["records"]["overwrites"]
    assert {o["field"] for o in overwrites} == {"segment", "marketing_consent", "lead_score"}
    contact = estate.http.get(f"{estate.mock_url('crm')}/api/contacts/{CONTACT['email']}").json()
    assert contact["segment"] == "new"


def test_a_settings_change_keeps_pending_customer_changes(estate_factory) -> None:
    estate = estate_factory("good", crm={"contacts": [CONTACT]})
    _new_customer(estate)
    estate.configure(export_timeout=1.5)     # any runtime change
    assert estate.cycle("customers")["handled"] == 1


def test_the_poll_loops_run_by_themselves(estate_factory) -> None:
    estate = estate_factory({"order_poll_interval": 0.2, "stock_poll_interval": 0.2},
                            erp={"pick_after": 0.05, "ship_after": 0.1, "invoice_after": 0.2,
                                 "stock": {f"SKU-{i}": 500 for i in range(1, 6)}})
    response, _ = estate.buy("SKU-3")
    order = estate.sim.store.orders.by_id[int(response.json())]
    deadline = time.monotonic() + 8
    while order.state != "complete" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert order.state == "complete"
    # the ERP's on-hand (500, less the shipped unit) reached the source item on its own
    assert estate.sim.store.inventory.items[("SKU-3", "default")].quantity == 499


def test_shipment_deduction_does_not_drift_below_the_erp_on_hand(estate_factory) -> None:
    estate = estate_factory("good", erp={"pick_after": 0.05, "ship_after": 0.1,
                                         "stock": {f"SKU-{i}": 500 for i in range(1, 6)}})
    response, _ = estate.buy("SKU-1", 2)
    assert response.status_code == 200
    estate.wait_drained()
    time.sleep(0.5)                      # the ERP ships: its on-hand is now 498
    estate.cycle("stock")                # Magento's source learns 498 before the shipment
    estate.cycle("orders")               # the shipment deducts 2 more in Magento...
    inventory = estate.sim.store.inventory
    assert inventory.items[("SKU-1", "default")].quantity == 498   # ...and is written back
    assert inventory.salable("SKU-1") == 498
    estate.cycle("stock")
    assert inventory.items[("SKU-1", "default")].quantity == 498


def test_a_shipment_newer_than_the_level_last_seen_is_not_sold_again(estate_factory) -> None:
    """The ERP ships two orders, the stock feed reached Magento between them: writing the
    level last seen back after the second shipment would put its unit on sale again (a flash
    sale's later buyers bought them). The ERP's newer level is read first."""
    estate = estate_factory("good", erp={"pick_after": 0.05, "ship_after": 0.1,
                                         "stock": {f"SKU-{i}": 500 for i in range(1, 6)}})
    for first in (True, False):
        response, _ = estate.buy("SKU-1", 1)
        assert response.status_code == 200
        estate.wait_drained()
        time.sleep(0.5)                  # the ERP ships it: 499, then 498
        if first:
            estate.cycle("stock")        # the feed brings 499 between the two shipments
    estate.cycle("orders")               # both shipments recorded in Magento
    inventory = estate.sim.store.inventory
    assert inventory.items[("SKU-1", "default")].quantity == 498
    assert inventory.salable("SKU-1") == 498


def test_a_sold_out_sku_still_gets_its_shipment_when_the_stock_feed_came_first(
        estate_factory) -> None:
    # The last units: the ERP ships them (on-hand 0) and its feed reaches Magento before the
    # shipped status does. Magento's source is 0, so its own deduction has nothing to take.
    estate = estate_factory("good", erp={"pick_after": 0.05, "ship_after": 0.1,
                                         "stock": {f"SKU-{i}": 2 for i in range(1, 6)}})
    estate.cycle("stock")
    response, _ = estate.buy("SKU-1", 2)
    assert response.status_code == 200
    order = estate.sim.store.orders.by_id[int(response.json())]
    estate.wait_drained()
    time.sleep(0.5)                      # the ERP ships: its on-hand is now 0
    estate.cycle("stock")
    inventory = estate.sim.store.inventory
    assert inventory.items[("SKU-1", "default")].quantity == 0
    estate.cycle("orders")
    assert len(order.shipments) == 1     # recorded, not refused for want of units
    assert inventory.items[("SKU-1", "default")].quantity == 0     # still the ERP's level
    assert inventory.salable("SKU-1") == 0                         # reservation compensated


def test_stock_sync_stalls_misses_every_change_after_its_first_failure(estate_factory) -> None:
    bad = estate_factory({"flags": ["stock_sync_stalls"]})
    good = estate_factory("good")
    levels = {}
    for name, estate in (("bad", bad), ("good", good)):
        erp = estate.mock_url("erp")
        estate.cycle("stock")
        before = estate.sim.store.inventory.items[("SKU-1", "default")].quantity
        estate.fault("erp", status=503, path="/api/stock")   # one failed pull
        estate.cycle("stock")
        estate.clear_faults("erp")
        estate.http.post(f"{erp}/api/stock/adjustments",
                         json={"sku": "SKU-1", "delta": 3}).raise_for_status()
        estate.cycle("stock")
        estate.cycle("stock")
        levels[name] = estate.sim.store.inventory.items[("SKU-1", "default")].quantity - before
    assert levels == {"good": 3, "bad": 0}                  # the stalled sync never resumes
    assert bad.integration()["metrics"]["stock_sync"]["stalled"] == 1
