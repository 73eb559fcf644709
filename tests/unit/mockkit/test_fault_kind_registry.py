"""HTTP fault kinds live in the one registry helper: a field name is taken once, the listing
is read-only and keeps the order roles depend on ("close" answers before "status")."""

from __future__ import annotations

import pytest

from peakready.errors import ConfigError
from peakready.mockkit.fault_kinds import FAULT_KINDS, KINDS
from peakready.mockkit.fault_kinds.status import StatusKind
from peakready.registry import Registry


def test_fault_kinds_are_a_registry_in_role_order() -> None:
    assert isinstance(FAULT_KINDS, Registry)
    assert FAULT_KINDS.names() == ("delay_ms", "close", "status", "truncate", "slow_body",
                                   "error_in_200", "concurrency_limit", "session_expiry",
                                   "stale_lookup", "api_limit")
    assert list(KINDS) == list(FAULT_KINDS.names())


def test_a_field_name_is_taken_once() -> None:
    with pytest.raises(ValueError, match="fault kind 'status' is registered twice"):
        FAULT_KINDS.register("status", StatusKind())


def test_the_listing_is_read_only_and_unknown_names_say_what_is_known() -> None:
    with pytest.raises(TypeError):
        KINDS["status"] = StatusKind()  # type: ignore[index]
    with pytest.raises(ConfigError, match="unknown fault kind 'stauts'; did you mean 'status'"):
        FAULT_KINDS["stauts"]


def test_mark_kinds_take_true_or_their_own_settings() -> None:
    from peakready.mockkit.fault_kinds import FaultError

    limit = KINDS["concurrency_limit"]
    assert limit.role == "mark"
    assert limit.parse({"concurrency_limit": True}) == {"max_in_flight": 2.0, "hold_ms": 200.0}
    assert limit.parse({"concurrency_limit": 5}) == {"max_in_flight": 5.0, "hold_ms": 200.0}
    assert limit.to_json(limit.parse({"concurrency_limit": {"hold_ms": 50}})) == {
        "concurrency_limit": {"max_in_flight": 2.0, "hold_ms": 50.0}}
    with pytest.raises(FaultError, match=r"concurrency_limit\.max_inflight: unknown"):
        limit.parse({"concurrency_limit": {"max_inflight": 3}})
    assert KINDS["error_in_200"].parse({"error_in_200": True}) == {}
    assert KINDS["stale_lookup"].to_json({}) == {"stale_lookup": True}
