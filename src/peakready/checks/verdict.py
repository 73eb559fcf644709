"""A check's result and the registry of checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from peakready.registry import Registry

__all__ = ["CHECKS", "JUDGED", "Check", "Status", "Verdict"]

# pass / fail: judged. not_judged: the evidence holds too little to judge (no orders, no fault
# window of the kind the check needs, too few retried orders): the summary says what was missing.
# error: the check could not read its evidence or broke. Neither of the last two is ever a pass.
Status = Literal["pass", "fail", "not_judged", "error"]
JUDGED: tuple[Status, ...] = ("pass", "fail")


@dataclass(frozen=True)
class Verdict:
    """One check's result; build an unjudged one with :meth:`not_judged` so its reason is said."""

    check: str
    status: Status
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)   # at most 20
    windows: list[str] = field(default_factory=list)

    @classmethod
    def not_judged(cls, check: str, reason: str, **figures: Any) -> Verdict:
        """Too little evidence: ``reason`` says what was missing ("no orders were placed")."""
        return cls(check, "not_judged", f"not judged: {reason}", figures=dict(figures))


# (evidence, plan) -> Verdict; the evidence type lives with the checks' evidence reader.
Check = Callable[..., Verdict]
CHECKS: Registry[Check] = Registry("check")
