"""Fault rules that match the request body and stick: "reject this order every time"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from peakready.mockkit import FaultSwitch, MockKit
from peakready.mockkit.body_match import parse_path


def _switch(spec: object, seed: int = 0) -> FaultSwitch:
    switch = FaultSwitch(seed)
    switch.replace(switch.parse(spec))
    return switch


def _body(**data: Any) -> bytes:
    return orjson.dumps({"increment_id": "000000001", "items": [{"sku": "A", "qty": 1}],
                         "paid": True, **data})


@pytest.mark.parametrize(("path", "steps"), [
    ("$.items[0].sku", ("items", 0, "sku")), ("items.0.sku", ("items", 0, "sku")),
    ("increment_id", ("increment_id",)), ('$["odd key"]', ("odd key",)),
])
def test_json_paths(path: str, steps: tuple[Any, ...]) -> None:
    assert parse_path(path) == steps


@pytest.mark.parametrize(("match", "body", "fires"), [
    ({"json_path": "$.increment_id", "equals": "000000001"}, _body(), True),
    ({"json_path": "$.increment_id", "equals": "000000002"}, _body(), False),
    ({"json_path": "$.items[0].sku", "regex": "^A$"}, _body(), True),
    ({"json_path": "$.items[1].sku", "regex": "."}, _body(), False),           # absent
    ({"json_path": "$.items[0].qty", "equals": 1}, _body(), True),
    ({"json_path": "$.paid", "equals": 1}, _body(), False),            # true is not 1
    ({"json_path": "$.paid", "equals": True}, _body(), True),
    ({"json_path": "$.tel", "regex": ".{21,}"}, _body(tel="+1 555 010 0199 ext. 4471"), True),
    ({"regex": "HOT-\\d+"}, b'{"sku": "HOT-12"}', True),
    ({"json_path": "a", "equals": 1}, b"not json", False),
    ([{"json_path": "paid", "equals": True}, {"json_path": "increment_id", "regex": "9$"}],
     _body(), False),                                                  # every one must hold
])
def test_body_match(match: Any, body: bytes, fires: bool) -> None:
    switch = _switch({"id": "m", "status": 422, "match": match})
    assert switch.needs_body
    assert (switch.check("POST", "/api/orders", body=body) is not None) is fires


def test_sticky_rate_is_drawn_once_per_idempotency_key_else_per_body() -> None:
    switch = _switch({"id": "s", "status": 422, "rate": 0.5, "sticky": True})
    keys = [f"k-{i}" for i in range(200)]
    first = [switch.check("POST", "/x", key=k, body=b"{}") is not None for k in keys]
    again = [switch.check("POST", "/x", key=k, body=b"{}") is not None for k in keys]
    assert first == again                          # a retry meets the same decision
    assert 60 <= sum(first) <= 140                 # and the rate still holds over keys
    bodies = [_body(increment_id=str(i)) for i in range(200)]
    by_body = [switch.check("POST", "/x", body=b) is not None for b in bodies]
    assert by_body == [switch.check("POST", "/x", body=b) is not None for b in bodies]
    assert 0 < sum(by_body) < 200


def test_non_sticky_rate_lets_a_retry_through() -> None:
    """Before issue 14 a rejection could not be made to stick: the draw is per request."""
    switch = _switch({"id": "n", "status": 422, "rate": 0.5})
    draws = [switch.check("POST", "/x", key="same", body=b"{}") is not None
             for _ in range(50)]
    assert 0 < sum(draws) < 50


def test_rules_with_match_round_trip_to_json() -> None:
    spec = {"id": "m", "path": "/api/orders", "status": 422, "sticky": True, "rate": 0.2,
            "match": [{"json_path": "$.items[0].sku", "equals": "A"}]}
    rule = _switch(spec).rules[0].to_json()
    again = _switch({k: v for k, v in rule.items() if k != "hits"}).rules[0].to_json()
    assert rule == again and rule["sticky"] is True
    assert rule["match"] == [{"json_path": "$.items[0].sku", "equals": "A"}]


def test_reject_this_order_every_time_is_one_rule(erp: Callable[..., Any]) -> None:
    client = erp()
    client.put("/__admin/faults", json={
        "id": "refuse-7", "path": "/api/orders", "methods": ["POST"], "status": 422,
        "sticky": True, "match": {"json_path": "$.increment_id", "equals": "000000007"}})

    def order(increment_id: str) -> dict[str, Any]:
        return {"increment_id": increment_id, "customer_email": "a@b.co",
                "items": [{"sku": "A", "qty": 1, "price": 1}], "totals": {"grand_total": 1}}

    statuses = [client.post("/api/orders", json=order(i),
                            headers={"Idempotency-Key": i}).status_code
                for i in ("000000007", "000000008", "000000007", "000000007")]
    assert statuses == [422, 201, 422, 422]
    requests = client.get("/__admin/evidence", params={"kind": "requests"}).json()
    assert [r["faults"] for r in requests["records"]["requests"]] == \
        [["refuse-7"], [], ["refuse-7"], ["refuse-7"]]


def test_body_is_not_buffered_without_body_rules(tmp_path: Path) -> None:
    from peakready.mockkit import MockSettings

    kit = MockKit(MockSettings("x", data_dir=tmp_path), title="x")
    kit.faults.replace(kit.faults.parse({"status": 503}))
    assert not kit.faults.needs_body
    kit.faults.add(kit.faults.parse({"id": "b", "status": 422,
                                     "match": {"regex": "x"}}))
    assert kit.faults.needs_body
    kit.faults.remove("b")
    assert not kit.faults.needs_body


def test_sticky_is_a_strict_boolean() -> None:
    assert _switch({"status": 422, "rate": 0.5, "sticky": "false"}).rules[0].sticky is False
    assert _switch({"status": 422, "rate": 0.5, "sticky": "on"}).rules[0].sticky is True
