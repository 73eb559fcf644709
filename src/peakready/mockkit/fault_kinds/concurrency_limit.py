"""``concurrency_limit``: the vendor's per-account limit on requests in flight (NetSuite's
account concurrency governance): ``{"concurrency_limit": {"max_in_flight": 2, "hold_ms":
200}}``. While the rule fires, each business request is held ``hold_ms`` (the time the
vendor takes to process it) and one arriving above ``max_in_flight`` in-flight requests is
refused as the vendor refuses it (NetSuite: 429 ``CONCURRENCY_LIMIT_EXCEEDED``).
"""

from __future__ import annotations

from typing import ClassVar

from peakready.mockkit.fault_kinds.base import MarkKind

__all__ = ["ConcurrencyLimitKind"]


class ConcurrencyLimitKind(MarkKind):
    name = "concurrency_limit"
    defaults: ClassVar[dict[str, float]] = {"max_in_flight": 2.0, "hold_ms": 200.0}
