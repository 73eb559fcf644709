"""A check's result and the registry of checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from peakready.registry import Registry

__all__ = ["CHECKS", "Check", "Status", "Verdict"]

Status = Literal["pass", "fail", "error"]


@dataclass(frozen=True)
class Verdict:
    """``error`` means the check could not judge (missing evidence): it never counts as a pass."""

    check: str
    status: Status
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)   # at most 20
    windows: list[str] = field(default_factory=list)


# (evidence, plan) -> Verdict; the evidence type lives with the checks' evidence reader.
Check = Callable[..., Verdict]
CHECKS: Registry[Check] = Registry("check")
