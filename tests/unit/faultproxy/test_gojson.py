"""Go-compatible JSON: decoder messages (json.Decoder.Decode) and json.Marshal output."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakready.faultproxy.gojson import (
    Float32,
    GoJSONError,
    JNumber,
    JObject,
    decode_first,
    marshal,
)


@pytest.mark.parametrize(("body", "message"), [
    (b"", "EOF"),
    (b" \r\n\t", "EOF"),
    (b'{"name":"px",', "unexpected EOF"),
    (b'{"a": tru', "unexpected EOF"),
    (b"[1", "unexpected EOF"),
    (b'"abc', "unexpected EOF"),
    (b"-", "unexpected EOF"),
    (b"x", "invalid character 'x' looking for beginning of value"),
    (b"[1,]", "invalid character ']' looking for beginning of value"),
    (b"{,}", "invalid character ',' looking for beginning of object key string"),
    (b'{"a" 1}', "invalid character '1' after object key"),
    (b'{"a":1 "b"}', "invalid character '\"' after object key:value pair"),
    (b"[1 2]", "invalid character '2' after array element"),
    (b"-x", "invalid character 'x' in numeric literal"),
    (b"1.x", "invalid character 'x' after decimal point in numeric literal"),
    (b"[1ex]", "invalid character 'x' in exponent of numeric literal"),
    (b'"a\x01"', "invalid character '\\x01' in string literal"),
    (b'"\\x"', "invalid character 'x' in string escape code"),
    (b'"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
    (b"nulx", "invalid character 'x' in literal null (expecting 'l')"),
    (b"tx", "invalid character 'x' in literal true (expecting 'r')"),
    (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
    (b"NaN", "invalid character 'N' looking for beginning of value"),
])
def test_decoder_errors_match_go(body: bytes, message: str) -> None:
    with pytest.raises(GoJSONError) as info:
        decode_first(body)
    assert str(info.value) == message


def test_only_the_first_value_is_read() -> None:
    assert decode_first(b'{"a":1} trailing garbage') == JObject([("a", JNumber("1"))])
    assert decode_first(b"12") == "12"
    assert decode_first(b"01") == "0"  # Go's Decoder stops after the 0


def test_objects_keep_order_and_duplicates_and_numbers_keep_their_text() -> None:
    value = decode_first(b'{"b":1.50,"a":[true,null],"b":"x"}')
    assert isinstance(value, JObject)
    assert [k for k, _ in value] == ["b", "a", "b"]
    assert value[0][1] == "1.50" and isinstance(value[0][1], JNumber)
    assert value.get("b") == "x"


def test_lone_surrogates_and_bad_utf8_become_replacement_chars() -> None:
    assert decode_first(b'"\\ud800x"') == "\ufffdx"
    assert decode_first(b'"\xff"') == "\ufffd"
    assert decode_first(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_deep_nesting_does_not_recurse() -> None:
    assert decode_first(b"[" * 5000 + b"]" * 5000) is not None
    with pytest.raises(GoJSONError, match="exceeded max depth"):
        decode_first(b"[" * 10001)


@settings(max_examples=200, derandomize=True)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
                    max_leaves=10))
def test_valid_json_round_trips(value: object) -> None:
    def plain(v: object) -> object:
        if isinstance(v, JObject):
            return {k: plain(x) for k, x in v}
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, JNumber):
            return int(v)
        return v
    assert plain(decode_first(json.dumps(value).encode())) == value


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1"), (0.5, "0.5"), (-0.0, "-0"), (1e-7, "1e-7"), (1e21, "1e+21"),
    (123456789.0, "123456789"), (1e20, "100000000000000000000"), (Float32(0.1), "0.1"),
    (Float32(2), "2"), (Float32(3.4e38), "3.4e+38"),
])
def test_floats_are_written_like_go(value: float, text: str) -> None:
    assert marshal(value) == text.encode()


def test_marshal_escapes_html_and_keeps_field_order() -> None:
    assert marshal({"b": "<&>\u2028", "a": [None, True, 3]}) == (
        b'{"b":"\\u003c\\u0026\\u003e\\u2028","a":[null,true,3]}')
