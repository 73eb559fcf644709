"""``stale_lookup``: lookups by external reference answer from a stale replica, as if no
order carried it yet (BC's ``$filter=externalDocumentNumber eq``, NetSuite's
``q=otherRefNum IS``, Odoo's ``search_count`` on ``client_order_ref``, B1's ``$filter=NumAtCard
eq``): ``{"stale_lookup": true}``. A connector that looks up before it creates, and trusts
the lookup on a retry, creates the order twice.
"""

from __future__ import annotations

from typing import ClassVar

from peakready.mockkit.fault_kinds.base import MarkKind

__all__ = ["StaleLookupKind"]


class StaleLookupKind(MarkKind):
    name = "stale_lookup"
    defaults: ClassVar[dict[str, float]] = {}
