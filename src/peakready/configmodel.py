"""The one configuration mechanism: strict pydantic models and one way to report their errors.

::

    StrictModel            base of every options model (plan, simulator config, capacity model,
      │                    integration settings, fault rules, fixture profiles): unknown keys
      │                    refused, booleans strict ("false" is false, "maybe" an error)
    validate(model, data, source=..., at=...) ──► instance, or ConfigError
                           "<source>: <at.key.path> = <value>: <what is wrong>; did you mean <key>?"
    load_yaml(path) ──► a mapping, or ConfigError naming the file
    Duration               "90s", "2m", "1h", "1h30m", 250ms, or a number of seconds → float seconds
    StrictBool             True/False, and the strings and 0/1 a YAML or CLI user writes

Users write plans and config files by hand, so every message says where (source, key path),
what (the value) and what to do (the closest known key for a typo).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationError

from peakready.errors import ConfigError

__all__ = [
    "Duration",
    "StrictBool",
    "StrictModel",
    "explain",
    "format_duration",
    "load_yaml",
    "parse_bool",
    "parse_duration",
    "validate",
]

M = TypeVar("M", bound=BaseModel)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_duration(value: Any) -> float:
    """``90s`` / ``2m`` / ``1h30m`` / ``250ms`` / a number (seconds) → seconds as a float."""
    if isinstance(value, bool):
        raise ValueError(f"a duration is a number of seconds or text like '90s', not {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative ({value})")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"a duration is a number of seconds or text like '90s', '2m', '1h', "
                         f"not {type(value).__name__}")
    text = value.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration: write e.g. '90s', '2m', '1h' or '1h30m'")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """Seconds → the shortest plan spelling (``90`` → ``90s``, ``120`` → ``2m``)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:g}s"


def parse_bool(value: Any) -> bool:
    """Strict booleans: the spellings a YAML file, an env var or a CLI flag use; nothing else.

    Python's ``bool("false")`` is True; a config mechanism that does that turns options on that
    the user switched off, so anything unrecognised is an error instead.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"{value!r} is not a boolean: use true or false")


Duration = Annotated[float, BeforeValidator(parse_duration),
                     PlainSerializer(lambda s: s, return_type=float)]
StrictBool = Annotated[bool, BeforeValidator(parse_bool)]


class StrictModel(BaseModel):
    """Base of every options model: unknown keys refused, values validated on assignment too."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _key_path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts union member tags and validator names into loc; users never wrote those.
    parts = [str(p) for p in loc if not (isinstance(p, str) and (
        p.startswith("function-") or p in {"str", "int", "float", "bool", "list", "dict"}
        or "[" in p))]
    return ".".join(parts) or "(top level)"


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names (and aliases) of the model that holds the key at ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields is None:
            continue
        field = fields.get(part) if isinstance(part, str) else None
        if field is None:
            field = next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            continue
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in candidates:
            for inner in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    current = inner
                    break
    fields = getattr(current, "model_fields", {})
    return [f.alias or name for name, f in fields.items()]


def explain(exc: ValidationError, source: str, model: type[BaseModel] | None = None,
            what: str = "", at: str = "") -> ConfigError:
    """One ConfigError for every problem pydantic found, each with key path, value and hint.

    ``at`` is where the model's mapping sits in its source (``capacity`` in a simulator config
    file), so key paths read as the user wrote them (``capacity.workers``)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        key = _key_path(loc)
        if at:
            key = at if key == "(top level)" else f"{at}.{key}"
        kind = error["type"]
        if kind == "extra_forbidden":
            known = _known_keys(model, loc) if model is not None and loc else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1) if loc else []
            hint = f"unknown key; did you mean {close[0]!r}?" if close else (
                "unknown key; remove it" + (f" (known keys: {', '.join(known)})" if known else ""))
        elif kind == "missing":
            hint = "required key is missing; add it"
        else:
            hint = str(error["msg"]).removeprefix("Value error, ")
        # A rule over a whole section (a model validator) names its keys in its own words;
        # echoing the section, or the whole plan, back would bury that message.
        whole_section = kind == "value_error" and isinstance(error.get("input"), Mapping)
        value = "" if kind == "missing" or whole_section else f" = {error.get('input')!r}"
        problems.append(hint if whole_section and not loc else f"{key}{value}: {hint}")
    label = f"invalid {what}: " if what else ""
    return ConfigError(f"{source}: {label}" + "; ".join(problems))


def validate(model: type[M], data: Any, *, source: str, what: str = "", at: str = "") -> M:
    """``model.model_validate(data)`` with every failure turned into one ConfigError.

    ``at`` prefixes key paths when ``data`` is one section of a larger file (see explain)."""
    if not isinstance(data, Mapping):
        where = f"{at}: " if at else ""
        raise ConfigError(f"{source}: {where}{what or 'configuration'} must be a mapping of keys "
                          f"to values, got {type(data).__name__} {data!r}")
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise explain(exc, source, model, what, at) from exc


def load_yaml(path: Path, *, what: str = "file") -> Any:
    """Read a YAML (or JSON) file; ConfigError names the file when it cannot."""
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {what} is not valid YAML: {exc}") from exc
