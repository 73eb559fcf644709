"""Latency histograms from ``latency.jsonl``: the HDR wire form read sparsely, merged, queried.

::

    "hdr": base64 ──► external header ──► zlib ──► payload header + ZigZag LEB128 counts
                                                   (negative = a run of empty buckets)
    decode(text) ──► Latency {bucket index: count}  ──merge──► window / whole-run totals
                                                    ──percentiles_ms((50, 95, 99))

Why not ``HdrHistogram.decode`` + ``get_value_at_percentile``: those walk all ~23,500 buckets
of a 1 µs .. 1 h, 3-digit histogram in Python (≈1.4 ms per percentile), and a 1-hour run has
72,000 per-second histograms. A per-second histogram holds a few dozen filled buckets, so
reading the counts sparsely is two orders of magnitude faster. Bucket index → value uses
hdrh's own arithmetic (a template histogram with the payload's parameters), so the numbers
are hdrh's to the bucket (a unit test compares them).
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from hdrh.histogram import HdrHistogram

__all__ = ["HdrDecodeError", "Latency", "decode"]

_EXTERNAL = struct.Struct(">II")                 # compression cookie, compressed length
_PAYLOAD = struct.Struct(">IIIIqqd")             # cookie, payload length, offset, digits, lo, hi
_COMPRESSION_COOKIE = 0x1C849304
_ENCODING_COOKIE = 0x1C849303


class HdrDecodeError(ValueError):
    """The ``hdr`` text is not a V2 HdrHistogram encoding."""


@lru_cache(maxsize=16)
def _template(lowest: int, highest: int, digits: int) -> HdrHistogram:
    return HdrHistogram(lowest, highest, digits)


@lru_cache(maxsize=65536)
def _bucket_bounds(params: tuple[int, int, int], index: int) -> tuple[int, int]:
    """(lowest, highest) value a bucket index stands for."""
    template = _template(*params)
    value = template.get_value_from_index(index)
    return (template.get_lowest_equivalent_value(value),
            template.get_highest_equivalent_value(value))


@dataclass
class Latency:
    """A latency distribution in microseconds: filled bucket index → count."""

    params: tuple[int, int, int] = (1, 3_600_000_000, 3)
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: Latency) -> Latency:
        """Add ``other`` into this one (same histogram parameters) and return self."""
        if other.params != self.params:
            raise HdrDecodeError(f"histograms with different parameters {self.params} and "
                                 f"{other.params} cannot be merged")
        counts = self.counts
        for index, count in other.counts.items():
            counts[index] = counts.get(index, 0) + count
        return self

    @classmethod
    def merged(cls, parts: Iterable[Latency]) -> Latency:
        result: Latency | None = None
        for part in parts:
            if result is None:
                result = cls(part.params, dict(part.counts))
            else:
                result.merge(part)
        return result if result is not None else cls()

    def percentiles_ms(self, quantiles: Sequence[float]) -> list[float | None]:
        """Values at ``quantiles`` (percent, ascending), in ms, as hdrh reports them."""
        total = self.total
        if not total:
            return [None for _ in quantiles]
        targets = [max(1, int(q * total / 100 + 0.5)) for q in quantiles]
        out: list[float | None] = []
        cumulative = 0
        for index in sorted(self.counts):
            cumulative += self.counts[index]
            while len(out) < len(targets) and cumulative >= targets[len(out)]:
                out.append(_bucket_bounds(self.params, index)[1] / 1000.0)
            if len(out) == len(targets):
                break
        return out

    def max_ms(self) -> float | None:
        if not self.counts:
            return None
        return _bucket_bounds(self.params, max(self.counts))[1] / 1000.0

    def mean_ms(self) -> float | None:
        total = self.total
        if not total:
            return None
        weighted = 0.0
        for index, count in self.counts.items():
            low, high = _bucket_bounds(self.params, index)
            weighted += count * (low + high) / 2
        return weighted / total / 1000.0


def _counts(data: bytes, start: int, end: int) -> dict[int, int]:
    """The filled buckets of a ZigZag LEB128-64b9B counts payload (7 bits a byte for 8 bytes,
    the 9th carries 8; a negative value is a run of empty buckets). One loop, with a fast path
    for the one-byte values nearly every count is: the report decodes tens of thousands."""
    counts: dict[int, int] = {}
    index = 0
    pos = start
    while pos < end:
        byte = data[pos]
        pos += 1
        if byte < 0x80:
            value = byte
        else:
            value = byte & 0x7F
            shift = 7
            for nth in range(1, 9):
                byte = data[pos]
                pos += 1
                if nth == 8:
                    value |= byte << 56
                    break
                value |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    break
        value = (value >> 1) ^ -(value & 1)
        if value < 0:
            index -= value
        else:
            if value:
                counts[index] = value
            index += 1
    return counts


def decode(text: str | bytes) -> Latency:
    """One ``hdr`` field of ``latency.jsonl`` → :class:`Latency` (raises HdrDecodeError)."""
    try:
        raw = base64.b64decode(text, validate=True)
        cookie, length = _EXTERNAL.unpack_from(raw)
        if cookie & ~0xF0 != _COMPRESSION_COOKIE or length != len(raw) - _EXTERNAL.size:
            raise HdrDecodeError("not an HdrHistogram V2 compressed encoding")
        payload = zlib.decompress(raw[_EXTERNAL.size:])
        cookie, size, offset, digits, lowest, highest, _ratio = _PAYLOAD.unpack_from(payload)
    except (binascii.Error, struct.error, zlib.error) as exc:
        raise HdrDecodeError(f"unreadable histogram: {exc}") from exc
    if cookie & ~0xF0 != _ENCODING_COOKIE or offset != 0:
        raise HdrDecodeError("unsupported HdrHistogram payload (cookie or index offset)")
    end = _PAYLOAD.size + size
    if end > len(payload):
        raise HdrDecodeError("histogram payload is truncated")
    try:
        counts = _counts(payload, _PAYLOAD.size, end)
    except IndexError:
        raise HdrDecodeError("histogram payload ends inside a count") from None
    return Latency((lowest, highest, digits), counts)
