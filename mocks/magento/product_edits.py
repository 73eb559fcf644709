"""A product's edits, counted: what the catalog keeps (listings, rendered products) is stale
once ``EDITS`` moved.

Products count their attribute assignments themselves (``Product.__setattr__``); their custom
attributes are a ``CustomAttributes`` dict that counts its own edits and keeps its REST
rendering until the next one; their lists are ``EditedList``s that count theirs.
"""

from __future__ import annotations

from typing import Any, Self

__all__ = ["EDITS", "CustomAttributes", "EditedList", "touch"]

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


class EditedList(list[Any]):
    """One of a product's lists (websites, category links, tier prices, media, children,
    configurable options): every edit counts in ``EDITS``. Its entries are replaced, never
    edited in place (an editor that must edit one in place calls ``touch()``)."""

    __slots__ = ()

    def __setitem__(self, index: Any, value: Any) -> None:
        touch()
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        touch()
        super().__delitem__(index)

    def __iadd__(self, other: Any) -> Self:  # type: ignore[misc]
        touch()
        return super().__iadd__(other)

    def append(self, value: Any) -> None:
        touch()
        super().append(value)

    def extend(self, values: Any) -> None:
        touch()
        super().extend(values)

    def insert(self, index: Any, value: Any) -> None:
        touch()
        super().insert(index, value)

    def remove(self, value: Any) -> None:
        touch()
        super().remove(value)

    def pop(self, index: Any = -1) -> Any:
        touch()
        return super().pop(index)

    def clear(self) -> None:
        touch()
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        touch()
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        touch()
        super().reverse()


def touch() -> None:
    """Count an edit of some product (for an entry of its lists edited in place)."""
    EDITS[0] += 1
