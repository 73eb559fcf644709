"""``noop`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class NoopToxic(ToxicType):
    type_name = "noop"
    attribute_names = ()
