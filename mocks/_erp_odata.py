"""The slice of OData the ERP dialects' collections take (Business Central, SAP B1).

``$filter``: comparisons ``field op literal`` joined by ``and`` (``eq ne gt ge lt le``;
literals: ``'text'`` with ``''`` for a quote, numbers, ``true``/``false``, unquoted ISO
datetimes and GUIDs); ``$top`` / ``$skip`` paging with a next link. Anything else in a
``$filter`` is a :class:`ODataError` the dialect answers in its vendor's error shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ODataError", "compile_filter", "holds", "page"]

_TERM = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_/]*)\s+(eq|ne|gt|ge|lt|le)\s+"
    r"('(?:[^']|'')*'|[0-9TZ:.+\-]+|true|false|null|[0-9a-fA-F\-]{36})\s*", re.I)
_AND = re.compile(r"\s+and\s+", re.I)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b, "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b, "le": lambda a, b: a is not None and a <= b,
}


class ODataError(ValueError):
    """A query option this ERP cannot take (the dialect answers 400 in its shape)."""


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text   # a datetime or a GUID: compared as text (ISO sorts as time)


def compile_filter(text: str | None) -> list[tuple[str, str, Any]]:
    """``$filter`` → [(field, op, value)], all to hold."""
    if not text:
        return []
    terms = []
    for part in _AND.split(text.strip()):
        match = _TERM.fullmatch(part)
        if match is None:
            raise ODataError(f"cannot parse $filter term {part!r}")
        terms.append((match.group(1), match.group(2).lower(), _literal(match.group(3))))
    return terms


def holds(terms: list[tuple[str, str, Any]], record: dict[str, Any]) -> bool:
    for field, op, value in terms:
        got = record.get(field)
        if isinstance(value, str) and got is not None and not isinstance(got, str):
            got = str(got)
        if isinstance(value, int | float) and isinstance(got, str):
            return False
        if not _OPS[op](got, value):
            return False
    return True


def page(records: Iterable[dict[str, Any]], terms: list[tuple[str, str, Any]], *,
         skip: int, top: int | None, page_size: int) -> tuple[list[dict[str, Any]], int | None]:
    """The matching records from ``skip`` (at most ``top``, at most ``page_size`` a page) and
    the ``$skip`` of the next page, or None on the last."""
    matching = [r for r in records if holds(terms, r)]
    end = len(matching) if top is None else min(len(matching), skip + top)
    chunk = matching[skip:min(end, skip + page_size)]
    following = skip + len(chunk)
    return chunk, following if following < end else None
