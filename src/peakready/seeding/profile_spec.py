"""The shape of a fixture profile file (``fixtures/profiles/<name>.yaml``) and its loader.

A profile is small, declarative and versioned with the project; the numbers for ``small`` and
``medium`` are Magento's performance-toolkit profiles (spec/magento-rest.md §8.1). Every
mistake in a file becomes a ``ConfigError`` that names the file, the key path and the value,
and says what to do, because users edit these files by hand: the models are
:class:`peakready.configmodel.StrictModel` s, read and validated by the one config mechanism.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from peakready.configmodel import StrictModel, load_yaml, validate
from peakready.content import find_content_dir
from peakready.errors import ConfigError

__all__ = [
    "CategoriesSpec",
    "CustomersSpec",
    "HotSpec",
    "ProductsSpec",
    "ProfileSpec",
    "Range",
    "find_profile_file",
    "load_profile",
]

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Range(StrictModel):
    """An inclusive ``{min, max}`` range."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min}); swap them")
        return self


class ProductsSpec(StrictModel):
    count: int = Field(ge=1, le=1_000_000)
    # SKUs read PR-000123; hot ones PR-HOT-01 (stable, sortable, greppable in logs).
    sku_prefix: str = Field(default="PR", pattern=r"^[A-Z][A-Z0-9]{0,9}$")
    price: Range = Range(min=4.99, max=249.99)
    qty: Range = Range(min=20, max=1000)
    weight: Range = Range(min=0.1, max=8.0)


class CategoriesSpec(StrictModel):
    count: int = Field(default=30, ge=1, le=100_000)
    depth: int = Field(default=3, ge=1, le=8)


class CustomersSpec(StrictModel):
    count: int = Field(ge=0, le=1_000_000)
    email_domain: str = Field(default="example.com", pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")


class HotSpec(StrictModel):
    """Scarce flash-sale SKUs: few units, many buyers (the no-oversell check's material)."""

    count: int = Field(default=5, ge=0, le=99)
    qty: int = Field(default=50, ge=0)
    price: Range = Range(min=49.0, max=399.0)


class ProfileSpec(StrictModel):
    name: str | None = None
    description: str = ""
    products: ProductsSpec
    categories: CategoriesSpec = CategoriesSpec()
    customers: CustomersSpec
    hot: HotSpec = HotSpec()


def _available(directory: Path) -> str:
    names = sorted(p.stem for p in directory.glob("*.yaml"))
    return ", ".join(names) if names else "(none)"


def find_profile_file(profile: str, fixtures_dir: Path | None = None) -> Path:
    """``small`` → ``<fixtures>/profiles/small.yaml``; a path to a ``.yaml`` file is used as is."""
    if profile.endswith((".yaml", ".yml")) and Path(profile).is_file():
        return Path(profile).resolve()
    if not _PROFILE_NAME.match(profile):
        raise ConfigError(
            f"profile {profile!r} is not a profile name: use a name like 'small' (a file in "
            f"fixtures/profiles/) or a path to a .yaml file"
        )
    directory = find_content_dir("fixtures", fixtures_dir) / "profiles"
    path = directory / f"{profile}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"profile {profile!r}: {path} does not exist; available profiles: "
            f"{_available(directory)}"
        )
    return path


def load_profile(path: Path) -> ProfileSpec:
    """Parse and validate one profile file, or raise ConfigError saying where and what to do."""
    raw: Any = load_yaml(path, what="fixture profile")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: a fixture profile must be a YAML mapping with keys products, customers "
            f"(and optionally categories, hot), got {type(raw).__name__} {raw!r}"
        )
    return validate(ProfileSpec, raw, source=str(path), what="fixture profile")
