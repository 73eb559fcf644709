"""The integration's modules, imported from mocks/ by path (as the simulator loads them)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from peakready.content import load_content_module

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def integration() -> dict[str, ModuleType]:
    simulator = load_content_module("mocks", "magento", REPO / "mocks")
    names = ("retry", "outbox", "strategies", "settings", "clients", "exporter", "runtime")
    return {n: importlib.import_module(f"{simulator.__name__}.integration.{n}") for n in names}
