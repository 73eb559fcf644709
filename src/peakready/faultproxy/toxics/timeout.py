"""``timeout`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class TimeoutToxic(ToxicType):
    type_name = "timeout"
    attribute_names = ("timeout",)
