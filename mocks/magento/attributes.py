"""Product attributes (EAV) and their options: the catalog's attribute repository.

A store starts with the system attributes connectors read (``name``, ``price``, ``status``,
``url_key``, ``category_ids``, ``special_price``, ``cost``, …) and two user-defined selects,
``color`` and ``size``, with a few options each (what configurable products are built on).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEARCHABLE", "Attributes"]

SEARCHABLE = frozenset({"attribute_id", "attribute_code", "frontend_input", "is_required",
                        "is_user_defined", "backend_type", "is_filterable", "is_searchable",
                        "is_visible_on_front", "is_unique", "scope", "position"})
# code: (label, frontend_input, backend_type, required, user defined)
_SYSTEM: list[tuple[str, str, str, str, bool, bool]] = [
    ("name", "Product Name", "text", "varchar", True, False),
    ("sku", "SKU", "text", "static", True, False),
    ("price", "Price", "price", "decimal", True, False),
    ("special_price", "Special Price", "price", "decimal", False, False),
    ("cost", "Cost", "price", "decimal", False, False),
    ("weight", "Weight", "weight", "decimal", False, False),
    ("status", "Enable Product", "boolean", "int", False, False),
    ("visibility", "Visibility", "select", "int", False, False),
    ("url_key", "URL Key", "text", "varchar", False, False),
    ("description", "Description", "textarea", "text", False, False),
    ("short_description", "Short Description", "textarea", "text", False, False),
    ("category_ids", "Categories", "categories", "static", False, False),
    ("tax_class_id", "Tax Class", "select", "int", False, False),
    ("color", "Color", "select", "int", False, True),
    ("size", "Size", "select", "int", False, True),
]
_OPTIONS = {"color": ["Black", "Blue", "Red", "White"], "size": ["S", "M", "L", "XL"]}
_CATEGORY_SYSTEM: list[tuple[str, str, str, str, bool, bool]] = [
    ("name", "Name", "text", "varchar", True, False),
    ("is_active", "Enable Category", "boolean", "int", True, False),
    ("description", "Description", "textarea", "text", False, False),
    ("url_key", "URL Key", "text", "varchar", False, False),
    ("include_in_menu", "Include in Navigation Menu", "boolean", "int", True, False),
    ("display_mode", "Display Mode", "select", "varchar", False, False),
    ("is_anchor", "Anchor", "boolean", "int", False, False),
]
_CATEGORY_OPTIONS = {"display_mode": ["Products only", "Static block only",
                                      "Static block and products"]}


@dataclass
class Attributes:
    by_code: dict[str, dict[str, Any]] = field(default_factory=dict)
    options: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(73))
    _option_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(4))
    entity_type_id: str = "4"        # 4 products, 3 categories (eav_entity_type)

    def __post_init__(self) -> None:
        system, options = ((_SYSTEM, _OPTIONS) if self.entity_type_id == "4"
                           else (_CATEGORY_SYSTEM, _CATEGORY_OPTIONS))
        for code, label, frontend, backend, required, user in system:
            self.add({"attribute_code": code, "default_frontend_label": label,
                      "frontend_input": frontend, "backend_type": backend,
                      "is_required": required, "is_user_defined": user})
        for code, labels in options.items():
            for label in labels:
                self.add_option(code, label)

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        label = str(data.get("default_frontend_label") or data["attribute_code"])
        attribute: dict[str, Any] = {
            "attribute_id": next(self._ids), "attribute_code": str(data["attribute_code"]),
            "frontend_input": str(data.get("frontend_input") or "text"),
            "entity_type_id": self.entity_type_id,
            "is_required": bool(data.get("is_required", False)),
            "is_user_defined": bool(data.get("is_user_defined", True)),
            "default_frontend_label": label,
            "frontend_labels": list(data.get("frontend_labels") or []),
            "backend_type": str(data.get("backend_type") or "varchar"),
            "is_unique": "0", "scope": str(data.get("scope") or "global"),
            "is_filterable": bool(data.get("is_filterable", False)),
            "is_searchable": str(data.get("is_searchable", "0")),
            "is_visible_on_front": str(data.get("is_visible_on_front", "0")),
            "is_visible": True, "position": int(data.get("position", 0) or 0),
            "validation_rules": [], "custom_attributes": []}
        self.by_code[attribute["attribute_code"]] = attribute
        self.options.setdefault(attribute["attribute_code"], [])
        return attribute

    def render(self, code: str) -> dict[str, Any]:
        out = dict(self.by_code[code])
        out["options"] = self.rendered_options(code)
        return out

    def rendered_options(self, code: str) -> list[dict[str, Any]]:
        """Magento lists a select's options after an empty " " placeholder option."""
        rows = self.options.get(code, [])
        if self.by_code[code]["frontend_input"] not in ("select", "multiselect"):
            return []
        return [{"label": " ", "value": ""}, *rows]

    def add_option(self, code: str, label: str, sort_order: int = 0,
                   is_default: bool = False) -> str:
        value = str(next(self._option_ids))
        self.options[code].append({"label": label, "value": value, "sort_order": sort_order,
                                   "is_default": is_default, "store_labels": []})
        return value

    def find_option(self, code: str, option_id: str) -> dict[str, Any] | None:
        return next((o for o in self.options.get(code, []) if o["value"] == option_id), None)
