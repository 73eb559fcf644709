"""Each journey against the in-process simulator (and ERP / CRM mocks): the calls it makes,
the orders it places, the failures it records instead of raising."""

from __future__ import annotations

from typing import Any

import pytest

from peakready.scenario.arrivals import Arrival
from peakready.scenario.client import MagentoClient, MagentoError, Reply, decode_error
from peakready.scenario.edge_cases import COMPANY, TELEPHONE
from peakready.scenario.journeys import JourneyContext, Outcome, arrival_rng
from peakready.scenario.storefronts import journey_for


def go(ctx: JourneyContext, journey: str, index: int = 0) -> Outcome:
    arrival = Arrival(0.0, journey, index)
    run = journey_for(journey, ctx.storefront.get(journey, "rest"))
    return run(ctx, arrival, arrival_rng(ctx.seed, arrival), Outcome())


def test_guest_checkout_makes_the_storefront_calls_and_places_the_order(
        ctx: JourneyContext, transport: Any, admin: Any) -> None:
    out = go(ctx, "guest_checkout", 3)
    assert out.ok, out.error
    record = out.checkout
    assert record is not None
    order = admin(f"/orders/{record['order_id']}")
    assert order["increment_id"] == record["increment_id"]
    assert order["customer_email"] == record["customer_email"] == "guest.0.000003@example.com"
    assert sorted((i["sku"], i["qty_ordered"]) for i in order["items"]) == \
        sorted((i["sku"], i["qty"]) for i in record["items"])
    calls = [n for n in transport.names if "guest-carts" in n]
    assert calls[0] == "POST /V1/guest-carts"
    assert calls[-3:] == ["POST /V1/guest-carts/[id]/estimate-shipping-methods",
                          "POST /V1/guest-carts/[id]/shipping-information",
                          "POST /V1/guest-carts/[id]/payment-information"]
    assert record["edge_case"] is False and record["flash_sale"] is False


def test_customer_checkout_signs_in_and_uses_the_mine_cart(
        ctx: JourneyContext, transport: Any, admin: Any) -> None:
    out = go(ctx, "customer_checkout", 1)
    assert out.ok, out.error
    assert out.checkout is not None
    customer = ctx.catalogue.customers[1]
    order = admin(f"/orders/{out.checkout['order_id']}")
    assert order["customer_email"] == customer.email and not order.get("customer_is_guest")
    assert "POST /V1/integration/customer/token" in transport.names
    assert "POST /V1/carts/mine/payment-information" in transport.names


def test_account_edits_change_the_customer_in_magento(
        ctx: JourneyContext, transport: Any, admin: Any) -> None:
    customer = ctx.catalogue.customers[2]
    before = admin(f"/customers/search?searchCriteria[filterGroups][0][filters][0][field]=email"
                   f"&searchCriteria[filterGroups][0][filters][0][value]={customer.email}")
    [found] = before["items"]
    out = go(ctx, "account_edits", 2)
    assert out.ok, out.error
    after = admin(f"/customers/{found['id']}")
    assert after["lastname"] != found["lastname"]
    assert after["lastname"].startswith(customer.lastname)
    assert after["email"] == customer.email and after["firstname"] == found["firstname"]
    assert "PUT /V1/customers/me" in transport.names


def test_edge_case_orders_carry_the_data_strict_erps_refuse(
        ctx: JourneyContext, admin: Any, transport: Any) -> None:
    ctx.edge_case_share = 1.0
    for journey in ("guest_checkout", "customer_checkout"):
        out = go(ctx, journey, 2)
        assert out.ok, out.error   # Magento accepts them
        assert out.checkout is not None and out.checkout["edge_case"] is True
        billing = admin(f"/orders/{out.checkout['order_id']}")["billing_address"]
        assert billing["telephone"] == TELEPHONE and len(TELEPHONE) == 70
        assert len(billing["street"]) == 3
        assert not (billing["firstname"] + billing["lastname"]).isascii()
        sent = transport.bodies[transport.names.index(
            next(n for n in reversed(transport.names) if n.endswith("/shipping-information")))]
        assert sent["addressInformation"]["shipping_address"]["company"] == COMPANY
        assert len(COMPANY) > 100


