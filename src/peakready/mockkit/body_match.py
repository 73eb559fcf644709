"""Body matches of fault rules: fire only on requests whose JSON body says so.

::

    "match": {"json_path": "$.shipping_address.telephone", "regex": ".{21,}"}
    "match": {"json_path": "increment_id", "equals": "000000007"}
    "match": {"regex": "HOT-\\d+"}                       (the raw body, decoded as UTF-8)
    "match": [{...}, {...}]                             (every one must hold)

A JSON path is ``$`` (optional) then ``.key`` or ``[n]`` steps (``items[0].sku``,
``$.items.0.sku``). ``equals`` compares JSON values (``1`` equals ``1.0``, not ``"1"``);
``regex`` searches a string value (other values as their JSON text). A path that is absent,
or a body that is not JSON, does not match. The body is decoded once per request, and only
when some active rule has a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import model_validator

from peakready.configmodel import StrictModel

__all__ = ["BodyMatch", "BodyMatchSpec", "RequestBody", "parse_path"]

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[\"([^\"]*)\"\]")
_ABSENT = object()


def parse_path(text: str) -> tuple[str | int, ...]:
    """``$.items[0].sku`` → ("items", 0, "sku"); ValueError naming what is wrong."""
    rest = text.strip()
    if rest.startswith("$"):
        rest = rest[1:]
    if rest and rest[0] not in ".[":
        rest = "." + rest
    steps: list[str | int] = []
    at = 0
    while at < len(rest):
        found = _STEP.match(rest, at)
        if found is None:
            raise ValueError(f"json_path {text!r}: cannot read from {rest[at:]!r}; write e.g. "
                             f"'$.items[0].sku'")
        key, index, quoted = found.groups()
        if index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(quoted)
        else:
            steps.append(int(key) if key.isdigit() else key)
        at = found.end()
    if not steps:
        raise ValueError(f"json_path {text!r}: names no field")
    return tuple(steps)


class BodyMatchSpec(StrictModel):
    """One condition as the rule's JSON writes it (validated by peakready.configmodel)."""

    json_path: str | None = None
    equals: Any = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> BodyMatchSpec:
        has_equals = "equals" in self.model_fields_set
        if has_equals == (self.regex is not None):
            raise ValueError("a match needs exactly one of equals or regex")
        if has_equals and self.json_path is None:
            raise ValueError("equals needs a json_path")
        if self.json_path is not None:
            parse_path(self.json_path)
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex {self.regex!r} is not a regular expression: "
                                 f"{exc}") from None
        return self


@dataclass(frozen=True)
class BodyMatch:
    path: tuple[str | int, ...] | None
    equals: Any
    has_equals: bool
    regex: re.Pattern[str] | None

    @classmethod
    def of(cls, spec: BodyMatchSpec) -> BodyMatch:
        return cls(parse_path(spec.json_path) if spec.json_path is not None else None,
                   spec.equals, "equals" in spec.model_fields_set,
                   re.compile(spec.regex) if spec.regex is not None else None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.path is not None:
            out["json_path"] = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}"
                                             for s in self.path)
        if self.has_equals:
            out["equals"] = self.equals
        if self.regex is not None:
            out["regex"] = self.regex.pattern
        return out

    def holds(self, body: RequestBody) -> bool:
        if self.path is None:
            assert self.regex is not None
            return self.regex.search(body.text()) is not None
        value = body.at(self.path)
        if value is _ABSENT:
            return False
        if self.has_equals:
            return _json_equal(value, self.equals)
        assert self.regex is not None
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        return self.regex.search(text) is not None


def _json_equal(value: Any, expected: Any) -> bool:
    # JSON's true is not the number 1 (Python's True == 1 is).
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return bool(value == expected)


class RequestBody:
    """A request body decoded lazily, at most once, for every rule that looks at it."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._text: str | None = None
        self._json: Any = _ABSENT
        self._decoded = False

    def text(self) -> str:
        if self._text is None:
            self._text = self.raw.decode("utf-8", errors="replace")
        return self._text

    def at(self, path: tuple[str | int, ...]) -> Any:
        if not self._decoded:
            self._decoded = True
            try:
                self._json = orjson.loads(self.raw) if self.raw else _ABSENT
            except orjson.JSONDecodeError:
                self._json = _ABSENT
        node = self._json
        for step in path:
            if isinstance(node, dict) and isinstance(step, str) and step in node:
                node = node[step]
            elif isinstance(node, dict) and isinstance(step, int) and str(step) in node:
                node = node[str(step)]
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return _ABSENT
        return node
