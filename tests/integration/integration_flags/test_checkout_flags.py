"""Checkout under back-end faults: what the shopper sees, good integration vs each mistake."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest


def _slow_erp(estate, ms: int) -> None:
    estate.fp.add_toxic("erp", "latency", name="slow", attributes={"latency": ms})


@pytest.mark.parametrize("seconds", [2, pytest.param(5, marks=pytest.mark.slow)])
def test_sync_order_export_makes_place_order_wait_for_the_erp(estate_factory,
                                                              seconds: int) -> None:
    bad = estate_factory({"flags": ["sync_order_export"]})
    good = estate_factory("good")
    for estate in (bad, good):
        _slow_erp(estate, seconds * 1000)
    slow_response, slow = bad.buy()
    fast_response, fast = good.buy()
    assert slow_response.status_code == fast_response.status_code == 200
    assert slow >= seconds
    assert fast < 1.0


def test_sync_stock_check_makes_checkout_wait_for_the_erp(estate_factory) -> None:
    bad = estate_factory({"flags": ["sync_stock_check"]})
    good = estate_factory("good")
    for estate in (bad, good):
        _slow_erp(estate, 2000)
    _, slow = bad.buy()
    _, fast = good.buy()
    assert slow >= 2.0
    assert fast < 1.0
    assert bad.integration()["metrics"]["checkout"]["stock_checks"] == 1


def _flash_sale(estate, buyers: int) -> int:
    carts = [estate.cart("SKU-1") for _ in range(buyers)]

    async def pay_all() -> list[int]:
        transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=buyers),
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        async with httpx.AsyncClient(timeout=60.0, trust_env=False,
                                     transport=transport) as client:
            async def pay(masked: str) -> int:
                r = await client.post(
                    f"{estate.sim_url}/rest/V1/guest-carts/{masked}/payment-information",
                    json={"email": "ada@example.com", "paymentMethod": {"method": "checkmo"}})
                return r.status_code
            return await asyncio.gather(*(pay(m) for m in carts))

    statuses = asyncio.run(pay_all())
    assert set(statuses) <= {200, 400}
    return statuses.count(200)


@pytest.mark.parametrize(("buyers", "units"), [
    (60, 20), pytest.param(200, 50, marks=pytest.mark.slow)])
def test_no_reservations_oversells_a_flash_sale(estate_factory, buyers: int,
                                                units: int) -> None:
    bad = estate_factory({"flags": ["no_reservations"]}, skus=1, qty=units)
    good = estate_factory("good", skus=1, qty=units)
    assert _flash_sale(good, buyers) == units
    sold = _flash_sale(bad, buyers)
    assert sold > units
    assert sum(o.items[0].qty_ordered for o in bad.orders()) == sold


def _estimate(estate, masked: str) -> list[dict]:
    r = estate.http.post(f"{estate.sim_url}/rest/V1/guest-carts/{masked}/"
                         "estimate-shipping-methods", json={"address": estate.address})
    assert r.status_code == 200, r.text
    return r.json()


def _ship(estate, masked: str, method: dict | tuple[str, str]) -> httpx.Response:
    carrier, code = (method["carrier_code"], method["method_code"]) if isinstance(
        method, dict) else method
    return estate.http.post(
        f"{estate.sim_url}/rest/V1/guest-carts/{masked}/shipping-information",
        json={"addressInformation": {"shipping_address": estate.address,
                                     "billing_address": estate.address,
                                     "shipping_carrier_code": carrier,
                                     "shipping_method_code": code}})


def test_carrier_rates_are_quoted_and_charged(estate_factory) -> None:
    estate = estate_factory("good")
    masked = estate.cart("SKU-1", 2, carrier=None)
    methods = _estimate(estate, masked)
    assert {m["carrier_code"] for m in methods} >= {"ups", "usps"}
    # issue 12: a store with flat rate enabled lists it too (last), as it accepts it
    assert (methods[-1]["carrier_code"], methods[-1]["method_code"]) == ("flatrate", "flatrate")
    assert methods[-1]["carrier_title"] == "Flat Rate"
    chosen = next(m for m in methods if (m["carrier_code"], m["method_code"]) == ("ups",
                                                                                  "ground"))
    assert _ship(estate, masked, chosen).status_code == 200
    r = estate.pay(masked)
    assert r.status_code == 200, r.text
    order = estate.sim.store.orders.by_id[int(r.json())]
    assert order.shipping_amount == chosen["amount"]
    assert order.shipping_method == "ups_ground"


def test_carrier_outage_good_falls_back_to_table_rates(estate_factory) -> None:
    estate = estate_factory("good")
    estate.fp.disable("shipping")
    masked = estate.cart("SKU-1", 2, carrier=None)
    methods = _estimate(estate, masked)
    assert [(m["carrier_code"], m["method_code"]) for m in methods] == [
        ("tablerate", "bestway"), ("flatrate", "flatrate")]
    assert _ship(estate, masked, methods[0]).status_code == 200
    assert estate.pay(masked).status_code == 200


def test_no_shipping_fallback_carrier_outage_fails_checkout(estate_factory) -> None:
    estate = estate_factory({"flags": ["no_shipping_fallback"]})
    masked = estate.cart("SKU-1", 2, carrier=None)
    chosen = next(m for m in _estimate(estate, masked) if m["carrier_code"] == "ups")
    estate.fp.disable("shipping")
    assert _estimate(estate, masked) == []
    r = _ship(estate, masked, chosen)
    assert r.status_code == 404
    assert _ship(estate, masked, ("tablerate", "bestway")).status_code == 404
    assert estate.orders() == []


CARD = "peakready_card"


def test_payment_outage_is_a_clean_400_and_the_retry_charges_once(estate_factory) -> None:
    estate = estate_factory("good")
    masked = estate.cart("SKU-1")
    estate.fp.add_toxic("payment", "latency", name="slow", attributes={"latency": 2000})
    r = estate.pay(masked, CARD)
    assert r.status_code == 400
    assert "payment could not be authorized" in r.json()["message"]
    assert estate.orders() == []
    estate.fp.remove_toxic("payment", "slow")
    time.sleep(1.2)  # the held authorization reaches the gateway
    r = estate.pay(masked, CARD)  # the shopper tries again, same cart
    assert r.status_code == 200, r.text
    assert len(estate.orders()) == 1
    evidence = estate.evidence("payment")
    payments = evidence["records"]["payments"]
    assert len([p for p in payments if p["status"] == "authorized"]) == 1
    assert evidence["summary"]["double_authorization_count"] == 0


def test_payment_gateway_down_and_declined_card(estate_factory) -> None:
    estate = estate_factory("good")
    masked = estate.cart("SKU-1")
    estate.fp.disable("payment")
    r = estate.pay(masked, CARD)
    assert r.status_code == 400 and estate.orders() == []
    estate.fp.enable("payment")
    r = estate.pay(masked, CARD, {"cc_number": "4000000000000002"})
    assert r.status_code == 400
    assert r.json()["message"] == "Transaction has been declined. Please try again later."
    assert estate.orders() == []
    r = estate.pay(masked, CARD, {"cc_number": "4242424242424242"})
    assert r.status_code == 200
    # the refused attempts left stock untouched: one order's reservation only
    assert estate.sim.store.inventory.salable("SKU-1") == 999
