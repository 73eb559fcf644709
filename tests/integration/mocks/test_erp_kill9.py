"""kill -9 the ERP during a burst, restart it on the same data directory: every order that
got a 2xx before the kill is in /__admin/evidence (DESIGN §5: evidence survives a crash)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


def _order(n: int) -> dict[str, Any]:
    return {"increment_id": f"{n:09d}", "customer_email": f"c{n}@example.com",
            "items": [{"sku": "A", "qty": 1, "price": 10.0}],
            "totals": {"grand_total": 10.0}}


async def _burst(url: str, pid: int, kill_after: float, workers: int = 16,
                 limit_s: float = 5.0) -> dict[str, str]:
    """Post orders from ``workers`` connections until the mock dies; return the acked ones
    (increment id → ERP order id)."""
    acked: dict[str, str] = {}
    counter = iter(range(1, 1_000_000))
    deadline = time.monotonic() + limit_s

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            n = next(counter)
            headers = {"Idempotency-Key": f"key-{n}"} if n % 2 else {}
            try:
                r = await client.post("/api/orders", json=_order(n), headers=headers)
            except httpx.HTTPError:
                return  # the mock is gone
            if 200 <= r.status_code < 300:
                acked[r.json()["increment_id"]] = r.json()["erp_order_id"]

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)

    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        await asyncio.gather(killer(), *(worker(client) for _ in range(workers)))
    return acked


def test_every_acknowledged_order_survives_kill_9(mock_process: Callable[..., Any],
                                                  erp_config: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = mock_process("erp", "--config", str(erp_config), data_dir=data)
    acked = asyncio.run(_burst(first.url, first.proc.pid, kill_after=1.0))
    assert first.proc.wait(timeout=10) == -signal.SIGKILL
    assert len(acked) > 50, "the burst should have had time to create orders"

    second = mock_process("erp", "--config", str(erp_config), data_dir=data)
    body = httpx.get(f"{second.url}/__admin/evidence", params={"kind": "orders",
                                                               "limit": 1_000_000},
                     timeout=30).json()
    stored = {o["increment_id"]: o["erp_order_id"] for o in body["records"]["orders"]}
    missing = {inc for inc in acked if inc not in stored}
    assert not missing, f"{len(missing)} acknowledged orders lost, e.g. {sorted(missing)[:5]}"
    assert all(stored[inc] == erp_id for inc, erp_id in acked.items())
    # A keyed order retried after the restart is replayed, not created again.
    keyed = next(inc for inc in acked if int(inc) % 2)
    replay = httpx.post(f"{second.url}/api/orders", json=_order(int(keyed)),
                        headers={"Idempotency-Key": f"key-{int(keyed)}"}, timeout=5)
    assert replay.json()["erp_order_id"] == acked[keyed]
