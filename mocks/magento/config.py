"""The simulator's switches: Magento version behaviours, MSI mode, visibility, limits.

::

    MockSettings.options (CLI flags, or in code) ─┐
    options["config"]: a mapping or a --config ───┼─► load_config ─► SimConfig (StrictModel)
    file (flat, or under a ``magento:`` key)      ┘      validated by peakready.configmodel

Everything is one ``peakready.configmodel.StrictModel``: an unknown key (at any depth) is a
ConfigError naming the source, the key path and the value, with the closest known key, and
booleans are strict (``"false"``/``"no"`` are false, never true), so a typo never silently
runs the wrong store. A CLI flag that was given wins over the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from peakready.configmodel import StrictBool, StrictModel, load_yaml, validate
from peakready.errors import ConfigError
from peakready.mockkit.settings import MockSettings

__all__ = ["Backpressure", "InputLimits", "SimConfig", "load_config"]

DEFAULT_ADMIN_TOKEN = "peakready-simulator-admin-token"
DEFAULT_ADMIN_USER = "admin"
DEFAULT_ADMIN_PASSWORD = "peakready-admin-1"


class InputLimits(StrictModel):
    """spec §1.3; off by default from 2.4.4, forced on in 2.4.3."""

    enabled: StrictBool = False
    complex_array_limit: int = Field(default=20, ge=1)
    async_array_limit: int = Field(default=5000, ge=1)
    maximum_page_size: int = Field(default=300, ge=1)
    default_page_size: int = Field(default=20, ge=1)


class Backpressure(StrictModel):
    """spec §1.4 (2.4.7+): order placement limited per customer / per guest IP."""

    enabled: StrictBool = False
    limit: int = Field(default=10, ge=1)
    guest_limit: int = Field(default=50, ge=1)
    period: float = Field(default=60.0, gt=0)


class SimConfig(StrictModel):
    version: tuple[int, int, int] = (2, 4, 7)
    inventory: Literal["strict", "race"] = "strict"
    race_window_ms: float = Field(default=20.0, ge=0)          # race mode: check → append gap
    # realistic: each order becomes visible to searches after a seeded delay of up to
    # visibility_delay_ms, so concurrent orders appear out of entity-id order (as commits do)
    visibility: Literal["immediate", "realistic"] = "immediate"
    visibility_delay_ms: float = Field(default=200.0, ge=0, le=60_000)
    not_available_message: StrictBool = False                 # 2.4.8: "Only X of Y available"
    ids_as_strings: StrictBool = False                        # place-order/invoice/... ids "17"
    tfa: StrictBool = False                                   # 2FA on the admin token endpoint
    admin_token: str = DEFAULT_ADMIN_TOKEN
    admin_user: str = DEFAULT_ADMIN_USER
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    admin_token_lifetime: float = Field(default=4 * 3600.0, ge=0)
    customer_token_lifetime: float = Field(default=3600.0, ge=0)
    lockout_failures: int = Field(default=6, ge=1)
    lockout_seconds: float = Field(default=600.0, ge=0)
    integrations: dict[str, list[str]] = Field(default_factory=dict)   # token → ACL resources
    input_limits: InputLimits = Field(default_factory=InputLimits)
    backpressure: Backpressure = Field(default_factory=Backpressure)
    flat_rate: float = Field(default=5.0, ge=0)               # per item, Magento's default
    payment_methods: dict[str, str] = Field(
        default_factory=lambda: {"checkmo": "Check / Money order"})
    capacity_model: StrictBool = False
    profile: str | None = None
    fixtures_dir: Path | None = None
    seed: int = 0
    bulk_batch: int = Field(default=100, ge=1)                # operations per consumer turn
    capacity: dict[str, Any] = Field(default_factory=dict)    # mockkit.capacity's options
    mockkit: StrictBool = True                                # admin API, faults, journal
    integration: dict[str, Any] = Field(default_factory=dict)  # integration/settings.py
    # storefront (graphql/, pages/): the inventory indexer's mode decides which stock writes
    # clean the full-page cache (pages/invalidation.py); coupon codes GraphQL accepts (no
    # discount rule is modelled: a coupon is validated and recorded on the cart, totals stay)
    indexer_mode: Literal["schedule", "save"] = "schedule"
    full_page_cache: StrictBool = True
    coupons: list[str] = Field(default_factory=lambda: ["PEAKREADY10"])
    graphql_query_depth: int = Field(default=20, ge=1)
    graphql_query_complexity: int = Field(default=300, ge=1)

    @property
    def version_text(self) -> str:
        return ".".join(str(p) for p in self.version)


# What only the process knows (CLI flags, environment): never keys of the config file.
_NOT_IN_FILE = frozenset({"version", "capacity_model", "profile", "fixtures_dir", "seed",
                          "inventory"})


def _version(text: Any) -> tuple[int, int, int]:
    try:
        parts = [int(p.split("-")[0]) for p in str(text).split(".")]
        major, minor, patch = [*parts, 0, 0, 0][:3]
    except ValueError:
        raise ConfigError(f"magento version {text!r} is not like 2.4.7") from None
    return (major, minor, patch)


def _file_section(extra: Any) -> tuple[dict[str, Any], str]:
    if isinstance(extra, str | Path):
        path = Path(extra)
        data = load_yaml(path, what="magento config")
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: magento config: expected a mapping at the top")
        section = data.get("magento", data)
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: key 'magento' must be a mapping")
        return dict(section), str(path)
    if not isinstance(extra, dict):
        raise ConfigError(f"magento config: expected a mapping, got {extra!r}")
    return dict(extra), "magento config"


def load_config(settings: MockSettings) -> SimConfig:
    opts = settings.options
    section, source = _file_section(opts.get("config") or {})
    reserved = sorted(set(section) & _NOT_IN_FILE)
    if reserved:
        raise ConfigError(f"{source}: {reserved[0]} = {section[reserved[0]]!r}: set by the "
                          f"command line (--{reserved[0].replace('_', '-')}), not the file")
    version = _version(opts.get("magento_version") or "2.4.7")
    data: dict[str, Any] = {"admin_token": os.environ.get("PEAKREADY_SIM_TOKEN")
                            or DEFAULT_ADMIN_TOKEN, **section}
    # 2.4.3 forces input limits on; a file may still set each limit.
    limits = section.get("input_limits", {})
    if isinstance(limits, dict):
        data["input_limits"] = {"enabled": version == (2, 4, 3), **limits}
    for key in ("inventory", "visibility"):
        if opts.get(key) is not None:
            data[key] = opts[key]
    data.update(version=version, seed=settings.seed, profile=opts.get("profile"),
                fixtures_dir=settings.fixtures_dir,
                capacity_model=opts.get("capacity_model") or False)
    return validate(SimConfig, data, source=source)
