"""``session_expiry``: every session or bearer token issued before the rule first fires
stops working (SAP B1's ``B1SESSION`` timing out, an OAuth2 access token expiring mid-run):
``{"session_expiry": true}``. The dialect answers as its vendor does (B1: 401 code 301;
Business Central: 401 ``Authentication_InvalidCredentials``); logging in again works.
"""

from __future__ import annotations

from typing import ClassVar

from peakready.mockkit.fault_kinds.base import MarkKind

__all__ = ["SessionExpiryKind"]


class SessionExpiryKind(MarkKind):
    name = "session_expiry"
    defaults: ClassVar[dict[str, float]] = {}
