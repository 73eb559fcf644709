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
    assert FAULT_KINDS.names() == ("delay_ms", "close", "status", "truncate", "slow_body")
    assert list(KINDS) == list(FAULT_KINDS.names())


def test_a_field_name_is_taken_once() -> None:
    with pytest.raises(ValueError, match="fault kind 'status' is registered twice"):
        FAULT_KINDS.register("status", StatusKind())


def test_the_listing_is_read_only_and_unknown_names_say_what_is_known() -> None:
    with pytest.raises(TypeError):
        KINDS["status"] = StatusKind()  # type: ignore[index]
    with pytest.raises(ConfigError, match="unknown fault kind 'stauts'; did you mean 'status'"):
        FAULT_KINDS["stauts"]
