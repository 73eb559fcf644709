"""The integration's profile, flags and knobs, from the CLI, the config file and the admin API.

Sources, later wins: defaults ← the config file's ``integration:`` section ←
``options["integration"]`` (``good`` | ``none`` or a mapping), ``options["flags"]`` and
``options["service"]`` (the CLI's ``--flag`` and ``--service NAME=URL``) ←
``PUT /__admin/integration`` at runtime. Durations are seconds. The settings are a
:class:`peakready.configmodel.StrictModel`: a key or flag that is not known, a wrong type or a
negative number is a ConfigError naming the source, the key and the value, so a typo never runs
the wrong integration. Flag names come from :data:`peakready.integration_flags.FLAGS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from peakready.configmodel import StrictModel, validate
from peakready.errors import ConfigError
from peakready.integration_flags import FLAGS

__all__ = ["PROFILES", "IntegrationSettings", "payment_gateway_given", "settings_from_options"]

PROFILES = ("good", "none")
# The fault proxy's listeners (DESIGN §1): the integration never calls a mock directly.
DEFAULT_SERVICES = {"erp": "http://127.0.0.1:18281", "crm": "http://127.0.0.1:18282",
                    "payment": "http://127.0.0.1:18283", "shipping": "http://127.0.0.1:18284"}


def _flag_names(value: Any) -> Any:
    """``"no_retry, retry_storm"`` or a list → a set of known flag names."""
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple | set | frozenset):
        for name in value:
            if not isinstance(name, str) or name not in FLAGS:
                raise ValueError(FLAGS.unknown(str(name)))
        return frozenset(value)
    return value  # pydantic reports the wrong type


def _service_urls(value: dict[str, str]) -> dict[str, str]:
    out = dict(DEFAULT_SERVICES)
    for name, url in value.items():
        if name not in DEFAULT_SERVICES:
            raise ValueError(f"unknown service {name!r}; known: {', '.join(DEFAULT_SERVICES)}")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{name}: expected an http(s) URL, got {url!r}")
        out[name] = url.rstrip("/")
    return out


Flags = Annotated[frozenset[str], BeforeValidator(_flag_names)]
Services = Annotated[dict[str, str], AfterValidator(_service_urls)]
Seconds = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


class IntegrationSettings(StrictModel):
    profile: Literal["good", "none"] = "good"
    flags: Flags = frozenset()
    services: Services = Field(default_factory=lambda: dict(DEFAULT_SERVICES))
    # order export
    export_timeout: Seconds = 2.0         # whole request, seconds
    connect_timeout: Seconds = 1.0
    backoff_base: Seconds = 0.5
    backoff_cap: Seconds = 30.0
    max_attempts: int = Field(default=20, ge=1)  # ≈ 4 min of capped backoff: outlives 60 s
    storm_attempt_limit: Count = 500      # retry_storm still stops (every loop is bounded)
    export_workers: int = Field(default=8, ge=1)
    recovery_gap: Seconds = 1.0           # no success for this long, then one: ERP is back
    # pulls (0 disables a loop)
    order_poll_interval: Seconds = 5.0
    stock_poll_interval: Seconds = 10.0
    customer_poll_interval: Seconds = 10.0
    pull_timeout: Seconds = 5.0
    page_limit: Count = 500
    # checkout dependencies
    shipping_timeout: Seconds = 2.0
    payment_timeout: Seconds = 5.0
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
        out = self.model_dump()
        out["flags"] = sorted(self.flags)
        return out

    def merged(self, data: Mapping[str, Any], where: str) -> IntegrationSettings:
        """A copy with ``data`` applied (keys as in ``public()``; ``services`` merge by name),
        validated as a whole."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a mapping of integration settings, "
                              f"got {data!r}")
        changes = dict(data)
        if isinstance(changes.get("services"), Mapping):
            changes["services"] = {**self.services, **changes["services"]}
        return validate(IntegrationSettings, {**self.model_dump(), **changes}, source=where,
                        what="integration settings")


def settings_from_options(options: Mapping[str, Any], file_section: Mapping[str, Any] | None,
                          seed: int = 0) -> IntegrationSettings:
    """Resolve the settings a simulator starts with (see the module docstring)."""
    result = IntegrationSettings(seed=seed)
    if file_section:
        result = result.merged(file_section, "magento config integration")
    given = options.get("integration")
    if isinstance(given, Mapping):
        result = result.merged(given, "integration")
    elif given is not None:
        result = result.merged({"profile": given}, "integration")
    cli_flags = options.get("flags")
    if cli_flags:
        added = validate(IntegrationSettings, {"flags": cli_flags}, source="--flag").flags
        result = result.merged({"flags": result.flags | added}, "--flag")
    cli_services = options.get("service")
    if cli_services:
        result = result.merged({"services": _name_urls(cli_services)}, "--service")
    return result


def payment_gateway_given(options: Mapping[str, Any],
                          file_section: Mapping[str, Any] | None) -> bool:
    """Whether the simulator was told where the payment gateway is (``--service payment=``,
    or ``services.payment`` in the integration settings or the config file): then the store
    offers its card payment method even with ``integration: none``."""
    cli = options.get("service")
    if cli and "payment" in _name_urls(cli):
        return True
    for section in (options.get("integration"), file_section):
        services = section.get("services") if isinstance(section, Mapping) else None
        if isinstance(services, Mapping) and "payment" in services:
            return True
    return False


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
