"""The control-plane view of a toxic and the registry of toxic types.

A toxic *type* (``latency``, ``bandwidth`` …) is a class registered by name; a toxic *config*
is what the API creates, lists and updates. The data plane turns a config into one running
instance per link (see the proxy"s link module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["REGISTRY", "InvalidAttributes", "ToxicConfig", "ToxicType", "register"]


class InvalidAttributes(ValueError):
    """Attributes a type cannot run with (the real server would crash); the API answers 400."""


class ToxicType:
    """Base of every toxic type. Subclasses declare their attributes in JSON output order."""

    type_name: ClassVar[str]
    attribute_names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def validate(cls, attributes: dict[str, int]) -> None:
        """Raise InvalidAttributes for values this type must refuse. Default: accept all."""


REGISTRY: dict[str, type[ToxicType]] = {}


def register(cls: type[ToxicType]) -> type[ToxicType]:
    REGISTRY[cls.type_name] = cls
    return cls


@dataclass
class ToxicConfig:
    """One toxic as the API sees it. ``stream`` is kept exactly as sent (``"UPSTREAM"`` stays)."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, int]
    # peakready extension: wall-clock (time.time()) after which the toxic removes itself.
    expires_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        """``upstream`` (client → server) or ``downstream`` (server → client)."""
        return self.stream.lower()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "attributes": dict(self.attributes),
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": self.toxicity,
        }
        if self.expires_at is not None:
            body["expires_at"] = self.expires_at
        return body
