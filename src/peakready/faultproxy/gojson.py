"""JSON the way Go's ``encoding/json`` reads and writes it (toxiproxy-api.md §2).

Toxiproxy clients see Go's decoder messages verbatim in 400 bodies, so this module copies its
scanner: :func:`decode_first` reads only the first JSON value of a body (trailing garbage is
ignored, like ``json.Decoder.Decode``), answers ``EOF`` for an empty body, ``unexpected EOF``
for a truncated one and ``invalid character 'x' <context>`` for a syntax error.

Decoded objects are :class:`JObject` (key/value pairs in document order, duplicates kept, so
the struct decoder can copy Go's last-wins and case-insensitive matching) and numbers stay
:class:`JNumber` (their literal text, because Go's type errors quote it: ``number 1.5``).

:func:`marshal` writes compact JSON like ``json.Marshal``: HTML characters escaped, floats in
Go's shortest form (``1`` not ``1.0``); :class:`Float32` values use float32's shortest form.
"""

from __future__ import annotations

import json
import struct
from decimal import Decimal
from typing import Any

__all__ = ["Float32", "GoJSONError", "JNumber", "JObject", "decode_first", "marshal"]

_WS = b" \t\r\n"
_MAX_DEPTH = 10000


class GoJSONError(ValueError):
    """A syntax error or end of input; ``str()`` is Go's message (``unexpected EOF`` …)."""


class JNumber(str):
    """A JSON number kept as its literal text."""


class JObject(list[tuple[str, Any]]):
    """A JSON object as (key, value) pairs in document order."""

    def get(self, key: str) -> Any:
        """Last value sent for exactly ``key`` (None when absent)."""
        found = None
        for k, v in self:
            if k == key:
                found = v
        return found


class Float32(float):
    """A float that came from (or goes to) a Go ``float32`` field: marshalled in its form."""


