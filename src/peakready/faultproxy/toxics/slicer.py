"""``slicer`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class SlicerToxic(ToxicType):
    type_name = "slicer"
    attribute_names = ("average_size", "size_variation", "delay")
