"""PromQL subset: the lexer (tokens with their offsets) and PromQL durations.

Tokens are ``NUM STR ID DUR OP EOF``; a duration (``5m``, ``1h30m``, ``250ms``) is one token
when it stands alone, as in ``[5m]`` and ``offset 1h``.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass

from canarysim.lang.promql.syntax import PromQLError

__all__ = ["Token", "parse_duration", "tokenize"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_UNITS["y"] = 365 * 86400.0


@dataclass(frozen=True)
class Token:
    kind: str  # NUM STR ID DUR OP EOF
    text: str
    pos: int
    value: object = None


_DURATION_RE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+(?![A-Za-z0-9_])")
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_OPS: tuple[str, ...] = ("=~", "!~", "==", "!=", ">=", "<=", "(", ")", "{", "}", "[", "]")
_OPS += (",", "=", ">", "<", "+", "-", "*", "/", "%", "^", "@", ":")


def parse_duration(text: str) -> float:
    """PromQL duration (``5m``, ``1h30m``, ``250ms``) in seconds."""
    total = 0.0
    for num, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        total += int(num) * _UNITS[unit]
    return total


# Escapes of a quoted string (Prometheus' lexEscape, adapted from Go's scanner): the
# one-letter ones, then the hexadecimal ones as (digits, largest value).
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_SIMPLE_ESCAPES |= {"v": "\v", "\\": "\\"}
_DIGITS = {8: string.octdigits, 16: string.hexdigits}
_NUMERIC_ESCAPES = {"x": (2, 0xFF), "u": (4, 0x10FFFF), "U": (8, 0x10FFFF)}


def _go_rune(ch: str) -> str:
    """A character as Go's ``%#U`` prints it: ``U+0071 'q'``, or ``U+000A`` unprintable."""
    return f"U+{ord(ch):04X} '{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"


def _string(query: str, start: int) -> Token:
    """The quoted string opening at ``start``, as Prometheus' lexer reads it: a raw string
    (backquotes) runs to its closing quote, newlines and backslashes included; a double- or
    single-quoted one ends at the end of its line and allows only Go's escapes (its own quote,
    not the other one). Errors point at the opening quote, as Prometheus' do."""
    quote = query[start]
    if quote == "`":
        end = query.find(quote, start + 1)
        if end == -1:
            raise PromQLError.at("unterminated raw string", query, start)
        return Token("STR", query[start : end + 1], start, query[start + 1 : end])
    value: list[str] = []
    i = start + 1
    while i < len(query) and query[i] not in (quote, "\n"):
        if query[i] != "\\":
            value.append(query[i])
            i += 1
            continue
        esc = query[i + 1 : i + 2]
        if not esc:
            raise PromQLError.at("escape sequence not terminated", query, start)
        if esc == quote or esc in _SIMPLE_ESCAPES:
            value.append(_SIMPLE_ESCAPES.get(esc, esc))
            i += 2
            continue
        if esc in "01234567":
            digits, base, largest, i = 3, 8, 0xFF, i + 1
        elif esc in _NUMERIC_ESCAPES:
            digits, largest = _NUMERIC_ESCAPES[esc]
            base, i = 16, i + 2
        else:
            raise PromQLError.at(f"unknown escape sequence {_go_rune(esc)}", query, start)
        number = query[i : i + digits]
        bad = [ch for ch in number if ch not in _DIGITS[base]]
        if bad:
            raise PromQLError.at(
                f"illegal character {_go_rune(bad[0])} in escape sequence", query, start
            )
        if len(number) < digits:
            raise PromQLError.at("escape sequence not terminated", query, start)
        code = int(number, base)
        if code > largest or 0xD800 <= code < 0xE000:
            raise PromQLError.at("escape sequence is an invalid Unicode code point", query, start)
        # Go keeps \x and octal escapes as raw bytes; a Python string holds their code point.
        value.append(chr(code))
        i += digits
    if i >= len(query) or query[i] != quote:
        raise PromQLError.at("unterminated quoted string", query, start)
    return Token("STR", query[start : i + 1], start, "".join(value))


def tokenize(query: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":  # comment to end of line
            while i < n and query[i] != "\n":
                i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and query[i + 1].isdigit()):
            m = _DURATION_RE.match(query, i)
            if m:
                out.append(Token("DUR", m.group(), i, parse_duration(m.group())))
                i = m.end()
                continue
            m = _NUMBER_RE.match(query, i)
            assert m is not None
            text = m.group()
            val = float(int(text, 16)) if text[:2].lower() == "0x" else float(text)
            out.append(Token("NUM", text, i, val))
            i = m.end()
            continue
        if ch in "\"'`":
            token = _string(query, i)
            out.append(token)
            i += len(token.text)
            continue
        m = _IDENT_RE.match(query, i)
        if m:
            word = m.group()
            low = word.lower()
            if low in ("inf", "nan"):
                out.append(Token("NUM", word, i, math.inf if low == "inf" else math.nan))
            else:
                out.append(Token("ID", word, i))
            i = m.end()
            continue
        for op in _OPS:
            if query.startswith(op, i):
                out.append(Token("OP", op, i))
                i += len(op)
                break
        else:
            raise PromQLError.at(f"unexpected character: {ch!r}", query, i)
    out.append(Token("EOF", "", n))
    return out
