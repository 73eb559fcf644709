"""The store's card payment method with ``integration: none``: authorized at place-order,
captured by an online invoice (whoever creates it), voided on cancel, refunded by an online
credit memo; offline invoices and credit memos move no money (Magento's capture/refund
offline)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

MOCKS = Path(__file__).resolve().parents[3] / "mocks"


def _card_order(estate: Any, sku: str = "SKU-2", qty: float = 2) -> Any:
    response = estate.pay(estate.cart(sku, qty), "peakready_card")
    assert response.status_code == 200, response.text
    return estate.sim.store.orders.by_id[int(response.json())]


def _authorized(estate: Any, increment_id: str) -> list[dict[str, Any]]:
    payments = estate.evidence("payment", "payments")["records"]["payments"]
    return [p for p in payments if p["order_id"] == increment_id]


def test_a_connector_invoice_with_capture_charges_and_an_online_memo_refunds(
        estate_factory: Any) -> None:
    estate = estate_factory("none")
    order = _card_order(estate)
    [payment] = _authorized(estate, order.increment_id)
    assert payment["status"] == "authorized" and payment["amount"] == order.grand_total
    invoice = estate.admin(f"/order/{order.entity_id}/invoice", {"capture": True})
    estate.until(lambda: ("capture", order.total_invoiced)
                 in estate.payment_operations(order.increment_id))
    estate.admin(f"/invoice/{invoice}/refund", {"items": [], "isOnline": True})
    estate.until(lambda: ("refund", order.total_refunded)
                 in estate.payment_operations(order.increment_id))
    assert order.total_refunded == order.total_invoiced > 0
    # nothing of the built-in integration ran: no ERP, CRM or carrier call
    assert estate.integration()["enabled"] is False
    assert estate.erp_orders() == {}


def test_offline_invoice_and_credit_memo_move_no_money(estate_factory: Any) -> None:
    estate = estate_factory("none")
    order = _card_order(estate)
    invoice = estate.admin(f"/order/{order.entity_id}/invoice", {"capture": False})
    # an online refund needs an invoice captured online (Magento's RefundInvoice validator)
    estate.admin(f"/invoice/{invoice}/refund", {"isOnline": True}, status=400)
    estate.admin(f"/order/{order.entity_id}/refund", {"items": []})
    time.sleep(1.2)              # past one consumer cycle
    assert order.total_invoiced > 0 and order.total_refunded > 0
    assert estate.payment_operations(order.increment_id) == [("authorize", order.grand_total)]


@pytest.mark.parametrize("method", ["peakready_card", "checkmo"])
def test_a_cancelled_order_voids_its_authorization(estate_factory: Any, method: str) -> None:
    estate = estate_factory("none")
    response = estate.pay(estate.cart("SKU-1", 1), method)
    assert response.status_code == 200, response.text
    order = estate.sim.store.orders.by_id[int(response.json())]
    assert estate.admin(f"/orders/{order.entity_id}/cancel") is True
    if method == "checkmo":      # an offline method: the gateway never hears of the order
        time.sleep(0.5)
        assert _authorized(estate, order.increment_id) == []
        return
    estate.until(lambda: [op for op, _ in estate.payment_operations(order.increment_id)] ==
           ["authorize", "void"])
    assert _authorized(estate, order.increment_id)[0]["status"] == "voided"


def test_no_gateway_given_no_card_method(tmp_path: Path) -> None:
    sim = load_content_module("mocks", "magento", MOCKS).create_app(MockSettings(
        name="magento", seed=1, data_dir=tmp_path, options={"integration": "none"}))
    assert list(sim.store.cfg.payment_methods) == ["checkmo"]
    assert sim.store.card is None
