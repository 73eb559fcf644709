"""A mock's options: ``settings.options`` over its ``--config`` file, as one strict model.

``peakready mock erp --config erp.yaml`` (or the orchestrator) hands a mock its business
knobs (rate limit, movement rate, fulfilment delays...) in a YAML or JSON mapping, flat or
under a key named after the mock; options set in code (or by a CLI flag) win over the file.
Each mock declares its options as a ``peakready.configmodel.StrictModel``::

    class ErpOptions(StrictModel):
        pick_after: float = Field(default=10.0, ge=0)
        movements_include_hot: StrictBool = False

    options = mock_config(settings, ErpOptions)

so an unknown key is a ConfigError naming the file (or the mock), the key path, the value and
the closest known key, and ``"false"`` is false: the one configuration mechanism.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from peakready.configmodel import load_yaml, validate
from peakready.errors import ConfigError
from peakready.mockkit.settings import MockSettings

__all__ = ["mock_config"]

M = TypeVar("M", bound=BaseModel)


def _file_section(path: Path, name: str) -> dict[str, Any]:
    loaded = load_yaml(path, what=f"mock {name} options")   # JSON is YAML too
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: mock {name} options must be a mapping, got "
                          f"{type(loaded).__name__}")
    section = loaded.get(name, loaded)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: key {name!r} must be a mapping")
    return section


def mock_config(settings: MockSettings, model: type[M]) -> M:
    """``settings.options`` over the file named by its ``config`` key, validated."""
    options = dict(settings.options)
    config = options.pop("config", None)
    source = f"mock {settings.name} options"
    merged: dict[str, Any] = {}
    if config:
        path = Path(str(config)).expanduser()
        merged = _file_section(path, settings.name)
        source = f"{path} (mock {settings.name} options)"
    merged.update(options)
    return validate(model, merged, source=source)
