"""The control-plane view of a toxic and the registry of toxic types.

A toxic *type* (``latency``, ``bandwidth`` …) is a class registered by name in ``REGISTRY``
(a :class:`peakready.registry.Registry`: a name registered twice is refused); a toxic *config*
is what the API creates, lists and updates. The link turns a config into one running
*instance* (``REGISTRY[config.type](config.attributes, rng)``, or a noop when the toxicity
draw says off) whenever the toxic (re)starts on that link, and hands it to a
:class:`~peakready.faultproxy.stub.Stub`, which awaits its :meth:`ToxicType.pipe`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from peakready.faultproxy.stub import Stub
from peakready.registry import Registry

__all__ = ["REGISTRY", "InvalidAttributes", "ToxicConfig", "ToxicType", "register"]


class InvalidAttributes(ValueError):
    """Attributes a type cannot run with (the real server would crash); the API answers 400."""


class ToxicType:
    """Base of every toxic type. Subclasses declare their attributes in JSON output order.

    An instance is one run of the toxic on one link: it holds a snapshot of the attributes
    (an update restarts the run with new ones) and the proxy's seeded ``rng``.
    """

    type_name: ClassVar[str]
    attribute_names: ClassVar[tuple[str, ...]] = ()
    # Capacity of the channel feeding this toxic (Toxiproxy's BufferedToxic; latency: 1024).
    buffer_size: ClassVar[int] = 0

    def __init__(self, attributes: Mapping[str, int] | None = None,
                 rng: random.Random | None = None) -> None:
        self.attributes = dict(attributes or {})
        self.rng = rng if rng is not None else random.Random()

    def attr(self, name: str) -> int:
        return int(self.attributes.get(name) or 0)

    @classmethod
    def validate(cls, attributes: dict[str, int]) -> None:
        """Raise InvalidAttributes for values this type must refuse. Default: accept all."""

    @classmethod
    def new_state(cls) -> Any:
        """Per-link state that survives restarts (Toxiproxy's StatefulToxic); None if none."""
        return None

    async def pipe(self, stub: Stub) -> None:
        """Move chunks from ``stub.input`` to ``stub.output`` until closed or interrupted."""
        raise NotImplementedError

    def cleanup(self, stub: Stub) -> None:
        """Called when the toxic is removed from a live link (Toxiproxy's CleanupToxic)."""


REGISTRY: Registry[type[ToxicType]] = Registry("toxic")


def register(cls: type[ToxicType]) -> type[ToxicType]:
    """Class decorator: register a toxic type under its ``type_name``."""
    return REGISTRY.register(cls.type_name, cls)


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
