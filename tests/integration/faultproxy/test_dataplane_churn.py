"""Live toxic changes under traffic: whatever is added, updated or removed (of the toxics that
neither drop nor close), every byte arrives once and in order, and the chain drains back to
the fast path afterwards."""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

_KINDS: dict[str, Any] = {
    "latency": lambda r: {"latency": r.randrange(0, 30), "jitter": r.randrange(0, 10)},
    "bandwidth": lambda r: {"rate": r.randrange(500, 5000)},
    "slicer": lambda r: {"average_size": r.randrange(50, 2000),
                         "size_variation": r.randrange(0, 40), "delay": r.randrange(0, 500)},
    "slow_close": lambda r: {"delay": r.randrange(0, 50)},
    "noop": lambda r: {},
}


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                stop: asyncio.Event, seed: int) -> tuple[int, bool]:
    """Write random blocks until ``stop``; returns (bytes sent, echo matched)."""
    rng = random.Random(seed)
    sent = bytearray()

    async def send() -> None:
        while not stop.is_set():
            block = os.urandom(rng.choice((10, 300, 5000, 70_000)))
            sent.extend(block)
            writer.write(block)
            await writer.drain()
            await asyncio.sleep(rng.random() * 0.01)

    sender = asyncio.create_task(send())
    received = bytearray()
    while not (sender.done() and len(received) >= len(sent)):
        try:
            data = await asyncio.wait_for(reader.read(65536), 0.1)
        except TimeoutError:
            continue
        if not data:
            break
        received.extend(data)
    await sender
    return len(sent), bytes(received) == bytes(sent)


def test_random_live_changes_keep_every_stream_intact(run_kit: Any) -> None:
    async def main(kit: Any) -> None:
        rng = random.Random(2024)
        proxy = await kit.echo_proxy(seed=3)
        clients = [await kit.connect(proxy) for _ in range(8)]
        stop = asyncio.Event()
        pumps = [asyncio.create_task(_pump(r, w, stop, i)) for i, (r, w) in enumerate(clients)]
        names: list[str] = []
        deadline = time.monotonic() + 1.5
        serial = 0
        while time.monotonic() < deadline:
            action = rng.random()
            if action < 0.45 or not names:
                kind = rng.choice(list(_KINDS))
                serial += 1
                name = f"{kind}_{serial}"
                proxy.add_toxic(kit.toxic(kind, rng.choice(("upstream", "downstream")),
                                          toxicity=rng.choice((1.0, 0.5)), name=name,
                                          **_KINDS[kind](rng)))
                names.append(name)
            elif action < 0.7:
                name = rng.choice(names)
                kind = name.rsplit("_", 1)[0]
                proxy.update_toxic(name, _KINDS[kind](rng), rng.choice((None, 0.3, 1.0)))
            else:
                proxy.remove_toxic(names.pop(rng.randrange(len(names))))
            await asyncio.sleep(rng.random() * 0.03)
        proxy.remove_all_toxics()
        await asyncio.wait_for(proxy.settle(), 5)
        stop.set()
        results = await asyncio.wait_for(asyncio.gather(*pumps), 15)
        assert all(ok for _, ok in results), results
        assert sum(n for n, _ in results) > 100_000
        assert proxy.stats().connections == 8  # nothing closed a connection
        await asyncio.sleep(0.05)
        for conn in proxy._connections:
            assert conn.up.fast and conn.down.fast

    run_kit(main, timeout=40)
