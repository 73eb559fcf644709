"""``error_in_200``: the business call fails but the answer is an HTTP 200 carrying the
vendor's error (Odoo's JSON-RPC ``error`` object, an XML-RPC fault; the other ERP dialects
their own error body): ``{"error_in_200": true}``. Nothing is created: a connector that reads
the status code alone believes an order exported that the ERP never took.
"""

from __future__ import annotations

from typing import ClassVar

from peakready.mockkit.fault_kinds.base import MarkKind

__all__ = ["ErrorIn200Kind"]


class ErrorIn200Kind(MarkKind):
    name = "error_in_200"
    defaults: ClassVar[dict[str, float]] = {}
