"""Decoding JSON values into Go-shaped structs, with Go's type-error messages.

Toxiproxy decodes request bodies into Go structs; clients see the resulting
``json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type
int64`` verbatim. A :class:`GoStruct` describes such a struct (its ``Name()``, its type text and
its JSON fields); :func:`decode` returns the fields that were sent, with Go's rules:

* unknown keys are ignored, ``null`` leaves a field unset, duplicate keys: the last one wins;
* keys match exactly first, then case-insensitively (Go's fold matching);
* a type mismatch does not stop decoding, but the FIRST one is the error returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peakready.faultproxy.gojson import Float32, JNumber, JObject

__all__ = ["GoDecodeError", "GoField", "GoStruct", "decode", "decode_slice"]

_INT_BOUNDS = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38


class GoDecodeError(ValueError):
    """A Go ``UnmarshalTypeError``; ``str()`` is its message."""


@dataclass(frozen=True)
class GoField:
    """One JSON field. ``kind``: string, bool, int64, int, float32 or struct."""

    name: str
    kind: str
    struct: GoStruct | None = None


@dataclass(frozen=True)
class GoStruct:
    """``name`` is reflect's ``Name()`` (``""`` for an anonymous struct); ``type_text`` is its
    ``String()`` as shown in ``Go value of type …`` messages."""

    name: str
    type_text: str
    fields: tuple[GoField, ...] = field(default=())

    def lookup(self, key: str) -> GoField | None:
        for f in self.fields:
            if f.name == key:
                return f
        folded = key.casefold()
        for f in self.fields:
            if f.name.casefold() == folded:
                return f
        return None


def _json_kind(value: Any) -> str:
    if isinstance(value, JObject):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, JNumber):
        return "number"
    return "string"


class _Context:
    def __init__(self) -> None:
        self.error: GoDecodeError | None = None

    def fail(self, value_text: str, go_type: str, struct: GoStruct | None,
             path: tuple[str, ...]) -> None:
        if self.error is not None:
            return
        if struct is not None or path:
            where = f"Go struct field {struct.name if struct else ''}.{'.'.join(path)}"
        else:
            where = "Go value"
        self.error = GoDecodeError(
            f"json: cannot unmarshal {value_text} into {where} of type {go_type}")


def _scalar(value: Any, kind: str, ctx: _Context, owner: GoStruct | None,
            path: tuple[str, ...]) -> Any:
    """Decode a non-null value into a scalar kind; returns None after recording an error."""
    go_type = kind
    got = _json_kind(value)
    if kind == "string":
        if got == "string":
            return value
    elif kind == "bool":
        if got == "bool":
            return value
    elif kind in ("int64", "int"):
        if got == "number":
            try:
                number = int(value)
            except ValueError:
                number = None
            if number is None or not _INT_BOUNDS[0] <= number <= _INT_BOUNDS[1]:
                ctx.fail(f"number {value}", go_type, owner, path)
                return None
            return number
    elif kind == "float32" and got == "number":
        number_f = float(value)
        if abs(number_f) > _FLOAT32_MAX:
            ctx.fail(f"number {value}", go_type, owner, path)
            return None
        return Float32(number_f)
    ctx.fail(got, go_type, owner, path)
    return None


def _struct(value: Any, struct: GoStruct, ctx: _Context, owner: GoStruct | None,
            path: tuple[str, ...]) -> dict[str, Any] | None:
    if not isinstance(value, JObject):
        ctx.fail(_json_kind(value), struct.type_text, owner, path)
        return None
    out: dict[str, Any] = {}
    for key, item in value:
        f = struct.lookup(key)
        if f is None or item is None:
            continue
        sub_path = (*path, f.name)
        if f.kind == "struct":
            assert f.struct is not None
            decoded = _struct(item, f.struct, ctx, struct, sub_path)
            if decoded is not None:
                # Go decodes into the same struct again, so repeated keys merge.
                merged = out.get(f.name, {})
                merged.update(decoded)
                out[f.name] = merged
        else:
            decoded = _scalar(item, f.kind, ctx, struct, sub_path)
            if decoded is not None:
                out[f.name] = decoded
    return out


def decode(value: Any, struct: GoStruct) -> dict[str, Any]:
    """Decode a top-level JSON value into ``struct``: the fields sent (``null`` body → ``{}``)."""
    if value is None:
        return {}
    ctx = _Context()
    out = _struct(value, struct, ctx, None, ())
    if ctx.error is not None:
        raise ctx.error
    assert out is not None
    return out


def decode_slice(value: Any, element: GoStruct, slice_text: str) -> list[dict[str, Any]]:
    """Decode a top-level JSON array of structs (``null`` → ``[]``; ``null`` items → ``{}``)."""
    if value is None:
        return []
    ctx = _Context()
    if not isinstance(value, list) or isinstance(value, JObject):
        ctx.fail(_json_kind(value), slice_text, None, ())
        assert ctx.error is not None
        raise ctx.error
    items: list[dict[str, Any]] = []
    for item in value:
        decoded = {} if item is None else _struct(item, element, ctx, None, ())
        items.append(decoded or {})
    if ctx.error is not None:
        raise ctx.error
    return items
