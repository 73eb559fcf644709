"""Small helpers the check files share: example lists, percentiles, id lists in summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from peakready.measure.quantile import percentile

__all__ = ["MAX_EXAMPLES", "examples", "few", "percentile", "ratio"]

#: DESIGN §9: a verdict carries at most this many examples.
MAX_EXAMPLES = 20


def examples(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:
        if len(out) >= MAX_EXAMPLES:
            break
        out.append(row)
    return out


def few(ids: Sequence[Any], limit: int = 5, total: int | None = None) -> str:
    """``a, b, c and 12 more`` for a one-line summary (``total``: when ``ids`` is a sample)."""
    count = len(ids) if total is None else total
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown + (f" and {count - min(limit, len(ids))} more" if count > limit else "")


def ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else numerator / denominator
