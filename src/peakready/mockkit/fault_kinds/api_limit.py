"""``api_limit``: the vendor's API-call allocation is used up (by this connector or by another
app of the same account): ``{"api_limit": true}``. The dialect refuses each marked request as
its vendor does (Salesforce: 403 ``REQUEST_LIMIT_EXCEEDED``; HubSpot: 429 with
``policyName: TEN_SECONDLY_ROLLING`` and ``X-HubSpot-RateLimit-Remaining: 0``); a connector
that backs off and retries gets through once the window ends, one that treats the refusal as
final loses the change.
"""

from __future__ import annotations

from typing import ClassVar

from peakready.mockkit.fault_kinds.base import MarkKind

__all__ = ["ApiLimitKind"]


class ApiLimitKind(MarkKind):
    name = "api_limit"
    defaults: ClassVar[dict[str, float]] = {}
