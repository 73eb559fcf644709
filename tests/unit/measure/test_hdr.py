"""The sparse HDR reader agrees with hdrh itself, bucket for bucket."""

from __future__ import annotations

import random

import pytest
from hdrh.histogram import HdrHistogram

from peakready.measure.hdr import HdrDecodeError, Latency, decode


def _hist(seed: int, n: int, sigma: float = 1.0) -> HdrHistogram:
    rng = random.Random(seed)
    hist = HdrHistogram(1, 3_600_000_000, 3)
    for _ in range(n):
        hist.record_value(max(1, int(rng.lognormvariate(11, sigma))))
    return hist


@pytest.mark.parametrize("seed", range(8))
def test_percentiles_match_hdrh(seed: int) -> None:
    hist = _hist(seed, n=1 + seed * 97)
    latency = decode(hist.encode())
    assert latency.total == hist.get_total_count()
    quantiles = (50.0, 90.0, 95.0, 99.0, 100.0)
    assert latency.percentiles_ms(quantiles) == [
        hist.get_value_at_percentile(q) / 1000.0 for q in quantiles]
    assert latency.max_ms() == hist.get_max_value() / 1000.0
    assert latency.mean_ms() == pytest.approx(hist.get_mean_value() / 1000.0, rel=1e-3)


def test_merge_equals_hdrh_add() -> None:
    a, b = _hist(1, 300), _hist(2, 500, sigma=2.0)
    merged = decode(a.encode()).merge(decode(b.encode()))
    a.add(b)
    assert merged.total == a.get_total_count()
    assert merged.percentiles_ms((50.0, 99.0)) == [a.get_value_at_percentile(q) / 1000.0
                                                   for q in (50.0, 99.0)]


def test_empty_and_merged_of_nothing() -> None:
    assert Latency().percentiles_ms((50.0,)) == [None]
    assert Latency.merged([]).total == 0
    assert decode(HdrHistogram(1, 3_600_000_000, 3).encode()).total == 0


@pytest.mark.parametrize("text", ["not base64!", "aGVsbG8gd29ybGQ=", ""])
def test_garbage_is_a_decode_error(text: str) -> None:
    with pytest.raises(HdrDecodeError):
        decode(text)
