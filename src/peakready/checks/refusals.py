"""What an ERP's refusal of an order means: deliberately rejectable data, or a lost order.

::

    ERP refusal (non-retryable 4xx, the last one an order got)
    ├── rejected   the harness placed the order with data a strict ERP refuses (the recorder
    │              marked the checkout ``edge_case``), the status is a data refusal (400/422)
    │              AND the ERP's answer names that data (an address field edge_cases.py fills)
    └── lost       anything else: grouped by status with the ERP's answer and what to check
                   ("422 on 2,214 of 2,238 orders: check the connector's mapping",
                    "401 on every request: check its ERP credentials", 404 → its ERP URL)

A connector whose mapping is broken, whose credentials are wrong or whose URL points nowhere
is refused on every order; only the harness's own deliberately refusable orders may pass as
rejected, so such a connector loses its orders and the check fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from peakready.scenario.edge_cases import EDGE_CASE_FIELDS

__all__ = ["ADVICE", "DATA_REFUSALS", "RefusalGroup", "group_refusals", "names_edge_case_data"]

#: Statuses with which an ERP refuses an order's data (a validation answer).
DATA_REFUSALS = frozenset({400, 422})
#: What a user checks first for a refusal status that no order deserves.
ADVICE: dict[int, str] = {
    400: "check the connector's mapping", 422: "check the connector's mapping",
    401: "check its ERP credentials", 403: "check its ERP credentials",
    404: "check its ERP URL", 405: "check its ERP URL", 410: "check its ERP URL",
    409: "check what the ERP says conflicts", 413: "check the size of what it sends",
    415: "check the content type it sends"}
_DEFAULT_ADVICE = "see the ERP's answer"
# The field names, alone or inside a path ("shipping_address.telephone", "billing.firstName").
_SYNONYMS = {"firstname": "first_?name", "lastname": "last_?name", "telephone": "(?:tele)?phone",
             "company": "company", "street": "street"}
_EDGE_DATA = re.compile("(?<![a-z])(?:" + "|".join(
    _SYNONYMS.get(name, re.escape(name)) for name in EDGE_CASE_FIELDS) + ")", re.IGNORECASE)


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def names_edge_case_data(refusal: Mapping[str, Any]) -> bool:
    """Whether the ERP's answer (its error, fields, message or body) names a field the
    harness's edge-case orders fill with refusable data, with a data-refusal status."""
    if refusal.get("status") not in DATA_REFUSALS:
        return False
    answer = {k: v for k, v in refusal.items() if k not in ("status", "at", "outcome")}
    return any(_EDGE_DATA.search(text) for text in _texts(answer))


@dataclass
class RefusalGroup:
    """The lost orders one refusal status stands for."""

    status: int
    orders: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)    # the first order's, as an example
    every_request: bool = False       # every ERP order request got this status

    @property
    def advice(self) -> str:
        return ADVICE.get(self.status, _DEFAULT_ADVICE)

    def describe(self, acknowledged: int) -> str:
        where = "every request" if self.every_request else \
            f"{len(self.orders):,} of {acknowledged:,} orders"
        return f"{self.status} on {where}: {self.advice}"

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "orders": len(self.orders), "advice": self.advice,
                "every_request": self.every_request, "erp_answer": self.answer,
                "examples": self.orders[:10]}


def group_refusals(refused: Iterable[tuple[str, Mapping[str, Any]]],
                   statuses_seen: Mapping[int, int]) -> list[RefusalGroup]:
    """(increment id, refusal) pairs grouped by status, largest group first; ``statuses_seen``
    counts every ERP order request by status (to say "on every request")."""
    groups: dict[int, RefusalGroup] = {}
    for increment, refusal in refused:
        status = int(refusal.get("status") or 0)
        group = groups.get(status)
        if group is None:
            group = groups[status] = RefusalGroup(status, answer=dict(refusal))
        group.orders.append(increment)
    total = sum(statuses_seen.values())
    for group in groups.values():
        group.every_request = total > 0 and statuses_seen.get(group.status, 0) == total
    return sorted(groups.values(), key=lambda g: -len(g.orders))
