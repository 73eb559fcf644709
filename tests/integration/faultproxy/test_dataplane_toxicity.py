"""Toxicity per link (toxiproxy-api.md §5): drawn when a toxic starts on a link, re-rolled on
update, when a toxic is appended after it and when the one after it is removed."""

from __future__ import annotations

import asyncio
from typing import Any

CONNECTIONS = 40
LATENCY = 400  # ms; far from a clean round trip even on a loaded machine


async def _classify(kit: Any, clients: list[Any]) -> list[str]:
    """Two round trips per connection: 'toxic' (both slow), 'clean' (both fast) or 'mixed'."""

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        first = await kit.roundtrip(reader, writer)
        second = await kit.roundtrip(reader, writer)
        slow = [t >= LATENCY / 1000 - 0.002 for t in (first, second)]
        fast = [t < LATENCY * 0.75 / 1000 for t in (first, second)]
        return "toxic" if all(slow) else "clean" if all(fast) else "mixed"

    return list(await asyncio.gather(*(one(r, w) for r, w in clients)))


def test_half_toxicity_splits_connections_not_messages(run_kit: Any) -> None:
    async def main(kit: Any) -> list[str]:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=0.5), seed=11)
        clients = [await kit.connect(proxy) for _ in range(CONNECTIONS)]
        return await _classify(kit, clients)

    kinds = run_kit(main)
    assert kinds.count("mixed") == 0
    assert kinds.count("toxic") >= 5 and kinds.count("clean") >= 5, kinds
    # Seeded: the same draw sequence gives the same split.
    assert sorted(kinds) == sorted(run_kit(main))


def test_toxicity_zero_never_and_one_always(run_kit: Any) -> None:
    async def main(kit: Any) -> tuple[list[str], list[str]]:
        never = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=0.0))
        always = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=1.0))
        a = await _classify(kit, [await kit.connect(never) for _ in range(5)])
        b = await _classify(kit, [await kit.connect(always) for _ in range(5)])
        return a, b

    never, always = run_kit(main)
    assert never == ["clean"] * 5
    assert always == ["toxic"] * 5


def _changed(before: list[str], after: list[str]) -> int:
    assert "mixed" not in before + after
    return sum(b != a for b, a in zip(before, after, strict=True))


def test_update_rerolls_every_open_connection(run_kit: Any) -> None:
    async def main(kit: Any) -> tuple[list[str], list[str]]:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=0.5), seed=5)
        clients = [await kit.connect(proxy) for _ in range(CONNECTIONS)]
        before = await _classify(kit, clients)
        proxy.update_toxic("latency_downstream", None, 0.5)  # same values: still a re-roll
        await proxy.settle()
        return before, await _classify(kit, clients)

    before, after = run_kit(main)
    assert _changed(before, after) >= 5


def test_appending_and_removing_the_next_toxic_rerolls(run_kit: Any) -> None:
    async def main(kit: Any) -> tuple[list[str], list[str], list[str]]:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=0.5), seed=9)
        clients = [await kit.connect(proxy) for _ in range(CONNECTIONS)]
        first = await _classify(kit, clients)
        proxy.add_toxic(kit.toxic("noop", name="after"))
        await proxy.settle()
        second = await _classify(kit, clients)
        proxy.remove_toxic("after")
        await proxy.settle()
        return first, second, await _classify(kit, clients)

    first, second, third = run_kit(main)
    assert _changed(first, second) >= 5
    assert _changed(second, third) >= 5


def test_adding_an_unrelated_direction_does_not_reroll(run_kit: Any) -> None:
    async def main(kit: Any) -> tuple[list[str], list[str]]:
        proxy = await kit.echo_proxy(kit.toxic("latency", latency=LATENCY, toxicity=0.5), seed=13)
        clients = [await kit.connect(proxy) for _ in range(20)]
        before = await _classify(kit, clients)
        proxy.add_toxic(kit.toxic("noop", "upstream"))
        await proxy.settle()
        return before, await _classify(kit, clients)

    before, after = run_kit(main)
    assert _changed(before, after) == 0
