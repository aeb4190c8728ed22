"""Durations as Argo Rollouts reads them: Go's ``time.ParseDuration`` syntax, or whole seconds.

Manifests carry durations in two places that matter to canarysim: ``pause: {duration: ...}`` on a
canary step, and the analysis fields (``interval``, ``initialDelay``, ...). Both accept an integer
(seconds) or a string. A string made only of digits (optionally signed) is seconds too; anything
else must be a Go duration such as ``"30s"``, ``"1h30m"`` or ``"1.5h"``.

Two readers are offered because Argo itself has two:

* :func:`parse_duration` keeps Go's full (nanosecond) precision, as the analysis controller does
  with ``time.ParseDuration``;
* :func:`pause_seconds` reproduces ``RolloutPause.DurationSeconds``
  (pkg/apis/rollouts/v1alpha1/types.go), which truncates a Go duration to whole seconds, so
  ``pause: {duration: 1500ms}`` really pauses one second.

Both raise :class:`ValueError` naming the offending value instead of returning Argo's ``-1``
sentinel; the spec layer turns that into a ``ScenarioError``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["parse_duration", "pause_seconds"]

# Nanoseconds per unit, as in Go's time package (both micro signs are accepted there).
_UNIT_NS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_EXPECTED = "expected an integer number of seconds or a duration string"
_LIMIT = 1 << 63  # a Go time.Duration is an int64 of nanoseconds: [-2**63, 2**63 - 1]
_GO_INT = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt(s, 10, ...) accepts
_PIECE = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def _leading_fraction(digits: str) -> tuple[int, int]:
    """The digits of a fraction Go keeps, and their scale (``time.leadingFraction``): digits
    are taken while the number still fits an int64 (the 19th is kept when the first 18 are
    small enough), the rest are ignored."""
    value, scale = 0, 1
    for c in digits:
        # Go also stops when value > (2**63 - 1) // 10, to keep uint64 from wrapping; with
        # Python's integers that case is already caught here.
        if value * 10 + int(c) > _LIMIT:
            break  # once a digit overflows, Go reads (and ignores) the rest
        value = value * 10 + int(c)
        scale *= 10
    return value, scale


def _go_duration_ns(text: str) -> int:
    """Nanoseconds of a Go duration string, following ``time.ParseDuration`` rule by rule.

    The grammar is ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+``; every number needs a unit, a number
    needs at least one digit, and the total must fit in an int64 (``-2**63`` included). A
    fractional part is converted the way Go does it (through a float, then truncated). Go's
    special case ``"0"`` never reaches here: both callers read signed digit strings first.
    """
    negative = text[:1] == "-"
    s = text[1:] if text[:1] in ("-", "+") else text
    if not s:
        raise ValueError(f"invalid duration {text!r}")
    total = 0
    pos = 0
    while pos < len(s):
        match = _PIECE.match(s, pos)
        assert match is not None  # every group may be empty, so the pattern always matches
        whole, frac, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not frac:
            raise ValueError(f"invalid duration {text!r}")
        if not unit:
            raise ValueError(f"missing unit in duration {text!r}")
        if unit not in _UNIT_NS:
            raise ValueError(f"unknown unit {unit!r} in duration {text!r}")
        unit_ns = _UNIT_NS[unit]
        value = int(whole or "0") * unit_ns
        if frac:
            digits, scale = _leading_fraction(frac)
            value += int(float(digits) * (float(unit_ns) / scale))
        total += value
        if total > _LIMIT:
            raise ValueError(f"invalid duration {text!r} (overflows int64 nanoseconds)")
        pos = match.end()
    if negative:
        return -total
    if total == _LIMIT:
        raise ValueError(f"invalid duration {text!r} (overflows int64 nanoseconds)")
    return total


def parse_duration(value: object) -> float:
    """Seconds (as a float) of an Argo duration: an int, a digit string, or a Go duration.

    >>> parse_duration("30s"), parse_duration("1h"), parse_duration("1h30m")
    (30.0, 3600.0, 5400.0)
    >>> parse_duration("1.5h"), parse_duration("500ms"), parse_duration("2m30s")
    (5400.0, 0.5, 150.0)
    >>> parse_duration(45), parse_duration("45"), parse_duration("0")
    (45.0, 45.0, 0.0)
    >>> parse_duration("1x")
    Traceback (most recent call last):
    ...
    ValueError: unknown unit 'x' in duration '1x'
    >>> parse_duration(1.5)
    Traceback (most recent call last):
    ...
    ValueError: invalid duration 1.5: expected an integer number of seconds or a duration string
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid duration {value!r}: {_EXPECTED}")
    if isinstance(value, int):
        return float(value)
    if _GO_INT.fullmatch(value):
        return float(int(value))
    return _go_duration_ns(value) / 1e9


def pause_seconds(value: object) -> int:
    """Whole seconds of a ``pause.duration`` exactly as Argo's ``RolloutPause.DurationSeconds``.

    Integers and digit strings are seconds; a Go duration is truncated toward zero to whole
    seconds (``int32(d.Seconds())``), so sub-second pauses become 0.

    >>> pause_seconds("1m30s"), pause_seconds(10), pause_seconds("1500ms"), pause_seconds("500ms")
    (90, 10, 1, 0)
    >>> pause_seconds("soon")
    Traceback (most recent call last):
    ...
    ValueError: invalid duration 'soon'
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid duration {value!r}: {_EXPECTED}")
    if isinstance(value, int):
        return value
    if _GO_INT.fullmatch(value) and -(1 << 31) <= int(value) < (1 << 31):
        return int(value)  # strconv.ParseInt(s, 10, 32) succeeded
    # int32(d.Seconds()): truncated toward zero; out of int32's range, amd64's conversion
    # (CVTTSD2SL) gives -2**31, which Argo's validation then refuses as a negative pause.
    whole = math.trunc(Fraction(_go_duration_ns(value), 1_000_000_000))
    return whole if -(1 << 31) <= whole < (1 << 31) else -(1 << 31)
