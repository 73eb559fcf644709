"""An in-house ERP described by a contract: requests mapped by JSON pointers onto the one
store, responses rendered from templates, and a contract that cannot work reported (422 +
``contract_errors`` evidence), never passed silently. In-process (ASGI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.unit.mockkit.conftest import Client, load_mock

from peakready.errors import ConfigError
from peakready.mockkit import MockSettings

CONTRACT: dict[str, Any] = {
    "create_order": {
        "method": "POST", "path": "/v1/sales-orders", "increment_id": "/header/reference",
        "lines": "/lines", "sku": "/item", "qty": "/quantity", "price": "/unitPrice",
        "idempotency_header": "X-Request-Id", "success_status": 201,
        "response": {"id": "{erp_order_id}", "reference": "{increment_id}",
                     "note": "order {erp_order_id}"}},
    "read_stock": {"path": "/v1/stock/{sku}", "response": {"item": "{sku}",
                                                           "onHand": "{qty}"}},
    "stock_feed": {"path": "/v1/stock-changes", "cursor_param": "since",
                   "response": {"changes": "{items}", "next": "{next_cursor}",
                                "more": "{has_more}"},
                   "item": {"item": "{sku}", "onHand": "{qty}"}},
    "order_updates": {"path": "/v1/order-events", "cursor_param": "after",
                      "response": {"events": "{items}", "next": "{next_cursor}"},
                      "item": {"reference": "{increment_id}", "state": "{status}"}},
    "lookup_order": {"path": "/v1/sales-orders/by-reference/{increment_id}",
                     "response": {"found": "{count}"}},
}


def _client(tmp_path: Path, contract: dict[str, Any], **options: Any) -> Client:
    path = tmp_path / "my-erp.yaml"
    path.write_text(yaml.safe_dump(contract), "utf-8")
    app = load_mock("erp").create_app(MockSettings("erp", data_dir=tmp_path / "data", options={
        "contract": str(path), "stock": {"SKU-1": 10}, "movements_per_second": 0,
        "pick_after": 0, "ship_after": 0, "invoice_after": 3600, **options}))
    return Client(app)


def _order(ref: str) -> dict[str, Any]:
    return {"header": {"reference": ref}, "lines": [{"item": "SKU-1", "quantity": 2,
                                                     "unitPrice": 4.5}]}


def test_contract_maps_create_reads_and_feeds_onto_the_one_store(tmp_path: Path) -> None:
    erp = _client(tmp_path, CONTRACT)
    created = erp.post("/v1/sales-orders", json=_order("000000501"),
                       headers={"X-Request-Id": "k-1"})
    assert created.status_code == 201
    assert created.json() == {"id": "SO-0000001", "reference": "000000501",
                              "note": "order SO-0000001"}
    replay = erp.post("/v1/sales-orders", json=_order("000000501"),
                      headers={"X-Request-Id": "k-1"})
    assert replay.json()["id"] == "SO-0000001"
    assert erp.get("/v1/sales-orders/by-reference/000000501").json() == {"found": 1}
    # shipped at once (ship_after 0): the shipment took its 2 units
    assert erp.get("/v1/stock/SKU-1").json() == {"item": "SKU-1", "onHand": 8}
    feed = erp.get("/v1/stock-changes", params={"since": 0}).json()
    assert feed["changes"] == [{"item": "SKU-1", "onHand": 8}] and feed["more"] is False
    updates = erp.get("/v1/order-events", params={"after": 0}).json()["events"]
    assert {"reference": "000000501", "state": "shipped"} in updates
    evidence = erp.get("/__admin/evidence").json()["records"]
    [order] = evidence["orders"]
    assert (order["increment_id"], order["attempts"]) == ("000000501", 2)
    assert [r["outcome"] for r in evidence["requests"]] == ["created", "replayed"]


def test_a_pointer_that_never_resolves_is_a_422_and_contract_error_evidence(
        tmp_path: Path) -> None:
    broken = {**CONTRACT, "create_order": {**CONTRACT["create_order"],
                                           "increment_id": "/header/ref"}}
    erp = _client(tmp_path, broken)
    reply = erp.post("/v1/sales-orders", json=_order("000000502"))
    assert reply.status_code == 422
    assert reply.json()["unresolved"] == ["increment_id at '/header/ref'"]
    evidence = erp.get("/__admin/evidence").json()["records"]
    assert evidence["orders"] == []
    [error] = evidence["contract_errors"]
    assert error["unresolved"] == ["increment_id at '/header/ref'"]
    [attempt] = evidence["requests"]
    assert (attempt["status"], attempt["outcome"]) == (422, "contract_error")


def test_a_malformed_contract_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"create_order\.lines"):
        _client(tmp_path, {"create_order": {"path": "/v1/o", "increment_id": "/r",
                                            "sku": "/s", "qty": "/q"}})
