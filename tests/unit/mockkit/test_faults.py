from __future__ import annotations

import time

import pytest

from peakready.mockkit import FaultError, FaultSwitch


def _switch(spec: object, seed: int = 0) -> FaultSwitch:
    switch = FaultSwitch(seed)
    switch.replace(switch.parse(spec))
    return switch


@pytest.mark.parametrize(("spec", "message"), [
    ({"path": "/a"}, "needs an action"),
    ({"status": 700}, "status: must be between"),
    ({"status": "500"}, "status: must be an integer"),
    ({"status": 500, "rate": 1.5}, r"fault rule 'rule-1': rate = 1.5: .*less than or equal"),
    ({"status": 500, "bogus": 1}, "bogus = 1: unknown key"),
    ({"status": 500, "stiky": True}, "did you mean 'sticky'"),
    ({"status": 500, "sticky": "maybe"}, "sticky = 'maybe'"),
    ({"status": 500, "match": {"json_path": "a"}}, "exactly one of equals or regex"),
    ({"status": 500, "match": {"equals": 1}}, "equals needs a json_path"),
    ({"status": 500, "match": {"regex": "("}}, "not a regular expression"),
    ({"status": 500, "match": {"json_path": "a..b", "equals": 1}}, "json_path"),
    ({"retry_after": 5, "delay_ms": 1}, "retry_after: only meaningful with 'status'"),
    ({"delay_ms": {"distribution": "pareto", "mean": 3}}, "distribution"),
    ({"delay_ms": {"distribution": "uniform", "min": 5}}, "delay_ms.max: required"),
    ({"slow_body": {}}, "bytes_per_second: required"),
    ({"status": 500, "path_regex": "("}, "path_regex"),
    ({"close": "yes"}, "close: must be true or false"),
    ([{"id": "a", "status": 500}, {"id": "a", "status": 502}], "duplicate rule ids"),
])
def test_malformed_rules_are_refused_naming_the_field(spec: object, message: str) -> None:
    with pytest.raises(FaultError, match=message):
        FaultSwitch().parse(spec)


def test_glob_path_and_method_matching() -> None:
    switch = _switch({"rules": [{"id": "r", "path": "/api/orders*", "methods": ["post"],
                                 "status": 503}]})
    assert switch.check("POST", "/api/orders") is not None
    assert switch.check("POST", "/api/orders/SO-1/x") is not None
    assert switch.check("GET", "/api/orders") is None
    assert switch.check("POST", "/api/stock") is None


def test_regex_path() -> None:
    switch = _switch({"path_regex": r"/api/stock/HOT-\d+", "status": 500})
    assert switch.check("GET", "/api/stock/HOT-12") is not None
    assert switch.check("GET", "/api/stock/PR-12") is None


def test_rate_is_within_tolerance_over_1000_requests_and_reproducible() -> None:
    def hits(seed: int) -> list[bool]:
        switch = _switch({"id": "half", "status": 503, "rate": 0.3}, seed=seed)
        return [switch.check("GET", "/x") is not None for _ in range(1000)]

    first = hits(seed=7)
    # Binomial(1000, 0.3): sd ~ 14.5; +-60 is a > 4 sigma band.
    assert 240 <= sum(first) <= 360
    assert hits(seed=7) == first
    assert hits(seed=8) != first


def test_expiry_by_time_and_by_hits() -> None:
    switch = _switch([{"id": "old", "status": 500, "expires_at": time.time() - 1},
                      {"id": "twice", "status": 502, "max_hits": 2}])
    fired = [switch.check("GET", "/x") for _ in range(3)]
    assert [f.answer[2] if f and f.answer else None for f in fired] == \
        ["twice", "twice", None]
    assert switch.active() == []


def test_expires_in_is_relative_to_now() -> None:
    switch = _switch({"status": 500, "expires_in": 0.5})
    assert switch.check("GET", "/x") is not None
    time.sleep(0.6)
    assert switch.check("GET", "/x") is None


def test_several_rules_combine_delays_and_first_terminal_wins() -> None:
    switch = _switch([{"id": "slow", "delay_ms": 100}, {"id": "lag", "delay_ms": 50},
                      {"id": "boom", "status": 503}, {"id": "cut", "truncate": {"bytes": 3}},
                      {"id": "bad", "status": 500}])
    firing = switch.check("GET", "/x")
    assert firing is not None
    assert firing.delay_ms == pytest.approx(150)
    assert firing.answer is not None
    assert (firing.answer[0].name, firing.answer[2]) == ("status", "boom")
    assert [(kind.name, rule_id) for kind, _, rule_id in firing.body] == [("truncate", "cut")]
    assert firing.rule_ids == ("slow", "lag", "boom", "cut", "bad")


@pytest.mark.parametrize(("delay", "low", "high"), [
    ({"distribution": "uniform", "min": 10, "max": 20}, 10, 20),
    ({"distribution": "normal", "mean": 50, "stddev": 5}, 20, 80),
    ({"distribution": "exponential", "mean": 10}, 0, 200),
    (25, 25, 25),
])
def test_delay_distributions_draw_in_range(delay: object, low: float, high: float) -> None:
    switch = _switch({"delay_ms": delay}, seed=3)
    draws = [switch.check("GET", "/x").delay_ms for _ in range(300)]  # type: ignore[union-attr]
    assert all(low <= d <= high for d in draws)
    if low != high:
        assert len(set(draws)) > 100


def test_every_registered_kind_has_its_own_file_and_role() -> None:
    from peakready.mockkit import KINDS

    assert set(KINDS) == {"delay_ms", "close", "status", "truncate", "slow_body",
                          "error_in_200", "concurrency_limit", "session_expiry", "stale_lookup",
                          "api_limit"}
    assert {k.role for k in KINDS.values()} == {"delay", "answer", "body", "mark"}
    assert len({type(k).__module__ for k in KINDS.values()}) == len(KINDS)


def test_mark_kinds_are_collected_for_the_business_layer_first_of_each_wins() -> None:
    switch = _switch([{"id": "stale", "stale_lookup": True},
                      {"id": "limit-a", "concurrency_limit": 3},
                      {"id": "limit-b", "concurrency_limit": 9}])
    firing = switch.check("GET", "/x")
    assert firing is not None and firing.answer is None
    assert firing.marks == {"stale_lookup": ({}, "stale"),
                            "concurrency_limit": ({"max_in_flight": 3.0, "hold_ms": 200.0},
                                                  "limit-a")}


def test_body_kinds_wrap_truncate_closest_to_the_wire() -> None:
    switch = _switch([{"id": "slow", "slow_body": {"bytes_per_second": 10}},
                      {"id": "cut", "truncate": 5}])
    firing = switch.check("GET", "/x")
    assert firing is not None
    assert [kind.name for kind, _, _ in firing.body] == ["truncate", "slow_body"]


def test_rules_round_trip_to_json() -> None:
    switch = _switch({"id": "r", "path": "/a*", "methods": ["GET"], "status": 503,
                      "retry_after": 5, "delay_ms": {"distribution": "uniform", "min": 1,
                                                     "max": 2}, "rate": 0.5})
    out = switch.active()[0].to_json()
    assert out["status"] == 503 and out["retry_after"] == 5 and out["methods"] == ["GET"]
    assert out["delay_ms"] == {"distribution": "uniform", "min": 1, "max": 2}
    again = FaultSwitch().parse({k: v for k, v in out.items() if k != "hits"})
    assert again[0].to_json() == {**out, "hits": 0}
