"""A product's edits, counted: the catalog's kept listings are stale once ``EDITS`` moved.

Products count their attribute assignments themselves (``Product.__setattr__``); their custom
attributes are a ``CustomAttributes`` dict that counts its own edits and keeps its REST
rendering until the next one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EDITS", "CustomAttributes"]

#: Every edit of any product (an attribute assigned, a custom attribute set or removed) counts
#: here, so a catalog knows its kept listings are stale without every editor telling it.
EDITS = [0]


class CustomAttributes(dict[str, Any]):
    """A product's custom attributes: a dict whose every edit counts in ``EDITS`` (and drops
    its rendered list, which every product read would otherwise build again)."""

    __slots__ = ("_rendered",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendered: list[dict[str, Any]] | None = None

    def _edited(self) -> None:
        EDITS[0] += 1
        self._rendered = None

    def rendered(self) -> list[dict[str, Any]]:
        """``custom_attributes`` as the REST API shows them (a new list; its items are shared:
        read-only)."""
        if self._rendered is None:
            self._rendered = [{"attribute_code": code, "value": value}
                              for code, value in self.items()]
        return list(self._rendered)

    def __setitem__(self, key: str, value: Any) -> None:
        self._edited()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._edited()
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._edited()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._edited()
        return super().pop(*args)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._edited()
        return super().setdefault(key, default)

    def clear(self) -> None:
        self._edited()
        super().clear()
