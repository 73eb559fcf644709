"""``bandwidth`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class BandwidthToxic(ToxicType):
    type_name = "bandwidth"
    attribute_names = ("rate",)
