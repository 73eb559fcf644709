"""Request bodies of the control API, decoded exactly as Toxiproxy 2.12 decodes them.

Each function takes the raw body and returns plain values or raises :class:`ToxiproxyError` with
Toxiproxy's status and message. The Go structs they imitate are declared here once, so error
texts name the same Go types (``toxics.ToxicWrapper``, ``LatencyToxic.attributes.latency``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peakready.faultproxy.apierror import ToxiproxyError, bad_request_body, missing_field
from peakready.faultproxy.godecode import GoDecodeError, GoField, GoStruct, decode, decode_slice
from peakready.faultproxy.gojson import Float32, GoJSONError, JNumber, JObject, decode_first
from peakready.faultproxy.toxics import REGISTRY, InvalidAttributes

__all__ = [
    "ProxyInput",
    "ToxicInput",
    "ToxicUpdate",
    "parse_populate",
    "parse_proxy_create",
    "parse_proxy_update",
    "parse_toxic_create",
    "parse_toxic_update",
]

EXPIRES_KEY = "expires_in_ms"  # peakready extension on toxic create/update

_LOGGER = GoStruct("Logger", "zerolog.Logger")
_PROXY_FIELDS = (GoField("name", "string"), GoField("listen", "string"),
                 GoField("upstream", "string"), GoField("Logger", "struct", _LOGGER))
_PROXY = GoStruct("Proxy", "toxiproxy.Proxy", (*_PROXY_FIELDS, GoField("enabled", "bool")))
_POPULATE_ITEM = GoStruct(
    "", 'struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }',
    (*_PROXY_FIELDS, GoField("enabled", "bool")))
_POPULATE_TEXT = "[]" + _POPULATE_ITEM.type_text

_NOOP = GoStruct("NoopToxic", "toxics.NoopToxic")
_WRAPPER = GoStruct("ToxicWrapper", "toxics.ToxicWrapper", (
    GoField("attributes", "struct", _NOOP), GoField("name", "string"), GoField("type", "string"),
    GoField("stream", "string"), GoField("toxicity", "float32")))
_ATTRS_TEXT = 'Attributes interface {} "json:\\"attributes\\""'
_TOXICITY_TEXT = 'Toxicity float32 "json:\\"toxicity\\""'

# Go struct names and field kinds of each toxic type (slicer's fields are Go ``int``).
_GO_NAMES = {"latency": "LatencyToxic", "bandwidth": "BandwidthToxic",
             "slow_close": "SlowCloseToxic", "timeout": "TimeoutToxic",
             "reset_peer": "ResetToxic", "slicer": "SlicerToxic",
             "limit_data": "LimitDataToxic", "noop": "NoopToxic"}
_INT_KIND = {"slicer": "int"}


@dataclass
class ProxyInput:
    name: str
    listen: str
    upstream: str
    enabled: bool


@dataclass
class ToxicInput:
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, int]
    expires_in_ms: int | None


@dataclass
class ToxicUpdate:
    attributes: dict[str, int]
    toxicity: float | None
    expires_in_ms: int | None


def _json(body: bytes) -> Any:
    try:
        return decode_first(body)
    except GoJSONError as exc:
        raise bad_request_body(exc) from None


def _go(value: Any, struct: GoStruct) -> dict[str, Any]:
    try:
        return decode(value, struct)
    except GoDecodeError as exc:
        raise bad_request_body(exc) from None


def attributes_struct(toxic_type: str) -> GoStruct:
    go_name = _GO_NAMES.get(toxic_type) or (
        "".join(p.capitalize() for p in toxic_type.split("_")) + "Toxic")
    kind = _INT_KIND.get(toxic_type, "int64")
    names = REGISTRY[toxic_type].attribute_names
    return GoStruct(go_name, f"toxics.{go_name}", tuple(GoField(n, kind) for n in names))


def parse_proxy_create(body: bytes) -> ProxyInput:
    fields = _go(_json(body), _PROXY)
    name, upstream = fields.get("name", ""), fields.get("upstream", "")
    if not name:
        raise missing_field("name")
    if not upstream:
        raise missing_field("upstream")
    return ProxyInput(name, fields.get("listen", ""), upstream, fields.get("enabled", True))


def parse_proxy_update(body: bytes) -> dict[str, Any]:
    """The subset of listen/upstream/enabled that was sent (``name`` is ignored)."""
    fields = _go(_json(body), _PROXY)
    return {k: v for k, v in fields.items() if k in ("listen", "upstream", "enabled")}


def parse_populate(body: bytes) -> list[ProxyInput]:
    """Decode and validate every entry first: one bad entry means nothing is created."""
    try:
        items = decode_slice(_json(body), _POPULATE_ITEM, _POPULATE_TEXT)
    except GoDecodeError as exc:
        raise bad_request_body(exc) from None
    proxies = []
    for n, item in enumerate(items, start=1):
        if not item.get("name"):
            raise missing_field(f"name at proxy {n}")
        if not item.get("upstream"):
            raise missing_field(f"upstream at proxy {n}")
        proxies.append(ProxyInput(item["name"], item.get("listen", ""), item["upstream"],
                                  item.get("enabled", True)))
    return proxies


def _expires(value: Any) -> int | None:
    raw = value.get(EXPIRES_KEY) if isinstance(value, JObject) else None
    if raw is None:
        return None
    try:
        ms = int(raw) if isinstance(raw, JNumber) else 0
    except ValueError:
        ms = 0
    if ms <= 0:
        raise bad_request_body(f"{EXPIRES_KEY} must be a positive integer (milliseconds)")
    return ms


def _validate(toxic_type: str, attributes: dict[str, int]) -> None:
    # e.g. slicer average_size <= 0, on which the real server recurses until it dies (§6).
    try:
        REGISTRY[toxic_type].validate(attributes)
    except InvalidAttributes as exc:
        raise bad_request_body(exc) from None


def parse_toxic_create(body: bytes, exists: Callable[[str], bool]) -> ToxicInput:
    """Toxiproxy's check order: body, stream, default name, type, unique name, attributes."""
    value = _json(body)
    fields = _go(value, _WRAPPER)
    stream = fields.get("stream", "downstream")
    if stream.lower() not in ("upstream", "downstream"):
        raise ToxiproxyError.invalid_stream()
    toxic_type = fields.get("type", "")
    name = fields.get("name") or f"{toxic_type}_{stream}"
    if toxic_type not in REGISTRY:
        raise ToxiproxyError.invalid_toxic_type()
    if exists(name):
        raise ToxiproxyError.toxic_exists()
    attrs_struct = attributes_struct(toxic_type)
    wrapper = GoStruct("", f"struct {{ {_ATTRS_TEXT} }}",
                       (GoField("attributes", "struct", attrs_struct),))
    sent = _go(value, wrapper).get("attributes", {})
    attributes = {f.name: sent.get(f.name, 0) for f in attrs_struct.fields}
    _validate(toxic_type, attributes)
    toxicity = fields.get("toxicity", Float32(1.0))
    return ToxicInput(name, toxic_type, stream, toxicity, attributes, _expires(value))


def parse_toxic_update(body: bytes, toxic_type: str, current: dict[str, int]) -> ToxicUpdate:
    """Only attributes (merged) and toxicity change; name, type and stream are ignored."""
    value = _json(body)
    attrs_struct = attributes_struct(toxic_type)
    wrapper = GoStruct("", f"struct {{ {_ATTRS_TEXT}; {_TOXICITY_TEXT} }}", (
        GoField("attributes", "struct", attrs_struct), GoField("toxicity", "float32")))
    fields = _go(value, wrapper)
    sent = fields.get("attributes", {})
    _validate(toxic_type, {**current, **sent})
    return ToxicUpdate(sent, fields.get("toxicity"), _expires(value))
