"""Values as expr and Go see them, for the condition evaluator: type names as ``%T`` prints
them, Go's quoting and ``%v``, number checks, and Argo's ``asInt``/``asFloat`` conversions
(``strconv`` rules, Go's float-to-int truncation)."""

from __future__ import annotations

import math
import re

from canarysim.lang.expr.goduration import GoDuration
from canarysim.lang.expr.gotime import GoTime
from canarysim.lang.expr.parse import ConditionError

__all__ = ["go_quote"]


def _type_name(value: object) -> str:
    """The Go type name expr-lang would report, for error messages."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, GoTime):
        return "time.Time"
    if isinstance(value, GoDuration):
        return "time.Duration"
    return type(value).__name__


def go_quote(text: str) -> str:
    """``strconv.Quote`` (Go's ``%q``): double quotes, Go's escapes, printable runes kept.

    >>> print(go_quote("NotANum"), go_quote('say "hi"'), go_quote("é"))
    "NotANum" "say \\"hi\\"" "é"
    """
    escapes = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f",
               "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}  # fmt: skip
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: object, fname: str) -> list[float]:
    """A number, or an array's numbers; expr names the offending element's type
    (``builtin/lib.go``: ``max([1, "2"])`` is "invalid argument for max (type string)")."""
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not _is_number(item):
            raise ConditionError(f"invalid argument for {fname} (type {_type_name(item)})")
    return [float(v) for v in items]  # type: ignore[arg-type]


# strconv.ParseFloat's and ParseInt's (base 10) syntax: ASCII digits, no spaces, no underscores
# (Python's float()/int() accept all three); ParseFloat also takes Inf/Infinity/NaN, any case.
_GO_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?i:inf|infinity)|(?i:nan)")
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _as_float(value: object) -> float:
    """Argo's ``asFloat`` (``utils/evaluate/evaluate.go``): numbers as they are, strings through
    ``strconv.ParseFloat``, whose failure (bad syntax, or out of range) panics."""
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        if not _GO_FLOAT.fullmatch(value):
            raise ConditionError(f"strconv.ParseFloat: parsing {go_quote(value)}: invalid syntax")
        number = float(value)
        if math.isinf(number) and not value.lower().endswith(("inf", "infinity")):
            raise ConditionError(
                f"strconv.ParseFloat: parsing {go_quote(value)}: value out of range"
            )
        return number
    raise ConditionError(f"asFloat: cannot convert {_type_name(value)}")


def _go_int(value: float) -> int:
    """Go's ``int(f)`` for a float64 (an int in int64 passes unchanged): truncation; NaN and
    floats outside int64 are implementation-defined, and amd64 (``CVTTSD2SI``) gives the
    "integer indefinite" -2**63."""
    if math.isnan(value) or abs(value) >= 2.0**63:
        return _INT64_MIN
    return int(value)


def _go_v(value: object) -> str:
    """Go's ``%v`` of a scalar, for runtime messages."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _map_key(key: object) -> str:
    """A map's key as Go's ``reflect.Value.MapIndex`` takes it: a map decoded from JSON has
    string keys, nil looks up the zero key, anything else panics."""
    if key is None:
        return ""
    if not isinstance(key, str):
        raise ConditionError(
            "reflect.Value.MapIndex: value of type "
            f"{_type_name(key)} is not assignable to type string"
        )
    return key


def _as_int(value: object) -> int:
    """Argo's ``asInt``: ``int64(f)`` for a float, ``strconv.ParseInt(s, 10, 64)`` for a string.
    Go leaves a float outside int64 (and NaN) implementation-defined; on amd64, where Argo's
    controller usually runs, ``CVTTSD2SI`` gives the "integer indefinite" -2**63 for all of them."""
    if isinstance(value, float):
        return _go_int(value)
    if _is_number(value):
        return int(value)  # type: ignore[call-overload, no-any-return]
    if isinstance(value, str):
        if not _GO_INT.fullmatch(value):
            raise ConditionError(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
        number = int(value)
        if not _INT64_MIN <= number <= _INT64_MAX:
            raise ConditionError(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
        return number
    raise ConditionError(f"asInt: cannot convert {_type_name(value)}")
