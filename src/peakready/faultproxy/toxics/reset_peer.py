"""``reset_peer`` toxic (toxiproxy-api.md §6). DATA PLANE: behaviour not implemented yet."""

from __future__ import annotations

from peakready.faultproxy.toxics.base import ToxicType, register


@register
class ResetPeerToxic(ToxicType):
    type_name = "reset_peer"
    attribute_names = ("timeout",)
