"""Magento Web API mechanics shared by every route: errors, JSON, key spelling, type coercion.

Magento renders an exception as ``{"message": <raw phrase>, "parameters": ...}`` with the
placeholders left in the phrase (spec §0.2); ``WebapiError`` carries exactly that. Input keys
arrive in camelCase or snake_case at any depth (spec §0.1); ``snake_keys`` folds them to one
spelling so handlers read ``cart_item`` whatever the client sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

# orjson is a required dependency (pyproject.toml): no stdlib fallback to drift from it.
DecodeError = orjson.JSONDecodeError


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads(data: bytes) -> Any:
    return orjson.loads(data)


__all__ = [
    "Params",
    "WebapiError",
    "dumps",
    "input_exception",
    "invalid_type",
    "loads",
    "no_such_entity",
    "require",
    "required_error",
    "snake",
    "snake_keys",
    "to_bool",
    "to_float",
    "to_int",
]

Params = dict[str, Any] | list[Any]

MSG_REQUIRED = '"%fieldName" is required. Enter and try again.'
MSG_NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
MSG_INPUT_EXCEPTIONS = "One or more input exceptions have occurred."
MSG_INVALID_TYPE = (
    'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'
)
MSG_NO_ROUTE = "Request does not match any route."
MSG_INTERNAL = "Internal Error. Details are available in Magento log file. Report ID: %1"


class WebapiError(Exception):
    """An error Magento would render: HTTP status, raw phrase, parameters, nested errors."""

    def __init__(
        self,
        status: int,
        message: str,
        parameters: Params | None = None,
        errors: list[dict[str, Any]] | None = None,
        code: int = 0,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.errors = errors
        self.code = code

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors:
            out["errors"] = self.errors
        if self.code:
            out["code"] = self.code
        if self.parameters:
            out["parameters"] = self.parameters
        return out

    def as_item(self) -> dict[str, Any]:
        """This error as one entry of an aggregate ``errors`` list."""
        item: dict[str, Any] = {"message": self.message}
        if self.parameters:
            item["parameters"] = self.parameters
        return item

    def rendered(self) -> str:
        """The phrase with its placeholders substituted (what async operations record)."""
        text = self.message
        params = self.parameters
        if isinstance(params, dict):
            for key in sorted(params, key=len, reverse=True):
                text = text.replace(f"%{key}", str(params[key]))
        elif isinstance(params, list):
            for index in range(len(params), 0, -1):
                text = text.replace(f"%{index}", str(params[index - 1]))
        return text


def required_error(field: str) -> WebapiError:
    return WebapiError(400, MSG_REQUIRED, {"fieldName": field})


def input_exception(errors: list[WebapiError]) -> WebapiError:
    """Magento's InputException: one error stands alone, several are aggregated."""
    if len(errors) == 1:
        return errors[0]
    return WebapiError(400, MSG_INPUT_EXCEPTIONS, errors=[e.as_item() for e in errors])


def no_such_entity(field: str, value: Any) -> WebapiError:
    return WebapiError(404, MSG_NO_SUCH_ENTITY, {"fieldName": field, "fieldValue": value})


def invalid_type(value: Any, expected: str) -> WebapiError:
    shown = value if isinstance(value, str | int | float) else str(value)
    return WebapiError(400, MSG_INVALID_TYPE, {"value": shown, "type": expected})


def require(data: Mapping[str, Any], *fields: str) -> None:
    """Raise Magento's required-field error(s) for missing method parameters."""
    missing = [required_error(f) for f in fields if data.get(_snake_cached(f)) is None]
    if missing:
        raise input_exception(missing)


# --- key spelling ---------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_SNAKE_CACHE: dict[str, str] = {}


def _snake_cached(key: str) -> str:
    out = _SNAKE_CACHE.get(key)
    if out is None:
        out = _CAMEL.sub(r"_\1", key).lower() if key[:1].islower() or "_" in key else key
        if len(_SNAKE_CACHE) < 4096:  # bounded: hostile payloads must not grow it forever
            _SNAKE_CACHE[key] = out
    return out


def snake(key: str) -> str:
    """``cartItem`` → ``cart_item``; ``quote_id`` unchanged (Magento accepts both)."""
    return _snake_cached(key)


def upper_camel(key: str) -> str:
    """``city`` → ``City``, ``address_classification`` → ``AddressClassification``."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


# Values under these keys are opaque to key folding (their keys are data, not field names).
_OPAQUE = frozenset({"custom_attributes", "additional_data", "additional_information",
                     "serialized_data"})


def snake_keys(value: Any) -> Any:
    """Fold every object key to snake_case, recursively (lists are walked too)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            skey = _snake_cached(key) if isinstance(key, str) else str(key)
            out[skey] = item if skey in _OPAQUE else snake_keys(item)
        return out
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def check_fields(
    obj: Mapping[str, Any], allowed: Iterable[str], version: tuple[int, ...], cls: str
) -> None:
    """Unknown keys in a data object are a 400 (2.4.7+ wording, or the older accessor one)."""
    allowed_set = allowed if isinstance(allowed, frozenset | set) else frozenset(allowed)
    for key in obj:
        if key not in allowed_set:
            name = upper_camel(key)
            if version >= (2, 4, 7):
                raise WebapiError(400, '"%fieldName" is not supported. Correct the field name '
                                  "and try again.", {"fieldName": name})
            raise WebapiError(400, 'Property "%1" does not have accessor method "%2" in class '
                              '"%3".', [name, f"get{name}", cls])


# --- scalar coercion (Magento's TypeProcessor) ----------------------------------------------

def to_float(value: Any, field: str = "") -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            raise invalid_type(value, "float") from None
        if out != out or out in (float("inf"), float("-inf")):
            raise invalid_type(value, "float")
        return out
    raise invalid_type(value, "float")


def to_int(value: Any, field: str = "") -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        # ASCII only: str.isdigit() also accepts "²" and other digits int() refuses
        if digits.isascii() and digits.isdigit() and len(text) < 19:
            return int(text)
    raise invalid_type(value, "int")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false", ""):
            return False
    raise invalid_type(value, "bool")


def to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int | float):
        return str(value)
    raise invalid_type(value, "string")


def as_object(value: Any, field: str) -> dict[str, Any]:
    """A method parameter that must be a data object (absent → required error)."""
    if value is None:
        raise required_error(field)
    if not isinstance(value, dict):
        raise invalid_type(value if isinstance(value, str | int | float) else "array", field)
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        raise required_error(field)
    if isinstance(value, dict):
        # PHP arrays: {"0": {...}} arrives as an object; Magento treats it as a list.
        return list(value.values())
    if not isinstance(value, list):
        raise invalid_type(value if isinstance(value, str | int | float) else "object", field)
    return value
