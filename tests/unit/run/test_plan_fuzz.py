"""Hypothesis over malformed plans: always a ConfigError naming the file and a key path, never
a traceback (any other exception fails the test)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakready.config import parse_plan
from peakready.errors import ConfigError

_SMOKE = yaml.safe_load((Path(__file__).resolve().parents[3] / "fixtures" / "plans" /
                         "smoke.yaml").read_text())

junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["2x", "-5s", "90s", "1h", "maybe", "", "erp", "*"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=6), st.integers(),
                                                         max_size=2))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_ALL = _paths(_SMOKE)


def _set(plan: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = plan
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _drop(plan: dict[str, Any], path: tuple[Any, ...]) -> None:
    node: Any = plan
    for part in path[:-1]:
        node = node[part]
    if isinstance(node, dict):
        del node[path[-1]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["set", "drop", "add"]), st.sampled_from(_ALL), junk,
                          st.text(min_size=1, max_size=10)), min_size=1, max_size=4))
def test_a_malformed_plan_is_always_a_config_error_with_a_key_path(
        mutations: list[tuple[str, tuple[Any, ...], Any, str]]) -> None:
    plan = copy.deepcopy(_SMOKE)
    touched = set()
    for action, path, value, key in mutations:
        try:
            if action == "set":
                _set(plan, path, value)
            elif action == "drop":
                _drop(plan, path)
            else:
                _set(plan, (*path[:-1], f"x_{key}"), value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
        touched.add(str(path[0]))
    try:
        parse_plan(plan, source="p.yaml")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("p.yaml: ")
        assert any(top in message for top in touched), message


def test_the_smoke_plan_itself_is_valid() -> None:
    assert parse_plan(copy.deepcopy(_SMOKE), source="p.yaml").name == "smoke"
