"""The slice of SuiteQL (NetSuite's SQL) the ``netsuite`` dialect answers.

``SELECT col, ... | * FROM table [WHERE cond AND cond ...] [ORDER BY col [ASC|DESC]]`` where a
condition is ``col IN (v, ...)``, ``col = v``, ``col <> v``, ``col > v`` (``>=``, ``<``,
``<=``) and ``v`` a number or a ``'quoted'`` text. Column names are case-insensitive and come
back lower-cased; values come back as text, as NetSuite sends them. Anything else is a
:class:`SuiteQLError` (a 400 ``INVALID_PARAMETER``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Query", "SuiteQLError", "parse", "run"]

_QUERY = re.compile(r"^\s*SELECT\s+(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
                    r"(?:\s+WHERE\s+(?P<where>.+?))?"
                    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?\s*;?\s*$",
                    re.I | re.S)
_COND = re.compile(r"^\s*(\w+)\s*(?:(IN)\s*\((.*)\)|(=|<>|!=|>=|<=|>|<)\s*(.+?))\s*$",
                   re.I | re.S)
_VALUE = re.compile(r"\s*('(?:[^']|'')*'|-?[0-9.]+)\s*(?:,|$)")


class SuiteQLError(ValueError):
    pass


class Query:
    def __init__(self, columns: list[str] | None, table: str,
                 conditions: list[tuple[str, str, Any]], order: tuple[str, bool] | None
                 ) -> None:
        self.columns, self.table, self.conditions, self.order = \
            columns, table, conditions, order


def _value(text: str) -> Any:
    text = text.strip()
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise SuiteQLError(f"not a value: {text!r}") from None


def _values(text: str) -> list[Any]:
    out, pos = [], 0
    while pos < len(text):
        match = _VALUE.match(text, pos)
        if match is None:
            raise SuiteQLError(f"cannot read the list ({text})")
        out.append(_value(match.group(1)))
        pos = match.end()
    return out


def parse(text: str) -> Query:
    match = _QUERY.match(text or "")
    if match is None:
        raise SuiteQLError("only SELECT ... FROM table [WHERE ...] [ORDER BY ...] is served")
    cols = match.group("cols").strip()
    columns = None if cols == "*" else [c.strip().lower() for c in cols.split(",")]
    conditions = []
    if match.group("where"):
        for part in re.split(r"\s+AND\s+", match.group("where"), flags=re.I):
            cond = _COND.match(part)
            if cond is None:
                raise SuiteQLError(f"cannot read the condition {part.strip()!r}")
            if cond.group(2):
                conditions.append((cond.group(1).lower(), "in", _values(cond.group(3))))
            else:
                conditions.append((cond.group(1).lower(), cond.group(4),
                                   _value(cond.group(5))))
    order = (match.group("order").lower(), (match.group("dir") or "").upper() == "DESC") \
        if match.group("order") else None
    return Query(columns, match.group("table").lower(), conditions, order)


def _holds(row: dict[str, Any], column: str, op: str, value: Any) -> bool:
    got = row.get(column)
    if op == "in":
        return got in value or str(got) in [str(v) for v in value]
    if isinstance(value, int | float) and not isinstance(got, int | float):
        try:
            got = float(str(got))
        except ValueError:
            return False
    if isinstance(value, str):
        got = "" if got is None else str(got)
    try:
        return bool({"=": got == value, "<>": got != value, "!=": got != value,
                     ">": got > value, ">=": got >= value, "<": got < value,
                     "<=": got <= value}[op])
    except TypeError:
        return False


def run(query: Query, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The query over ``rows`` (lower-case column names), values as text."""
    found = [r for r in rows if all(_holds(r, c, op, v) for c, op, v in query.conditions)]
    if query.order is not None:
        column, descending = query.order
        found.sort(key=lambda r: (r.get(column) is None, r.get(column)), reverse=descending)
    return [{c: None if r.get(c) is None else str(r.get(c))
             for c in (query.columns or list(r))} for r in found]
