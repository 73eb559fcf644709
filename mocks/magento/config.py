"""The simulator's switches: Magento version behaviours, MSI mode, limits, backpressure.

Everything comes from ``MockSettings.options`` (the CLI flags) plus ``options["config"]``, a
mapping (or the loaded ``--config`` file) of the finer switches below. Unknown keys in it are a
ConfigError naming the key, so a typo never silently runs the wrong store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peakready.errors import ConfigError
from peakready.mockkit.settings import MockSettings

__all__ = ["Backpressure", "InputLimits", "SimConfig", "load_config"]

DEFAULT_ADMIN_TOKEN = "peakready-simulator-admin-token"
DEFAULT_ADMIN_USER = "admin"
DEFAULT_ADMIN_PASSWORD = "peakready-admin-1"


@dataclass
class InputLimits:
    """spec §1.3; off by default from 2.4.4, forced on in 2.4.3."""

    enabled: bool = False
    complex_array_limit: int = 20
    async_array_limit: int = 5000
    maximum_page_size: int = 300
    default_page_size: int = 20


@dataclass
class Backpressure:
    """spec §1.4 (2.4.7+): order placement limited per customer / per guest IP."""

    enabled: bool = False
    limit: int = 10
    guest_limit: int = 50
    period: float = 60.0


@dataclass
class SimConfig:
    version: tuple[int, int, int] = (2, 4, 7)
    inventory: str = "strict"                     # strict | race
    race_window_ms: float = 20.0                  # race mode: check → append gap
    not_available_message: bool = False           # 2.4.8: "Only X of Y available"
    ids_as_strings: bool = False                  # place-order/invoice/... ids as "17"
    tfa: bool = False                             # 2FA module on the admin token endpoint
    admin_token: str = DEFAULT_ADMIN_TOKEN
    admin_user: str = DEFAULT_ADMIN_USER
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    admin_token_lifetime: float = 4 * 3600.0
    customer_token_lifetime: float = 3600.0
    lockout_failures: int = 6
    lockout_seconds: float = 600.0
    integrations: dict[str, list[str]] = field(default_factory=dict)  # token → ACL resources
    input_limits: InputLimits = field(default_factory=InputLimits)
    backpressure: Backpressure = field(default_factory=Backpressure)
    flat_rate: float = 5.0                        # per item, Magento's flatrate default
    payment_methods: dict[str, str] = field(
        default_factory=lambda: {"checkmo": "Check / Money order"})
    capacity_model: bool = False
    profile: str | None = None
    fixtures_dir: Path | None = None
    seed: int = 0
    bulk_batch: int = 100                         # operations per consumer turn
    capacity: dict[str, Any] = field(default_factory=dict)  # CapacityConfig.from_options
    mockkit: bool = True                          # admin API, faults, journal in front
    integration: dict[str, Any] = field(default_factory=dict)  # integration/settings.py

    @property
    def version_text(self) -> str:
        return ".".join(str(p) for p in self.version)


def _version(text: Any) -> tuple[int, int, int]:
    try:
        parts = [int(p.split("-")[0]) for p in str(text).split(".")]
        major, minor, patch = [*parts, 0, 0, 0][:3]
    except ValueError:
        raise ConfigError(f"magento version {text!r} is not like 2.4.7") from None
    return (major, minor, patch)


_SIMPLE = {"race_window_ms": float, "not_available_message": bool, "ids_as_strings": bool,
           "tfa": bool, "admin_user": str, "admin_password": str, "admin_token": str,
           "admin_token_lifetime": float, "customer_token_lifetime": float,
           "lockout_failures": int, "lockout_seconds": float, "flat_rate": float,
           "bulk_batch": int, "mockkit": bool}


def _apply_section(target: Any, data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"magento config {where}: expected a mapping, got {data!r}")
    for key, value in data.items():
        if not hasattr(target, key):
            raise ConfigError(f"magento config {where}.{key}: unknown key (value {value!r})")
        current = getattr(target, key)
        try:
            setattr(target, key, type(current)(value))
        except (TypeError, ValueError):
            raise ConfigError(f"magento config {where}.{key}: bad value {value!r}") from None


def _read_file(path: str | Path) -> dict[str, Any]:
    import yaml  # only when a file is given

    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"magento config {path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"magento config {path}: expected a mapping at the top")
    section = data.get("magento", data)
    if not isinstance(section, dict):
        raise ConfigError(f"magento config {path}: key 'magento' must be a mapping")
    return section


def load_config(settings: MockSettings) -> SimConfig:
    opts = settings.options
    cfg = SimConfig(seed=settings.seed)
    cfg.version = _version(opts.get("magento_version") or "2.4.7")
    cfg.inventory = str(opts.get("inventory") or "strict")
    if cfg.inventory not in ("strict", "race"):
        raise ConfigError(f"magento inventory mode {cfg.inventory!r}: use strict or race")
    cfg.capacity_model = str(opts.get("capacity_model") or "off") == "on"
    cfg.profile = opts.get("profile")
    cfg.fixtures_dir = settings.fixtures_dir
    cfg.admin_token = os.environ.get("PEAKREADY_SIM_TOKEN") or DEFAULT_ADMIN_TOKEN
    cfg.input_limits.enabled = cfg.version[:3] == (2, 4, 3)
    extra = opts.get("config") or {}
    if isinstance(extra, str | Path):
        extra = _read_file(extra)
    if not isinstance(extra, dict):
        raise ConfigError(f"magento config: expected a mapping, got {extra!r}")
    for key, value in extra.items():
        if key in _SIMPLE:
            try:
                setattr(cfg, key, _SIMPLE[key](value))
            except (TypeError, ValueError):
                raise ConfigError(f"magento config {key}: bad value {value!r}") from None
        elif key == "input_limits":
            _apply_section(cfg.input_limits, value, key)
        elif key == "backpressure":
            _apply_section(cfg.backpressure, value, key)
        elif key == "integrations":
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) for v in value.values()):
                raise ConfigError("magento config integrations: expected {token: [resources]}")
            cfg.integrations = {str(k): [str(r) for r in v] for k, v in value.items()}
        elif key == "capacity":
            if not isinstance(value, dict):
                raise ConfigError("magento config capacity: expected a mapping")
            cfg.capacity = dict(value)
        elif key == "integration":
            if not isinstance(value, dict):
                raise ConfigError("magento config integration: expected a mapping")
            cfg.integration = dict(value)  # validated by integration/settings.py
        elif key == "payment_methods":
            if not isinstance(value, dict):
                raise ConfigError("magento config payment_methods: expected {code: title}")
            cfg.payment_methods = {str(k): str(v) for k, v in value.items()}
        else:
            raise ConfigError(f"magento config {key}: unknown key (value {value!r})")
    return cfg
