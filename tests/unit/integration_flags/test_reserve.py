"""The reserve slot on the simulator's race mode (Magento's unlocked check-then-append window):
the good integration sells exactly the stock, the no_reservations mistake does not."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[3]
STOCK, BUYERS = 50, 200

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _flash_sale(strategy: str, tmp_path: Path) -> tuple[int, float]:
    simulator = load_content_module("mocks", "magento", REPO / "mocks")
    registry = importlib.import_module(f"{simulator.__name__}.integration.strategies").REGISTRY
    importlib.import_module(f"{simulator.__name__}.integration.checkout_hooks")  # registers
    app: Any = simulator.create_app(MockSettings(
        name="magento", data_dir=tmp_path,
        options={"inventory": "race", "config": {"race_window_ms": 5}}))
    store = app.store
    store.add_product("HOT-1", "Flash sale item", 10.0, STOCK)
    reserve = registry.get("reserve", strategy)
    shorts = await asyncio.gather(*(reserve(store, {"HOT-1": 1.0}, order, f"{order:09d}")
                                    for order in range(1, BUYERS + 1)))
    return sum(1 for short in shorts if not short), store.inventory.salable("HOT-1")


async def test_the_good_integration_reserves_under_the_sku_lock(tmp_path: Path) -> None:
    sold, salable = await _flash_sale("reserve", tmp_path)
    assert (sold, salable) == (STOCK, 0)


async def test_no_reservations_sells_every_buyer(tmp_path: Path) -> None:
    sold, salable = await _flash_sale("check_only", tmp_path)
    assert sold == BUYERS        # nothing reserved: salable never drops
    assert salable == STOCK
