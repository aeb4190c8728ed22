"""PromQL subset: the lexer (tokens with their offsets) and PromQL durations.

Tokens are ``NUM STR ID DUR OP EOF``; a duration (``5m``, ``1h30m``, ``250ms``) is one token
when it stands alone, as in ``[5m]`` and ``offset 1h``.
"""

from __future__ import annotations

import math
import re
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
_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+")
_IDENT_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_OPS: tuple[str, ...] = (
    "=~",
    "!~",
    "==",
    "!=",
    ">=",
    "<=",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "=",
    ">",
    "<",
)
_OPS += ("+", "-", "*", "/", "%", "^", "@", ":")


def parse_duration(text: str) -> float:
    """PromQL duration (``5m``, ``1h30m``, ``250ms``) in seconds."""
    total = 0.0
    for num, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        total += int(num) * _UNITS[unit]
    return total


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
            j, buf = i + 1, []
            while j < n and query[j] != ch:
                if query[j] == "\\" and ch != "`" and j + 1 < n:
                    esc = query[j + 1]
                    buf.append(
                        {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}.get(esc, "\\" + esc)
                    )
                    j += 2
                    continue
                buf.append(query[j])
                j += 1
            if j >= n:
                raise PromQLError("unterminated quoted string", query, i)
            out.append(Token("STR", query[i : j + 1], i, "".join(buf)))
            i = j + 1
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
            raise PromQLError(f"unexpected character: {ch!r}", query, i)
    out.append(Token("EOF", "", n))
    return out
