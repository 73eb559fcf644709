"""``limit_data`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class LimitDataToxic(ToxicType):
    type_name = "limit_data"
    attribute_names = ("bytes",)
