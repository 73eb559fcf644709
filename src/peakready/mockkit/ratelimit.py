"""A per-second request limit answered with 429 and ``Retry-After``, as rate-limited ERPs do.

A fixed one-second window is what most ERP gateways implement (and what an integration must
cope with): the first ``limit`` requests of each wall-clock second pass, the rest get 429 with
``Retry-After`` set to the whole seconds until the window reopens (at least 1).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic,
                 retry_after: int | None = None) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be >= 1 request/s, got {limit}")
        self.limit = limit
        self.clock = clock
        self.fixed_retry_after = retry_after
        self._window = -1
        self._used = 0
        self.rejected = 0

    def admit(self) -> int | None:
        """None if the request may pass, else the Retry-After seconds to answer with."""
        now = self.clock()
        window = int(now)
        if window != self._window:
            self._window = window
            self._used = 0
        if self._used < self.limit:
            self._used += 1
            return None
        self.rejected += 1
        if self.fixed_retry_after is not None:
            return self.fixed_retry_after
        return max(1, math.ceil(window + 1 - now))
