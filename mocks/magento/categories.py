"""Categories: the tree (Magento_Catalog's category repository and management).

::

    1 Root Catalog (level 0)
    └── 2 Default Category (level 1, the store group's root)
        └── 3… the profile's tree ("Harbor/Olive" → Olive under Harbor), products linked

Products carry their links (``Product.category_links``: ``{position, category_id}``), as
Magento's ``catalog_category_product`` rows do; a category knows its parent, position and
``path`` (``1/2/3``). Moving re-parents a subtree and rewrites its paths and levels.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_ID", "ROOT_ID", "Categories", "Category"]

ROOT_ID, DEFAULT_ID = 1, 2
SEARCHABLE = frozenset({"entity_id", "id", "parent_id", "name", "is_active", "position",
                        "level", "path", "created_at", "updated_at", "include_in_menu",
                        "url_key", "children_count"})


@dataclass
class Category:
    id: int
    parent_id: int
    name: str
    position: int
    level: int
    path: str
    created_at: str
    updated_at: str
    is_active: bool = True
    include_in_menu: bool = True
    custom: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Any:
        if name == "entity_id":
            return self.id
        if name == "url_key":
            return self.custom.get("url_key")
        return getattr(self, name, None)


@dataclass
class Categories:
    by_id: dict[int, Category] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(3))

    def seed_roots(self, now: str) -> None:
        self.by_id[ROOT_ID] = Category(ROOT_ID, 0, "Root Catalog", 0, 0, "1", now, now)
        self.by_id[DEFAULT_ID] = Category(DEFAULT_ID, ROOT_ID, "Default Category", 1, 1, "1/2",
                                          now, now, custom={"url_key": "default-category"})

    def children(self, category_id: int) -> list[Category]:
        kids = [c for c in self.by_id.values() if c.parent_id == category_id]
        return sorted(kids, key=lambda c: (c.position, c.id))

    def add(self, parent_id: int, name: str, now: str, *, position: int | None = None,
            is_active: bool = True, include_in_menu: bool = True,
            custom: dict[str, Any] | None = None) -> Category:
        parent = self.by_id[parent_id]
        new_id = next(self._ids)
        if position is None:
            position = len(self.children(parent_id)) + 1
        attrs = dict(custom or {})
        attrs.setdefault("url_key", _slug(name) or str(new_id))
        category = Category(new_id, parent_id, name, position, parent.level + 1,
                            f"{parent.path}/{new_id}", now, now, is_active, include_in_menu,
                            attrs)
        self.by_id[new_id] = category
        return category

    def seed_paths(self, paths: list[str] | tuple[str, ...], now: str) -> dict[str, int]:
        """The profile's tree ("A", "A/B", …, parents first) under Default Category; returns
        path → id."""
        ids: dict[str, int] = {}
        for path in paths:
            parent_path, _, name = path.rpartition("/")
            parent = ids.get(parent_path, DEFAULT_ID) if parent_path else DEFAULT_ID
            ids[path] = self.add(parent, name, now).id
        return ids

    def subtree(self, category_id: int) -> list[Category]:
        out = [self.by_id[category_id]]
        for child in self.children(category_id):
            out.extend(self.subtree(child.id))
        return out

    def move(self, category: Category, parent: Category, after_id: int | None,
             now: str) -> None:
        siblings = [c for c in self.children(parent.id) if c.id != category.id]
        index = 0
        if after_id is not None:
            index = next((i + 1 for i, c in enumerate(siblings) if c.id == after_id),
                         len(siblings))
        siblings.insert(index, category)
        for pos, sibling in enumerate(siblings, start=1):
            sibling.position = pos
        category.parent_id = parent.id
        self._repath(category, parent)
        category.updated_at = now

    def _repath(self, category: Category, parent: Category) -> None:
        category.level = parent.level + 1
        category.path = f"{parent.path}/{category.id}"
        for child in self.children(category.id):
            self._repath(child, category)

    def remove(self, category: Category) -> list[int]:
        gone = [c.id for c in self.subtree(category.id)]
        for cid in gone:
            del self.by_id[cid]
        return gone

    def children_ids(self, category: Category) -> str:
        return ",".join(str(c.id) for c in self.children(category.id))

    def children_count(self, category: Category) -> int:
        return len(self.subtree(category.id)) - 1


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