def test_no_edge_cases_when_the_share_is_zero(ctx: JourneyContext) -> None:
    assert not any(go(ctx, "guest_checkout", i).checkout["edge_case"]  # type: ignore[index]
                   for i in range(20))


def test_browse_search_and_abandoned_carts_place_no_order(
        ctx: JourneyContext, transport: Any, admin: Any) -> None:
    for journey in ("browse", "search", "abandoned_cart"):
        out = go(ctx, journey)
        assert out.ok and out.checkout is None, (journey, out.error)
    assert admin("/orders?searchCriteria[pageSize]=1")["total_count"] == 0
    assert "GET /V1/products/[sku]" in transport.names
    assert "GET /V1/guest-carts/[id]/totals" in transport.names


def test_flash_sale_buyers_buy_the_scarce_skus_in_turn(ctx: JourneyContext) -> None:
    ctx.flash_skus = tuple(ctx.catalogue.hot_skus)
    bought = [go(ctx, "flash_sale", i).checkout for i in range(4)]
    assert all(b is not None and b["order_id"] for b in bought)
    assert [b["items"][0]["sku"] for b in bought if b] == \
        [ctx.flash_skus[i % len(ctx.flash_skus)] for i in range(4)]
    assert all(b is not None and b["flash_sale"] for b in bought)


def test_backoffice_works_a_pending_order(ctx: JourneyContext, admin: Any) -> None:
    placed = go(ctx, "guest_checkout").checkout
    assert placed is not None
    out = go(ctx, "backoffice")
    assert out.ok, out.error
    assert out.extra["order_id"] == placed["order_id"]
    state = admin(f"/orders/{placed['order_id']}")["state"]
    assert state in {"processing", "canceled"}


def test_a_refused_step_is_recorded_with_status_message_and_step(ctx: JourneyContext) -> None:
    ctx.flash_skus = ("NO-SUCH-SKU",)
    out = go(ctx, "flash_sale")
    assert not out.ok and out.status == 404
    assert out.step == "/V1/guest-carts/[id]/items"
    assert out.error is not None and "doesn't exist" in out.error
    assert out.checkout is not None and out.checkout["cart_id"]


