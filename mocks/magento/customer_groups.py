"""Customer groups (Magento_Customer's group repository): the four every install has, plus
those created over REST; the default group per store is ``General`` (1)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEARCHABLE", "CustomerGroups"]

SEARCHABLE = frozenset({"id", "code", "tax_class_id", "tax_class_name"})
NOT_LOGGED_IN, GENERAL = 0, 1


@dataclass
class CustomerGroups:
    by_id: dict[int, dict[str, Any]] = field(default_factory=lambda: {
        gid: {"id": gid, "code": code, "tax_class_id": 3, "tax_class_name": "Retail Customer"}
        for gid, code in ((0, "NOT LOGGED IN"), (1, "General"), (2, "Wholesale"),
                          (3, "Retailer"))})
    default_id: int = GENERAL
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(4))

    def by_code(self, code: str) -> dict[str, Any] | None:
        return next((g for g in self.by_id.values() if g["code"].lower() == code.lower()), None)

    def add(self, code: str, tax_class_id: int) -> dict[str, Any]:
        gid = next(self._ids)
        group = {"id": gid, "code": code, "tax_class_id": tax_class_id,
                 "tax_class_name": "Retail Customer"}
        self.by_id[gid] = group
        return group

    def is_system(self, group_id: int) -> bool:
        return group_id <= 3
