"""searchCriteria: query-string parsing, filtering, sorting and paging (spec §3.1).

``searchCriteria[filter_groups][0][filters][0][field]=sku`` becomes nested data, then a
``Criteria``. Filters inside a group are OR-ed, groups are AND-ed. Comparison follows MySQL
with its default case-insensitive collation: numbers compare as numbers, strings fold case.
Paging clamps an out-of-range page to the last page, as Magento's collections do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .rest import WebapiError, invalid_type, required_error, snake, to_int

__all__ = ["Criteria", "Filter", "listing", "page", "parse_criteria", "parse_query", "search"]

CONDITIONS = frozenset({"eq", "neq", "gt", "gteq", "lt", "lteq", "moreq", "from", "to", "like",
                        "nlike", "in", "nin", "finset", "nfinset", "null", "notnull"})
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_MAX_DEPTH = 8
_MAX_INDEX = 10_000


def parse_query(query: bytes | str) -> dict[str, Any]:
    """PHP-style ``a[b][0]=x`` query parsing into nested dicts (list-like keys stay strings)."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    out: dict[str, Any] = {}
    for raw_key, value in parse_qsl(text, keep_blank_values=True, max_num_fields=2000):
        head, _, rest = raw_key.partition("[")
        parts = [head, *_BRACKETS.findall("[" + rest)] if rest else [head]
        if len(parts) > _MAX_DEPTH or not head:
            continue
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = parts[-1]
        if last == "" and len(parts) > 1:
            last = str(len(node))   # PHP's ``a[]=x&a[]=y``: the next list index
        node[last] = value
    return out


