"""The shape of a fixture profile file (``fixtures/profiles/<name>.yaml``) and its loader.

A profile is small, declarative and versioned with the project; the numbers for ``small`` and
``medium`` are Magento's performance-toolkit profiles (spec/magento-rest.md §8.1). Every
mistake in a file becomes a ``ConfigError`` that names the file, the key path and the value,
and says what to do, because users edit these files by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Range(_Strict):
    """An inclusive ``{min, max}`` range."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min}); swap them")
        return self


class ProductsSpec(_Strict):
    count: int = Field(ge=1, le=1_000_000)
    # SKUs read PR-000123; hot ones PR-HOT-01 (stable, sortable, greppable in logs).
    sku_prefix: str = Field(default="PR", pattern=r"^[A-Z][A-Z0-9]{0,9}$")
    price: Range = Range(min=4.99, max=249.99)
    qty: Range = Range(min=20, max=1000)
    weight: Range = Range(min=0.1, max=8.0)


class CategoriesSpec(_Strict):
    count: int = Field(default=30, ge=1, le=100_000)
    depth: int = Field(default=3, ge=1, le=8)


class CustomersSpec(_Strict):
    count: int = Field(ge=0, le=1_000_000)
    email_domain: str = Field(default="example.com", pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")


class HotSpec(_Strict):
    """Scarce flash-sale SKUs: few units, many buyers (the no-oversell check's material)."""

    count: int = Field(default=5, ge=0, le=99)
    qty: int = Field(default=50, ge=0)
    price: Range = Range(min=49.0, max=399.0)


class ProfileSpec(_Strict):
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


def _key_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _explain(path: Path, exc: ValidationError) -> ConfigError:
    problems = []
    for error in exc.errors(include_url=False):
        key = _key_path(tuple(error["loc"]))
        kind = error["type"]
        if kind == "extra_forbidden":
            hint = "unknown key; remove it or check its spelling"
        elif kind == "missing":
            hint = "required key is missing; add it"
        else:
            hint = str(error["msg"]).removeprefix("Value error, ")
        value = "" if kind == "missing" else f" = {error.get('input')!r}"
        problems.append(f"{key}{value}: {hint}")
    return ConfigError(f"{path}: invalid fixture profile: " + "; ".join(problems))


def load_profile(path: Path) -> ProfileSpec:
    """Parse and validate one profile file, or raise ConfigError saying where and what to do."""
    try:
        raw: Any = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read fixture profile: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: a fixture profile must be a YAML mapping with keys products, customers "
            f"(and optionally categories, hot), got {type(raw).__name__} {raw!r}"
        )
    try:
        return ProfileSpec.model_validate(raw)
    except ValidationError as exc:
        raise _explain(path, exc) from exc
