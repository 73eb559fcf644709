"""The good integration with realistic visibility and edge-case orders (issue 14): an order
the ERP refuses for its data is a dead letter at once (one attempt, no retry), and every other
order reaches the ERP exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from peakready.scenario.edge_cases import COMPANY, TELEPHONE

ORDERS = 24
EDGE = {"firstname": "美咲", "lastname": "Party 🎉", "telephone": TELEPHONE, "company": COMPANY,
        "street": ["Flat 4B, Harbour View Court", "1187 North Lakeshore Boulevard",
                   "c/o Reception, Building C — rear entrance"]}


def _checkout(estate: Any, n: int) -> tuple[int, bool]:
    """One guest checkout on its own connection; every fourth with edge-case data."""
    edge = n % 4 == 0
    address = {**estate.address, **(EDGE if edge else {})}
    base = f"{estate.sim_url}/rest/V1/guest-carts"
    with httpx.Client(timeout=30.0, trust_env=False) as http:
        masked = http.post(base).raise_for_status().json()
        http.post(f"{base}/{masked}/items", json={"cartItem": {
            "sku": f"SKU-{n % 5 + 1}", "qty": 1, "quote_id": masked}}).raise_for_status()
        http.post(f"{base}/{masked}/shipping-information", json={"addressInformation": {
            "shipping_address": address, "billing_address": address,
            "shipping_carrier_code": "flatrate", "shipping_method_code": "flatrate"}}
                  ).raise_for_status()
        r = http.post(f"{base}/{masked}/payment-information", json={
            "email": "ada@example.com", "paymentMethod": {"method": "checkmo"}})
    assert r.status_code == 200, r.text   # Magento accepts what the ERP will refuse
    return int(r.json()), edge


def test_refused_orders_are_dead_at_once_and_the_rest_arrive_exactly_once(
        estate_factory: Any) -> None:
    estate = estate_factory("good", sim_config={"visibility": "realistic",
                                                "visibility_delay_ms": 150})
    with ThreadPoolExecutor(4) as pool:
        placed = list(pool.map(lambda n: _checkout(estate, n), range(ORDERS)))
    by_entity = {o.entity_id: o.increment_id for o in estate.orders()}
    refused = sorted(by_entity[e] for e, edge in placed if edge)
    accepted = sorted(by_entity[e] for e, edge in placed if not edge)
    metrics = estate.wait_drained()
    assert metrics["exported"] == len(accepted) and metrics["dead_letters"] == len(refused)
    erp = estate.erp_orders()
    assert sorted(erp) == accepted
    assert all(len(rows) == 1 and rows[0]["attempts"] == 1 for rows in erp.values())
    requests = estate.evidence("erp", "requests")["records"]["requests"]
    per_order: dict[str, list[dict[str, Any]]] = {}
    for row in requests:
        per_order.setdefault(row["increment_id"], []).append(row)
    for increment_id in refused:          # one attempt each: refused for the data, not retried
        assert [(r["status"], r["outcome"]) for r in per_order[increment_id]] == \
            [(422, "rejected")]
    dead = estate.http.get(f"{estate.sim_url}/__admin/integration/dead-letters").json()
    assert sorted(d["increment_id"] for d in dead["items"]) == refused
    assert all(d["attempts"] == 1 and "422" in d["last_error"] for d in dead["items"])
