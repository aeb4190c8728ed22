"""Go's ``time.Duration`` for expr's ``duration()``: ``time.ParseDuration`` rule by rule, its
messages included (``time/format.go::ParseDuration``), and Go's ``time.quote`` the time
package's messages use.

>>> parse_go_duration("1h30m"), parse_go_duration("-1.5s"), parse_go_duration("0")
(5400000000000, -1500000000, 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from canarysim.lang.expr.parse import ConditionError

__all__ = ["GoDuration", "parse_go_duration", "time_quote"]


@dataclass(frozen=True, order=True)
class GoDuration:
    """A ``time.Duration``: nanoseconds."""

    ns: int


def time_quote(text: str) -> str:
    """Go's ``time.quote``: double quotes, ``"`` and ``\\`` escaped, every byte of a control
    or non-ASCII character as ``\\xNN``."""
    out: list[str] = []
    for ch in text:
        if ch < " " or ch >= "\x80":
            out.extend(f"\\x{b:02x}" for b in ch.encode())
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    return '"' + "".join(out) + '"'


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # micro sign
    "μs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_LIMIT = 1 << 63  # a Duration is an int64 of nanoseconds
_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def _leading_fraction(digits: str) -> tuple[int, float]:
    """Go's ``leadingFraction``: the digits kept while they fit, and their (float) scale."""
    value, scale = 0, 1.0
    for c in digits:
        if value * 10 + int(c) > _LIMIT:
            break  # Go reads the remaining digits and ignores them
        value = value * 10 + int(c)
        scale *= 10
    return value, scale


def parse_go_duration(text: str) -> int:
    """``time.ParseDuration`` in nanoseconds, with Go's error messages. A fraction is truncated
    to the nanosecond as Go does it (through a float), so ``"1.9ns"`` is 1."""
    invalid = ConditionError(f"time: invalid duration {time_quote(text)}")
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return 0
    if not body:
        raise invalid
    total = 0
    pos = 0
    while pos < len(body):
        match = _PART.match(body, pos)
        assert match is not None  # every group may be empty, so the pattern always matches
        whole, frac, unit = match.groups()
        if not whole and not frac:
            raise invalid
        if not unit:
            raise ConditionError(f"time: missing unit in duration {time_quote(text)}")
        if unit not in _UNITS:
            raise ConditionError(
                f"time: unknown unit {time_quote(unit)} in duration {time_quote(text)}"
            )
        total += int(whole or "0") * _UNITS[unit]
        if frac:
            digits, scale = _leading_fraction(frac)
            total += int(digits * (_UNITS[unit] / scale))
        if total > _LIMIT:
            raise invalid
        pos = match.end()
    if text[:1] == "-":
        return -total
    if total == _LIMIT:
        raise invalid
    return total
