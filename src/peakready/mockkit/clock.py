"""UTC ISO 8601 timestamps: written cheaply (``iso_utc``), read leniently (``parse_time``).

``datetime.fromtimestamp(ts, UTC).isoformat()`` costs several microseconds; the date-and-time
part only changes once a second, so it is cached per whole second and the milliseconds are
appended.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

__all__ = ["iso_utc", "parse_time"]

_cache: dict[str, object] = {"second": None, "prefix": ""}


def iso_utc(ts: float) -> str:
    """``1732712345.1234`` → ``"2024-11-27T12:59:05.123Z"``."""
    # Round to microseconds first, as datetime.fromtimestamp does, then truncate to millis.
    frac, whole = math.modf(ts)
    micros = round(frac * 1e6)
    second = int(whole)
    if micros >= 1_000_000:
        second += 1
        micros -= 1_000_000
    millis = micros // 1000
    if _cache["second"] != second:
        _cache["prefix"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _cache["second"] = second
    return f"{_cache['prefix']}.{millis:03d}Z"


def parse_time(text: str) -> float:
    """An ISO 8601 time (``Z`` or an offset; none means UTC, like every timestamp the estate
    writes) → epoch seconds. ValueError (or OverflowError/OSError) when it is not one."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
