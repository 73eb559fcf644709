"""Request-body decoding with Toxiproxy's rules and Go's messages (bodies.py, godecode.py)."""

from __future__ import annotations

import pytest

from peakready.faultproxy import bodies
from peakready.faultproxy.apierror import ToxiproxyError
from peakready.faultproxy.godecode import GoDecodeError, GoField, GoStruct, decode
from peakready.faultproxy.gojson import Float32, decode_first
from peakready.faultproxy.registry import normalize_listen


def _error(call: object) -> ToxiproxyError:
    assert callable(call)
    with pytest.raises(ToxiproxyError) as info:
        call()
    return info.value


def test_struct_decoding_rules() -> None:
    struct = GoStruct("S", "pkg.S", (GoField("name", "string"), GoField("n", "int64")))
    assert decode(decode_first(b'{"NAME":"a","name":"b","n":null,"zz":1}'), struct) == {
        "name": "b"}
    assert decode(decode_first(b"null"), struct) == {}
    cases = [
        (b'{"n":1e3}', "json: cannot unmarshal number 1e3 into Go struct field S.n of type int64"),
        (b'{"n":9223372036854775808}', "json: cannot unmarshal number 9223372036854775808 into "
                                       "Go struct field S.n of type int64"),
        # The first type error wins even when later fields are wrong too.
        (b'{"name":true,"n":"x"}', "json: cannot unmarshal bool into Go struct field S.name of "
                                   "type string"),
        (b"[]", "json: cannot unmarshal array into Go value of type pkg.S"),
    ]
    for body, message in cases:
        with pytest.raises(GoDecodeError) as info:
            decode(decode_first(body), struct)
        assert str(info.value) == message


def test_proxy_create_defaults_and_errors() -> None:
    spec = bodies.parse_proxy_create(b'{"name":"a","upstream":"u:1","enabled":null}')
    assert (spec.name, spec.listen, spec.upstream, spec.enabled) == ("a", "", "u:1", True)
    assert _error(lambda: bodies.parse_proxy_create(b'{"upstream":"u"}')).message == (
        "missing required field: name")
    assert _error(lambda: bodies.parse_proxy_create(b'{"name":"a","upstream":""}')).message == (
        "missing required field: upstream")
    err = _error(lambda: bodies.parse_proxy_create(b'{"name":"a","Logger":5}'))
    assert err.message == ("bad request body: json: cannot unmarshal number into Go struct "
                           "field Proxy.Logger of type zerolog.Logger")


def test_proxy_update_ignores_name() -> None:
    assert bodies.parse_proxy_update(b'{"name":"x","enabled":false}') == {"enabled": False}


def test_toxic_create_defaults() -> None:
    spec = bodies.parse_toxic_create(b'{"type":"latency","attributes":{"jitter":3}}',
                                     lambda name: False)
    assert (spec.name, spec.stream, spec.toxicity) == ("latency_downstream", "downstream", 1.0)
    assert isinstance(spec.toxicity, Float32)
    assert spec.attributes == {"latency": 0, "jitter": 3}
    assert list(spec.attributes) == ["latency", "jitter"]
    assert spec.expires_in_ms is None


def test_toxic_create_attributes_wrapper_errors() -> None:
    err = _error(lambda: bodies.parse_toxic_create(b'{"type":"latency","attributes":"x"}',
                                                   lambda name: False))
    assert err.message == ("bad request body: json: cannot unmarshal string into Go struct field "
                           "ToxicWrapper.attributes of type toxics.NoopToxic")
    err = _error(lambda: bodies.parse_toxic_create(b'{"type":"reset_peer","attributes":'
                                                   b'{"timeout":true}}', lambda name: False))
    assert err.message == ("bad request body: json: cannot unmarshal bool into Go struct field "
                           "ResetToxic.attributes.timeout of type int64")


def test_toxic_update_error_names_the_anonymous_struct() -> None:
    err = _error(lambda: bodies.parse_toxic_update(b'{"attributes":[1]}', "latency", {}))
    assert err.message == ("bad request body: json: cannot unmarshal array into Go struct field "
                           ".attributes of type toxics.LatencyToxic")
    change = bodies.parse_toxic_update(b'{"attributes":{"latency":9},"toxicity":0.5}', "latency",
                                       {"latency": 1, "jitter": 2})
    assert (change.attributes, change.toxicity) == ({"latency": 9}, 0.5)


def test_populate_requires_an_array_of_complete_entries() -> None:
    err = _error(lambda: bodies.parse_populate(b"[null]"))
    assert err.message == "missing required field: name at proxy 1"
    specs = bodies.parse_populate(b'[{"name":"a","upstream":"u","enabled":false}]')
    assert specs[0].enabled is False


@pytest.mark.parametrize(("listen", "normal"), [
    ("localhost:7070", "127.0.0.1:7070"), ("127.0.0.1:7070", "127.0.0.1:7070"),
    ("[::1]:7070", "[::1]:7070"), ("127.0.0.1:0", None), ("", None), ("bad", None),
])
def test_listen_normalisation_for_populate(listen: str, normal: str | None) -> None:
    assert normalize_listen(listen) == normal
