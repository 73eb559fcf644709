"""When to try an export again: full-jitter backoff, ``Retry-After``, and the mistakes.

``delay = uniform(0, min(cap, base · 2^(attempt-1)))`` (AWS "full jitter"): retries of many
orders after an outage spread over the window instead of arriving together. A ``Retry-After``
from the ERP is a floor under that delay. A policy answers ``None`` when it gives up; what
happens then (dead letter or drop) is the policy's ``on_give_up``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from ..job_queue import full_jitter, parse_retry_after
from .settings import IntegrationSettings
from .strategies import REGISTRY

__all__ = ["RetryPolicy", "full_jitter", "parse_retry_after", "retry_after_floor"]


class RetryPolicy(Protocol):
    on_give_up: str   # "dead_letter" | "drop"

    def delay(self, attempt: int, rng: random.Random) -> float | None:
        """Seconds before retry ``attempt`` (1-based), or None to give up."""


@REGISTRY.register("retry", "backoff")
@dataclass(frozen=True)
class Backoff:
    settings: IntegrationSettings
    on_give_up: str = "dead_letter"

    def delay(self, attempt: int, rng: random.Random) -> float | None:
        if attempt >= self.settings.max_attempts:
            return None
        return full_jitter(attempt, self.settings.backoff_base, self.settings.backoff_cap, rng)


@REGISTRY.register("retry", "none")
@dataclass(frozen=True)
class NoRetry:
    """The mistake: one try, then the failure is logged and the order is dropped."""

    settings: IntegrationSettings
    on_give_up: str = "drop"

    def delay(self, attempt: int, rng: random.Random) -> float | None:
        return None


@REGISTRY.register("retry", "storm")
@dataclass(frozen=True)
class Storm:
    """The mistake: retry at once, no backoff, no cap (bounded only so a test ends)."""

    settings: IntegrationSettings
    on_give_up: str = "dead_letter"

    def delay(self, attempt: int, rng: random.Random) -> float | None:
        return 0.0 if attempt < self.settings.storm_attempt_limit else None


@REGISTRY.register("retry_after", "honour")
def honour(delay: float, retry_after: float | None) -> float:
    return delay if retry_after is None else max(delay, retry_after)


@REGISTRY.register("retry_after", "ignore")
def ignore(delay: float, retry_after: float | None) -> float:
    """The mistake: a 429 is retried at once, whatever the server asked for."""
    return 0.0 if retry_after is not None else delay


def retry_after_floor(name: str, delay: float, retry_after: float | None) -> float:
    fn = REGISTRY.get("retry_after", name)
    result: float = fn(delay, retry_after)
    return result