def _quote_char(c: int) -> str:
    """Go's ``quoteChar``: how a byte is shown in a syntax error."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    named = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v",
             92: "\\\\"}
    if c in named:
        return f"'{named[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c <= 0xA0 or c == 0xAD:
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


def _syntax(c: int, context: str) -> GoJSONError:
    return GoJSONError(f"invalid character {_quote_char(c)} {context}")


_UNEXPECTED_EOF = "unexpected EOF"


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.n = len(data)

    def ws(self, i: int) -> int:
        data, n = self.data, self.n
        while i < n and data[i] in _WS:
            i += 1
        return i

    def need(self, i: int) -> int:
        """Skip whitespace; running out of input here means the value was truncated."""
        i = self.ws(i)
        if i >= self.n:
            raise GoJSONError(_UNEXPECTED_EOF)
        return i

    def string(self, i: int) -> tuple[str, int]:
        data, n = self.data, self.n
        start = i
        i += 1
        while True:
            if i >= n:
                raise GoJSONError(_UNEXPECTED_EOF)
            c = data[i]
            if c == 0x22:
                break
            if c == 0x5C:
                i += 1
                if i >= n:
                    raise GoJSONError(_UNEXPECTED_EOF)
                esc = data[i]
                if esc == ord("u"):
                    for _ in range(4):
                        i += 1
                        if i >= n:
                            raise GoJSONError(_UNEXPECTED_EOF)
                        if data[i] not in b"0123456789abcdefABCDEF":
                            raise _syntax(data[i], "in \\u hexadecimal character escape")
                elif esc not in b'"\\/bfnrt':
                    raise _syntax(esc, "in string escape code")
            elif c < 0x20:
                raise _syntax(c, "in string literal")
            i += 1
        raw = data[start:i + 1].decode("utf-8", "replace")
        text: str = json.loads(raw)
        # Go turns lone surrogates from \ud800-style escapes into U+FFFD; so do we, so that
        # every stored name can be encoded back to UTF-8.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return text, i + 1

    def number(self, i: int, top: bool) -> tuple[JNumber, int]:
        data, n = self.data, self.n
        start = i

        def end_or_eof(j: int) -> bool:
            if j < n:
                return False
            if top:  # a top-level number may end at EOF (Decoder's scanEnd on a space)
                return True
            raise GoJSONError(_UNEXPECTED_EOF)

        if data[i] == ord("-"):
            i += 1
            if i >= n:
                raise GoJSONError(_UNEXPECTED_EOF)
            if data[i] not in b"0123456789":
                raise _syntax(data[i], "in numeric literal")
        if data[i] == ord("0"):
            i += 1
        else:
            while i < n and data[i] in b"0123456789":
                i += 1
        if not end_or_eof(i) and data[i] == ord("."):
            i += 1
            if i >= n:
                raise GoJSONError(_UNEXPECTED_EOF)
            if data[i] not in b"0123456789":
                raise _syntax(data[i], "after decimal point in numeric literal")
            while i < n and data[i] in b"0123456789":
                i += 1
        if not end_or_eof(i) and data[i] in b"eE":
            i += 1
            if i < n and data[i] in b"+-":
                i += 1
            if i >= n:
                raise GoJSONError(_UNEXPECTED_EOF)
            if data[i] not in b"0123456789":
                raise _syntax(data[i], "in exponent of numeric literal")
            while i < n and data[i] in b"0123456789":
                i += 1
        return JNumber(data[start:i].decode("ascii")), i

    def literal(self, i: int, word: bytes) -> int:
        data, n = self.data, self.n
        for k in range(1, len(word)):
            if i + k >= n:
                raise GoJSONError(_UNEXPECTED_EOF)
            if data[i + k] != word[k]:
                expecting = chr(word[k])
                raise _syntax(data[i + k],
                              f"in literal {word.decode()} (expecting '{expecting}')")
        return i + len(word)

    def key(self, i: int) -> tuple[str, int]:
        """An object key, its colon and the whitespace before the value."""
        i = self.need(i)
        if self.data[i] != 0x22:
            raise _syntax(self.data[i], "looking for beginning of object key string")
        key, i = self.string(i)
        i = self.need(i)
        if self.data[i] != ord(":"):
            raise _syntax(self.data[i], "after object key")
        return key, i + 1


def decode_first(data: bytes) -> Any:
    """Decode the first JSON value of ``data`` like ``json.NewDecoder(r).Decode``."""
    sc = _Scanner(data)
    i = sc.ws(0)
    if i >= sc.n:
        raise GoJSONError("EOF")
    # Iterative so that deep nesting cannot exhaust Python's recursion limit.
    stack: list[list[Any]] = []
    while True:
        i = sc.need(i)
        c = data[i]
        value: Any
        if c in b"{[":
            if len(stack) >= _MAX_DEPTH:
                raise _syntax(c, "exceeded max depth")
            j = sc.need(i + 1)
            close = b"}" if c == ord("{") else b"]"
            if data[j] == close[0]:
                value, i = (JObject() if c == ord("{") else []), j + 1
            elif c == ord("{"):
                key, i = sc.key(j)
                stack.append([JObject(), key])
                continue
            else:
                stack.append([[], None])
                i = j
                continue
        elif c == 0x22:
            value, i = sc.string(i)
        elif c == ord("-") or 0x30 <= c <= 0x39:
            value, i = sc.number(i, top=not stack)
        elif c == ord("t"):
            value, i = True, sc.literal(i, b"true")
        elif c == ord("f"):
            value, i = False, sc.literal(i, b"false")
        elif c == ord("n"):
            value, i = None, sc.literal(i, b"null")
        else:
            raise _syntax(c, "looking for beginning of value")
        # A value is complete: hand it to the enclosing containers, closing those that end.
        while True:
            if not stack:
                return value
            frame = stack[-1]
            container = frame[0]
            i = sc.need(i)
            c = data[i]
            if isinstance(container, JObject):
                container.append((frame[1], value))
                if c == ord(","):
                    frame[1], i = sc.key(i + 1)
                    break
                if c != ord("}"):
                    raise _syntax(c, "after object key:value pair")
            else:
                container.append(value)
                if c == ord(","):
                    i += 1
                    break
                if c != ord("]"):
                    raise _syntax(c, "after array element")
            value = stack.pop()[0]
            i += 1


# -- marshal -------------------------------------------------------------------------------------

def _shortest_float32(x: float) -> str:
    packed = struct.pack("<f", x)
    for precision in range(1, 10):
        text = f"{x:.{precision - 1}e}"
        if struct.pack("<f", float(text)) == packed:
            return text
    return repr(x)


def _format_float(x: float) -> str:
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {x}")
    bits32 = isinstance(x, Float32)
    digits = _shortest_float32(x) if bits32 else repr(x)
    dec = Decimal(digits)
    magnitude = abs(x)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        sign, figures, exponent = dec.normalize().as_tuple()
        assert isinstance(exponent, int)
        mantissa = "".join(map(str, figures))
        exp10 = exponent + len(mantissa) - 1
        head = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
        # Go prints at least two exponent digits, then trims "e-07" to "e-7" (not "e+21").
        exp_text = f"{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
        if exp_text.startswith("-0"):
            exp_text = "-" + exp_text[2:]
        return f"{'-' if sign else ''}{head}e{exp_text}"
    return format(dec.normalize(), "f")


def _string(s: str) -> str:
    out = json.dumps(s, ensure_ascii=False)
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _encode(value: Any, parts: list[str]) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(_string(value))
    elif isinstance(value, int):
        parts.append(str(value))
    elif isinstance(value, float):
        parts.append(_format_float(value))
    elif isinstance(value, dict):
        parts.append("{")
        for n, (k, v) in enumerate(value.items()):
            if n:
                parts.append(",")
            parts.append(_string(str(k)))
            parts.append(":")
            _encode(v, parts)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for n, v in enumerate(value):
            if n:
                parts.append(",")
            _encode(v, parts)
        parts.append("]")
    else:
        raise TypeError(f"cannot marshal {type(value).__name__}")


def marshal(value: Any) -> bytes:
    """Compact JSON as Go's ``json.Marshal`` writes it (dict order is kept: Go's field order)."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode("utf-8", "replace")
