"""The bundled plans validate and keep the lengths the docs promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.config import load_plan

_LIMITS = {"smoke": 180.0, "ci": 90.0, "black-friday": 600.0, "black-friday-headless": 600.0,
           "soak": 3600.0}


@pytest.mark.parametrize("name", sorted(_LIMITS))
def test_bundled_plan_validates_and_fits_its_length(repo_root: Path, name: str) -> None:
    plan = load_plan(repo_root / "fixtures" / "plans" / f"{name}.yaml")
    assert plan.name == name
    assert plan.load.duration <= _LIMITS[name]
    assert plan.faults, "every bundled plan exercises faults"
    # shoppers browse as a Luma store's (pages) or a headless store's (GraphQL) do
    assert plan.load.storefronts == ({"graphql"} if name.endswith("headless") else {"pages"})
    if name in ("smoke", "black-friday", "black-friday-headless"):
        assert plan.load.flash_sale is not None
        labels = {f.label for f in plan.faults}
        assert {"erp latency", "erp down", "erp http 429", "shipping down"} <= labels
        assert any(f.http and f.http.retry_after for f in plan.faults)
