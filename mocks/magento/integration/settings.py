"""The integration's profile, flags and knobs, from the CLI, the config file and the admin API.

Sources, later wins: defaults ← the config file's ``integration:`` section ←
``options["integration"]`` (``good`` | ``none`` or a mapping), ``options["flags"]`` and
``options["service"]`` (the CLI's ``--flag`` and ``--service NAME=URL``) ←
``PUT /__admin/integration`` at runtime. Durations are seconds. A key or flag that is
not known is a ConfigError naming it, so a typo never runs the wrong integration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from peakready.errors import ConfigError

__all__ = ["FLAGS", "PROFILES", "IntegrationSettings", "settings_from_options"]

PROFILES = ("good", "none")
FLAGS = (
    "sync_order_export", "sync_stock_check", "no_retry", "retry_without_idempotency",
    "retry_storm", "ignore_retry_after", "no_reservations", "full_stock_sync",
    "no_shipping_fallback", "overwrite_crm_fields",
)
# The fault proxy's listeners (DESIGN §1): the integration never calls a mock directly.
DEFAULT_SERVICES = {"erp": "http://127.0.0.1:18281", "crm": "http://127.0.0.1:18282",
                    "payment": "http://127.0.0.1:18283", "shipping": "http://127.0.0.1:18284"}


@dataclass(frozen=True)
class IntegrationSettings:
    profile: str = "good"
    flags: frozenset[str] = frozenset()
    services: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SERVICES))
    # order export
    export_timeout: float = 2.0           # whole request, seconds
    connect_timeout: float = 1.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_attempts: int = 20                # ≈ 4 min of capped backoff: outlives a 60 s outage
    storm_attempt_limit: int = 500        # retry_storm still stops (every loop is bounded)
    export_workers: int = 8
    recovery_gap: float = 1.0             # no success for this long, then one: ERP is back
    # pulls (0 disables a loop)
    order_poll_interval: float = 5.0
    stock_poll_interval: float = 10.0
    customer_poll_interval: float = 10.0
    pull_timeout: float = 5.0
    page_limit: int = 500
    # checkout dependencies
    shipping_timeout: float = 2.0
    payment_timeout: float = 5.0
    payment_method: str = "peakready_card"
    payment_title: str = "Credit Card (peakready gateway)"
    default_card: str = "4242424242424242"
    seed: int = 0

    @property
    def enabled(self) -> bool:
        return self.profile != "none"

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out

    def merged(self, data: Mapping[str, Any], where: str) -> IntegrationSettings:
        """A copy with ``data`` applied (keys as in ``public()``), validated."""
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(self)}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{where}.{key}: unknown integration setting "
                                  f"(value {value!r})")
            if key == "profile":
                changes[key] = _profile(value, where)
            elif key == "flags":
                changes[key] = _flags(value, where)
            elif key == "services":
                changes[key] = _services(self.services, value, where)
            else:
                current = getattr(self, key)
                try:
                    cast = type(current)(value)
                except (TypeError, ValueError):
                    raise ConfigError(f"{where}.{key}: bad value {value!r}") from None
                if isinstance(cast, int | float) and not isinstance(cast, bool) and cast < 0:
                    raise ConfigError(f"{where}.{key}: must not be negative, got {value!r}")
                changes[key] = cast
        result = replace(self, **changes)
        if result.max_attempts < 1 or result.export_workers < 1:
            raise ConfigError(f"{where}: max_attempts and export_workers must be at least 1")
        return result


def _profile(value: Any, where: str) -> str:
    if value not in PROFILES:
        raise ConfigError(f"{where}.profile: {value!r} is not one of {', '.join(PROFILES)}")
    return str(value)


def _flags(value: Any, where: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, Iterable):
        raise ConfigError(f"{where}.flags: expected a list of flag names, got {value!r}")
    out = frozenset(str(v) for v in value)
    unknown = sorted(out - set(FLAGS))
    if unknown:
        raise ConfigError(f"{where}.flags: unknown flag(s) {', '.join(unknown)}; "
                          f"known: {', '.join(FLAGS)}")
    return out


def _services(current: Mapping[str, str], value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}.services: expected {{name: URL}}, got {value!r}")
    out = dict(current)
    for name, url in value.items():
        if name not in DEFAULT_SERVICES:
            raise ConfigError(f"{where}.services.{name}: unknown service; known: "
                              f"{', '.join(DEFAULT_SERVICES)}")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.services.{name}: expected an http(s) URL, got {url!r}")
        out[str(name)] = url.rstrip("/")
    return out


def settings_from_options(options: Mapping[str, Any], file_section: Mapping[str, Any] | None,
                          seed: int = 0) -> IntegrationSettings:
    """Resolve the settings a simulator starts with (see the module docstring)."""
    result = IntegrationSettings(seed=seed)
    if file_section:
        if not isinstance(file_section, Mapping):
            raise ConfigError(f"magento config integration: expected a mapping, "
                              f"got {file_section!r}")
        result = result.merged(file_section, "magento config integration")
    given = options.get("integration")
    if isinstance(given, Mapping):
        result = result.merged(given, "integration")
    elif given is not None:
        result = result.merged({"profile": given}, "integration")
    cli_flags = options.get("flags")
    if cli_flags:
        result = replace(result, flags=result.flags | _flags(cli_flags, "--flag"))
    cli_services = options.get("service")
    if cli_services:
        result = replace(result, services=_services(result.services,
                                                    _name_urls(cli_services), "--service"))
    return result


def _name_urls(values: Any) -> dict[str, str]:
    """``["erp=http://127.0.0.1:18281", ...]`` (the repeatable ``--service`` flag)."""
    if isinstance(values, str):
        values = [values]
    out: dict[str, str] = {}
    for item in values:
        name, sep, url = str(item).partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--service {item!r}: expected NAME=URL, e.g. "
                              "erp=http://127.0.0.1:18281")
        out[name.strip()] = url.strip()
    return out