def _indexed(value: Any, name: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        raise invalid_type(value, f"{name}[]")
    items: list[tuple[int, Any]] = []
    for key, item in value.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise invalid_type(key, "int") from None
        if not 0 <= index <= _MAX_INDEX:
            raise invalid_type(key, "int")
        items.append((index, item))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition: str = "eq"

    def echo(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "condition_type": self.condition}


@dataclass
class Criteria:
    groups: list[list[Filter]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    page_size: int | None = None
    current_page: int | None = None

    def key(self) -> tuple[Any, ...]:
        """What selects and orders the rows (not the page): equal keys, equal row lists."""
        return tuple(tuple(g) for g in self.groups), tuple(self.sort)

    def echo(self) -> dict[str, Any]:
        out: dict[str, Any] = {"filter_groups": [{"filters": [f.echo() for f in g]}
                                                 for g in self.groups]}
        if self.sort:
            out["sort_orders"] = [{"field": f, "direction": "DESC" if d else "ASC"}
                                  for f, d in self.sort]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out


def _scalar(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise invalid_type("array" if isinstance(value, dict | list) else value, "string")


def parse_criteria(query: dict[str, Any], *, required: bool = True,
                   limits: Any = None) -> Criteria:
    """Build Criteria from parsed query data (both key spellings), enforcing input limits."""
    raw = query.get("searchCriteria", query.get("search_criteria"))
    if raw is None:
        if required:
            raise required_error("searchCriteria")
        raw = {}
    if raw == "":
        raw = {}  # ``?searchCriteria`` present but empty: an empty criteria object
    if not isinstance(raw, dict):
        raise invalid_type(raw, "Magento\\Framework\\Api\\SearchCriteriaInterface")
    data = {snake(k): v for k, v in raw.items()}
    crit = Criteria()
    for group in _indexed(data.get("filter_groups", []), "filter_groups"):
        if not isinstance(group, dict):
            raise invalid_type(group, "Magento\\Framework\\Api\\Search\\FilterGroup")
        gdata = {snake(k): v for k, v in group.items()}
        filters: list[Filter] = []
        for item in _indexed(gdata.get("filters", []), "filters"):
            if not isinstance(item, dict):
                raise invalid_type(item, "Magento\\Framework\\Api\\Filter")
            fdata = {snake(k): v for k, v in item.items()}
            if fdata.get("field") in (None, ""):
                raise required_error("field")
            if "value" not in fdata:
                raise required_error("value")
            cond = _scalar(fdata.get("condition_type") or "eq", "condition_type").lower()
            if cond not in CONDITIONS:
                raise WebapiError(400, 'Invalid condition type "%1"', [cond])
            filters.append(Filter(_scalar(fdata["field"], "field"),
                                  _scalar(fdata["value"], "value"), cond))
        if filters:
            crit.groups.append(filters)
    for order in _indexed(data.get("sort_orders", []), "sort_orders"):
        if not isinstance(order, dict):
            raise invalid_type(order, "Magento\\Framework\\Api\\SortOrder")
        odata = {snake(k): v for k, v in order.items()}
        if odata.get("field") in (None, ""):
            continue
        direction = _scalar(odata.get("direction") or "ASC", "direction").upper()
        if direction not in ("ASC", "DESC"):
            raise WebapiError(400, "Sort order direction \"%1\" is not supported. Use ASC or "
                              "DESC.", [direction])
        crit.sort.append((_scalar(odata["field"], "field"), direction == "DESC"))
    if data.get("page_size") not in (None, ""):
        crit.page_size = to_int(data["page_size"])
    if data.get("current_page") not in (None, ""):
        crit.current_page = to_int(data["current_page"])
    if limits is not None and limits.enabled:
        if crit.page_size is None:
            crit.page_size = limits.default_page_size
        elif crit.page_size > limits.maximum_page_size:
            raise WebapiError(400, "Maximum SearchCriteria pageSize is %max",
                              {"max": limits.maximum_page_size})
    return crit


# --- evaluation -----------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _key(value: Any) -> tuple[int, float, str]:
    """A total order: NULL first (as MySQL), then numbers, then strings case-folded."""
    if value is None:
        return (0, 0.0, "")
    number = _num(value)
    if number is not None:
        return (1, number, "")
    return (2, 0.0, str(value).lower())


_DATETIME = re.compile(r"\d{4}-\d\d-\d\d")
_ZERO_DATE = "0000-00-00 00:00:00"


def _cmp(left: Any, right: str) -> int:
    a, b = _num(left), _num(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    sa, sb = str(left).lower(), right.lower()
    if _DATETIME.match(sa) and not _DATETIME.match(sb):
        # MySQL converts a constant compared with a DATETIME column to a datetime; one that
        # is not a date becomes the zero date (``created_at >= 'None'`` matches every row,
        # which clients' "all since None" searches rely on).
        sb = _ZERO_DATE
    return (sa > sb) - (sa < sb)


_LIKE_CACHE: dict[str, re.Pattern[str]] = {}


def _like(value: Any, pattern: str) -> bool:
    rx = _LIKE_CACHE.get(pattern)
    if rx is None:
        body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        rx = re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)
        if len(_LIKE_CACHE) < 1024:
            _LIKE_CACHE[pattern] = rx
    return rx.match(str(value)) is not None


def _eq(value: Any, target: str) -> bool:
    if isinstance(value, list):
        return any(_eq(v, target) for v in value)
    return value is not None and _cmp(value, target) == 0


def matches(value: Any, flt: Filter) -> bool:
    cond, target = flt.condition, flt.value
    if cond == "null":
        return value is None or value == ""
    if cond == "notnull":
        return not (value is None or value == "")
    if cond == "eq":
        return _eq(value, target)
    if cond == "neq":
        return value is not None and not _eq(value, target)
    if value is None:
        return False
    if cond in ("in", "nin"):
        hit = any(_eq(value, part.strip()) for part in target.split(","))
        return hit if cond == "in" else not hit
    if cond in ("like", "nlike"):
        return _like(value, target) if cond == "like" else not _like(value, target)
    if cond in ("finset", "nfinset"):
        members = value if isinstance(value, list) else str(value).split(",")
        hit = any(_cmp(m, target) == 0 for m in members)
        return hit if cond == "finset" else not hit
    c = _cmp(value, target)
    if cond == "gt":
        return c > 0
    if cond in ("gteq", "moreq", "from"):
        return c >= 0
    if cond == "lt":
        return c < 0
    return c <= 0  # lteq, to


Getter = Callable[[Any, str], Any]


def search(records: Sequence[Any], crit: Criteria, get: Getter,
           known: Callable[[str], bool]) -> tuple[list[Any], int]:
    """Filter, sort, page. Returns (page items, total_count before paging)."""
    for group in crit.groups:
        for flt in group:
            if not known(flt.field):
                raise WebapiError(400, "Invalid attribute name: %1", [flt.field])
    for sort_field, _ in crit.sort:
        if not known(sort_field):
            raise WebapiError(400, "Invalid attribute name: %1", [sort_field])
    rows: list[Any] = [r for r in records
                       if all(any(matches(get(r, f.field), f) for f in g) for g in crit.groups)]
    for sort_field, desc in reversed(crit.sort):
        def sort_key(row: Any, name: str = sort_field) -> tuple[int, float, str]:
            return _key(get(row, name))
        rows.sort(key=sort_key, reverse=desc)
    return page(rows, crit)


def page(rows: list[Any], crit: Criteria) -> tuple[list[Any], int]:
    """The page ``crit`` asks for of rows already filtered and sorted, and their total."""
    total = len(rows)
    size = crit.page_size
    if size is None or size <= 0:
        return list(rows), total
    last = max(1, -(-total // size))
    page = min(max(1, crit.current_page or 1), last)
    start = (page - 1) * size
    return rows[start:start + size], total


def listing(crit: Criteria, records: Sequence[Any], get: Getter,
            known: Collection[str] | Callable[[str], bool],
            render: Callable[[Any], Any]) -> dict[str, Any]:
    """A search route's answer, the same on every list: ``{items, search_criteria,
    total_count}`` with filters, sort and paging applied (``total_count`` before paging)."""
    is_known = known if callable(known) else known.__contains__
    rows, total = search(records, crit, get, is_known)
    return {"items": [render(r) for r in rows], "search_criteria": crit.echo(),
            "total_count": total}
