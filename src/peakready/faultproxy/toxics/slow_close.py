"""``slow_close`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class SlowCloseToxic(ToxicType):
    type_name = "slow_close"
    attribute_names = ("delay",)
