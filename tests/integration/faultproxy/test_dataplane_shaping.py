"""Toxics that reshape the stream (toxiproxy-api.md §6): slicer, limit_data, noop."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakready.faultproxy.toxics import REGISTRY, InvalidAttributes


async def _send_once(payload: bytes) -> Any:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        await reader.read(1)

    return handler


def test_slicer_splits_a_chunk_into_delayed_pieces(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        server = await kit.server(await _send_once(bytes(range(100))))
        proxy = await kit.proxy(server.address, kit.toxic(
            "slicer", average_size=10, size_variation=5, delay=20_000))
        reader, _writer = await kit.connect(proxy)
        reads: list[bytes] = []
        start = time.monotonic()
        while sum(map(len, reads)) < 100:
            reads.append(await asyncio.wait_for(reader.read(1000), 2))
        elapsed = time.monotonic() - start
        assert b"".join(reads) == bytes(range(100))
        assert len(reads) >= 7  # pieces 20 ms apart arrive as separate reads
        assert all(1 <= len(r) <= 15 for r in reads), [len(r) for r in reads]
        assert (len(reads) - 1) * 0.020 * 0.8 <= elapsed

    run_kit(main)


def test_slicer_pieces_are_reproducible_and_bounded() -> None:
    slicer = REGISTRY["slicer"]
    attributes = {"average_size": 10, "size_variation": 5, "delay": 0}
    first = slicer(attributes, random.Random(42)).boundaries(1000)  # type: ignore[attr-defined]
    again = slicer(attributes, random.Random(42)).boundaries(1000)  # type: ignore[attr-defined]
    assert first == again
    assert first[0][0] == 0 and first[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(first))
    assert all(0 < end - start <= 15 for start, end in first)
    assert len({end - start for start, end in first}) > 3  # sizes vary


def test_slicer_survives_variation_larger_than_half_the_piece() -> None:
    pieces = REGISTRY["slicer"]({"average_size": 1, "size_variation": 50},
                                random.Random(1)).boundaries(5000)  # type: ignore[attr-defined]
    assert pieces[0][0] == 0 and pieces[-1][1] == 5000
    assert all(end > start for start, end in pieces)


@pytest.mark.parametrize("attributes", [
    {"average_size": 0, "size_variation": 0},
    {"average_size": -3, "size_variation": 10},
    {"average_size": 5, "size_variation": -5},
])
def test_slicer_refuses_sizes_that_never_terminate(attributes: dict[str, int]) -> None:
    with pytest.raises(InvalidAttributes):
        REGISTRY["slicer"].validate(attributes)


def test_slicer_accepts_sane_sizes() -> None:
    REGISTRY["slicer"].validate({"average_size": 1, "size_variation": 0, "delay": 0})


def test_limit_data_passes_exact_bytes_then_fin(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        server = await kit.server(await _send_once(b"0123456789abcdefghij"))
        proxy = await kit.proxy(server.address, kit.toxic("limit_data", bytes=10))
        reader, _writer = await kit.connect(proxy)
        assert await kit.read_until_close(reader, timeout=2) == (b"0123456789", "eof")

    run_kit(main)


def test_limit_data_counts_across_chunks_and_survives_updates(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("limit_data", bytes=8))
        reader, writer = await kit.connect(proxy)
        assert await kit.roundtrip(reader, writer, b"abcdef") < 0.1  # 6 of 8 used
        proxy.update_toxic("limit_data_downstream", {"bytes": 12}, None)
        await proxy.settle()
        writer.write(b"ghijklmnop")  # 6 more allowed: truncated, then FIN
        assert await kit.read_until_close(reader, timeout=2) == (b"ghijkl", "eof")

    run_kit(main)


def test_limit_data_zero_closes_on_first_chunk_not_at_connect(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("limit_data", "upstream", bytes=0))
        reader, writer = await kit.connect(proxy)
        assert await kit.read_until_close(reader, timeout=0.3) == (b"", "timeout")
        writer.write(b"x")
        assert await kit.read_until_close(reader, timeout=2) == (b"", "eof")

    run_kit(main)


def test_limit_data_added_live_starts_a_fresh_count(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy()
        reader, writer = await kit.connect(proxy)
        await kit.roundtrip(reader, writer, b"x" * 50)
        proxy.add_toxic(kit.toxic("limit_data", bytes=5))
        await proxy.settle()
        writer.write(b"0123456789")
        assert await kit.read_until_close(reader, timeout=2) == (b"01234", "eof")

    run_kit(main)


def test_noop_passes_everything(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        proxy = await kit.echo_proxy(kit.toxic("noop"), kit.toxic("noop", "upstream"))
        reader, writer = await kit.connect(proxy)
        payload = bytes(range(256)) * 2000
        writer.write(payload)
        assert await asyncio.wait_for(reader.readexactly(len(payload)), 5) == payload
        assert await kit.roundtrip(reader, writer) < 0.05

    run_kit(main)


@given(size=st.integers(0, 70_000), average=st.integers(1, 5000),
       variation=st.integers(-4999, 3000), seed=st.integers(0, 2**32))
@settings(max_examples=200, deadline=None)
def test_slicer_boundaries_cover_the_chunk_in_bounded_pieces(
        size: int, average: int, variation: int, seed: int) -> None:
    attributes = {"average_size": average, "size_variation": variation}
    if average + variation <= 0:
        with pytest.raises(InvalidAttributes):
            REGISTRY["slicer"].validate(attributes)
        return
    pieces = REGISTRY["slicer"](attributes, random.Random(seed)).boundaries(  # type: ignore[attr-defined]
        size)
    assert pieces[0][0] == 0 and pieces[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert all(end - start <= max(average + variation, 1) for start, end in pieces)
    assert size == 0 or all(end > start for start, end in pieces)
