"""The one registry helper: things registered by name, duplicates refused, listing read-only.

::

    TOXICS = Registry[type[Toxic]]("toxic")
    TOXICS.register("latency", LatencyToxic)          # or @TOXICS.add("latency") on a class
    TOXICS["latency"]      TOXICS.get("x")      TOXICS.names()     "latency" in TOXICS

Toxics, fault kinds, integration strategies, checks and report formats each own one. CLI
choices and documentation tables are derived from ``names()``, so a name is written once.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from peakready.errors import ConfigError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → item. ``what`` names the kind of item in error messages ("toxic", "check")."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        if not name:
            raise ValueError(f"a {self.what} needs a name")
        if name in self._items:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._items[name] = item
        return item

    def add(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`register`."""
        def decorate(item: T) -> T:
            return self.register(name, item)
        return decorate

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise ConfigError(self.unknown(name)) from None

    def unknown(self, name: str) -> str:
        """The message for an unknown name: the closest known one, and the whole list."""
        close = difflib.get_close_matches(name, self._items, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown {self.what} {name!r}; {hint}known: {', '.join(self.names())}"

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    def items(self) -> Mapping[str, T]:
        return MappingProxyType(self._items)
