"""``latency`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class LatencyToxic(ToxicType):
    type_name = "latency"
    attribute_names = ("latency", "jitter")
