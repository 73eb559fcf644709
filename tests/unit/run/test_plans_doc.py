"""docs/plans.md documents every key of every part of the plan model, under its key path."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from peakready.config import Plan

_HEADING = re.compile(r"^### `([^`]+)`\s*$")
_ROW = re.compile(r"^\| `([^`]+)` \|")


def _documented(doc: str) -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in doc.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = sections.setdefault(heading.group(1), set())
        elif current is not None and (row := _ROW.match(line)):
            current.add(row.group(1))
    return sections


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _paths(model: type[BaseModel], path: str) -> dict[str, type[BaseModel]]:
    """Every model reachable from the plan, by the key path the docs head it with."""
    paths = {path: model}
    for name, field in model.model_fields.items():
        key = field.alias or name
        is_list = typing.get_origin(field.annotation) is list or any(
            typing.get_origin(a) is list for a in typing.get_args(field.annotation))
        is_dict = typing.get_origin(field.annotation) is dict
        for sub in _models(field.annotation):
            child = key if path == "(plan)" else f"{path}.{key}"
            if is_list:
                child += "[]"
            if is_dict:  # slo's gates: {name: SloSpec}
                child = f"{path}.<gate>"
            paths.update(_paths(sub, child))
    return paths


def test_every_plan_key_is_documented_under_its_key_path(repo_root: Path) -> None:
    sections = _documented((repo_root / "docs" / "plans.md").read_text("utf-8"))
    missing = []
    for path, model in _paths(Plan, "(plan)").items():
        documented = sections.get(path)
        if documented is None:
            missing.append(f"section ### `{path}` ({model.__name__})")
            continue
        for name, field in model.model_fields.items():
            if (field.alias or name) not in documented:
                missing.append(f"{path}: key `{field.alias or name}`")
    assert not missing, "docs/plans.md lacks (add a table row per key): " + "; ".join(missing)


def test_the_walk_finds_the_nested_parts(repo_root: Path) -> None:
    # Guards the test above against walking nothing.
    paths = _paths(Plan, "(plan)")
    assert {"target.connector", "load.flash_sale", "faults[]", "faults[].http",
            "slo.<gate>", "target.magento"} <= set(paths)