class Answer:
    """A target that answers every request with one fixed reply."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def request(self, *args: Any, **kwargs: Any) -> Reply:
        return self.reply


@pytest.mark.parametrize(("reply", "status", "error"), [
    (Reply(502, b"<html><body>Bad Gateway</body></html>"), 502, "<html><body>Bad Gateway"),
    (Reply(200, b"<html>maintenance</html>"), 200, "not JSON: '<html>maintenance</html>'"),
    (Reply(0, b"", "connection refused"), 0, "connection refused"),
])
def test_non_json_or_unexpected_answers_are_failures_not_crashes(
        ctx: JourneyContext, reply: Reply, status: int, error: str) -> None:
    ctx.magento = Answer(reply)
    out = go(ctx, "guest_checkout")
    assert (out.ok, out.status) == (False, status)
    assert out.error is not None and error in out.error
    assert out.step == "/V1/guest-carts"


def test_error_envelopes_are_decoded_with_their_placeholders_filled() -> None:
    named = Reply(404, b'{"message":"No such entity with %fieldName = %fieldValue",'
                       b'"parameters":{"fieldName":"cartId","fieldValue":"x"}}')
    listed = Reply(400, b'{"message":"Only %1 of %2 available","parameters":[1,5]}')
    assert decode_error(named) == "No such entity with cartId = x"
    assert decode_error(listed) == "Only 1 of 5 available"
    with pytest.raises(MagentoError) as caught:
        MagentoClient(Answer(named)).product("x")
    assert caught.value.status == 404 and caught.value.step == "/V1/products/[sku]"


def test_erp_stock_push_changes_the_erps_on_hand(ctx: JourneyContext, mock_client: Any) -> None:
    erp, ctx.erp = mock_client("erp")
    before = erp.get("/api/stock/" + ctx.catalogue.regular_skus[0]).status_code
    assert before == 200
    out = go(ctx, "erp_stock_push", 5)
    assert out.ok, out.error
    sku, delta = out.extra["sku"], out.extra["delta"]
    history = erp.get("/__admin/evidence", params={"kind": "stock_history"}).json()
    rows = [r for r in history["records"]["stock_history"]
            if r["sku"] == sku and r.get("source") == "api"]
    assert [r["delta"] for r in rows] == [delta]


def test_crm_edits_change_crm_owned_fields(ctx: JourneyContext, mock_client: Any) -> None:
    crm, ctx.crm = mock_client("crm")
    out = go(ctx, "crm_edits", 4)
    assert out.ok, out.error
    changes = crm.get("/__admin/evidence", params={"kind": "crm_changes"}).json()
    [change] = changes["records"]["crm_changes"]
    assert {"marketing_consent", "segment", "lead_score"} <= set(change)


def test_sync_journeys_without_their_target_fail_cleanly(ctx: JourneyContext) -> None:
    for journey, error in (("erp_stock_push", "no ERP URL"), ("crm_edits", "no CRM URL")):
        out = go(ctx, journey)
        assert (out.ok, out.status, out.error) == (False, 0, error)
    ctx.admin_token = None
    assert go(ctx, "backoffice").error == "no admin token"


class _Clerk:
    """An admin client that records the back office's calls."""

    def __init__(self, invoices: list[dict[str, Any]], offline_invoice: bool = False) -> None:
        self._invoices = invoices
        self.offline_invoice = offline_invoice
        self.calls: list[tuple[str, Any, Any]] = []

    def invoices(self, order_id: int) -> Any:
        self.calls.append(("invoices", order_id, None))
        return {"items": self._invoices}

    def refund_invoice(self, invoice_id: int, body: Any) -> Any:
        self.calls.append(("refund_invoice", invoice_id, body))
        if self.offline_invoice:
            raise MagentoError(400, "Creditmemo Document Validation Error(s):\nCannot create "
                               "online refund for offline invoice.", "/V1/invoice/[id]/refund")
        return 7

    def order_action(self, entity_id: int, action: str, body: Any = None) -> Any:
        self.calls.append((action, entity_id, body))
        return 7


@pytest.mark.parametrize(("method", "invoices", "expected"), [
    ("peakready_card", [{"entity_id": 3}, {"entity_id": 5}],
     ("refund_invoice", 5, {"items": [], "isOnline": True, "notify": False})),
    ("peakready_card", [], ("refund", 12, {"items": [], "notify": False})),
    ("checkmo", [{"entity_id": 3}], ("refund", 12, {"items": [], "notify": False})),
])
def test_a_card_order_is_refunded_online_by_its_invoice_any_other_offline(
        method: str, invoices: list[dict[str, Any]], expected: tuple[str, Any, Any]) -> None:
    from peakready.scenario.journeys import _refund

    clerk = _Clerk(invoices)
    _refund(clerk, {"entity_id": 12, "payment": {"method": method}}, 12)
    assert clerk.calls[-1] == expected
    assert ("invoices", 12, None) in clerk.calls or method != "peakready_card"


def test_a_card_order_invoiced_offline_is_refunded_offline() -> None:
    from peakready.scenario.journeys import _refund

    clerk = _Clerk([{"entity_id": 3}], offline_invoice=True)
    _refund(clerk, {"entity_id": 12, "payment": {"method": "peakready_card"}}, 12)
    assert [c[0] for c in clerk.calls] == ["invoices", "refund_invoice", "refund"]
