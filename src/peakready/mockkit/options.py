"""A mock's effective options: ``settings.options`` over the file named by its ``config`` key.

``peakready mock erp --config erp.yaml`` (or the orchestrator) can hand a mock its business
knobs (rate limit, movement rate, fulfilment delays...) in a YAML or JSON mapping; options set
in code win over the file. Unknown keys are the mock's business to reject.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from peakready.errors import ConfigError
from peakready.mockkit.settings import MockSettings

__all__ = ["mock_options", "number_option"]


def mock_options(settings: MockSettings) -> dict[str, Any]:
    options = dict(settings.options)
    config = options.get("config")
    if not config:
        return options
    path = Path(str(config)).expanduser()
    try:
        text = path.read_text("utf-8")
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read mock {settings.name} options: {exc}") from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: mock options must be a mapping, got {type(loaded).__name__}")
    section = loaded.get(settings.name, loaded)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: key {settings.name!r} must be a mapping")
    return {**section, **{k: v for k, v in options.items() if k != "config"}}


def number_option(options: dict[str, Any], key: str, default: float, *, low: float = 0.0,
                  mock: str = "mock") -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ConfigError(f"mock {mock} option {key}: must be a number >= {low}, got {value!r}")
    return float(value)
