"""The subset of SOQL the Salesforce dialect answers: what connectors send to find contacts.

    SELECT f1, f2 FROM Contact [WHERE f = 'v' [AND f IN ('a', 'b') ...]] [ORDER BY f] [LIMIT n]

``parse`` returns the selected fields, the conditions and the limit, or raises
:class:`SoqlError` with Salesforce's error code (``MALFORMED_QUERY``, ``INVALID_FIELD``).
Matching is case-insensitive, as Salesforce compares text.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

__all__ = ["Select", "SoqlError", "parse"]

_SELECT = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
                     r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>[\w, ]+?))?"
                     r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$", re.IGNORECASE | re.DOTALL)
_CONDITION = re.compile(r"^\s*(?P<field>\w+)\s*(?:=\s*(?P<value>'(?:[^'\\]|\\.)*'|[\w.+-]+)"
                        r"|\s+IN\s*\((?P<values>[^)]*)\))\s*$", re.IGNORECASE)


class SoqlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Select:
    fields: list[str]
    conditions: list[tuple[str, set[str]]]   # field, the values it may have (lower case)
    limit: int | None

    def matches(self, record: dict[str, Any]) -> bool:
        return all(str(record.get(field)).lower() in wanted
                   for field, wanted in self.conditions)


def _literal(text: str) -> str:
    text = text.strip()
    if text.startswith("'") and text.endswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse(query: str, sobject: str, known: Collection[str]) -> Select:
    match = _SELECT.match(query)
    if match is None or match["object"].lower() != sobject.lower():
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: the mock serves SELECT f1, f2 "
                        f"FROM {sobject} [WHERE f = 'v' [AND ...]] [LIMIT n]")
    fields = [f.strip() for f in match["fields"].split(",")]
    for name in fields:
        if name not in known:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'")
    conditions = []
    for text in re.split(r"\s+AND\s+", match["where"] or "", flags=re.IGNORECASE):
        if not text.strip():
            continue
        condition = _CONDITION.match(text)
        if condition is None or condition["field"] not in known:
            raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {text.strip()}")
        values = condition["values"].split(",") if condition["values"] is not None \
            else [condition["value"]]
        conditions.append((condition["field"], {_literal(v).lower() for v in values}))
    return Select(fields, conditions, int(match["limit"]) if match["limit"] else None)
