"""Helpers shared by the seeding unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def fixtures_copy(tmp_path: Path) -> Path:
    """An empty fixtures/ folder with a profiles/ subfolder, for writing bad profiles into."""
    (tmp_path / "profiles").mkdir()
    return tmp_path


GOOD_PROFILE = """\
name: custom
products: {count: 12, sku_prefix: QA, price: {min: 1, max: 2}, qty: {min: 3, max: 3}}
categories: {count: 4, depth: 2}
customers: {count: 3}
hot: {count: 1, qty: 7}
"""


@pytest.fixture()
def good_profile_text() -> str:
    return GOOD_PROFILE
