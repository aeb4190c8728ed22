"""Go's ``time.Time`` for expr's ``now()`` and ``date()`` (durations: :mod:`.goduration`).

Argo evaluates a Prometheus ``rangeQuery``'s ``start`` and ``end`` as expr expressions that must
give a ``time.Time`` (``utils/evaluate/evaluate.go::EvalTime``), e.g. ``now() - duration("5m")``
or ``date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC")``. Times are Unix seconds here.
expr's ``duration(s)`` is ``time.ParseDuration``, its ``date(s, layout, zone)`` is
``time.Parse`` (or ``time.ParseInLocation`` when a zone is named), and both are followed here rule
by rule, messages included (Go's ``time/format.go::parse``, ``time/format.go::ParseDuration``).

Not followed: day-of-year layouts (``__2``, ``002``) are refused, and a zone abbreviation in a
named zone (``MST`` parsed with ``"Europe/Paris"``) is taken as that zone's offset at that wall
time, where Go would use the offset of whichever of the zone's periods bears that name.

>>> parse_date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC").unix
1691971200.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from canarysim.lang.expr.goduration import time_quote as _quote
from canarysim.lang.expr.parse import ConditionError

__all__ = ["GoTime", "ZoneOffset", "parse_date"]

#: ``offset(zone, local)``: seconds east of UTC of time zone ``zone`` at the wall-clock time
#: ``local`` (seconds as if it were UTC); raises KeyError for an unknown zone. The language is
#: pure, so the time-zone database comes from the caller (the simulator uses ``zoneinfo``).
ZoneOffset = Callable[[str, float], float]


@dataclass(frozen=True, order=True)
class GoTime:
    """An instant, as Unix seconds."""

    unix: float


# --- time.Parse -------------------------------------------------------------------------------

_SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_LONG_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_SHORT_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
_LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
#: Layout elements in the order ``nextStdChunk`` tries them at one position (longest first).
_ELEMENTS = (
    "January", "Jan", "Monday", "Mon", "MST",
    "01", "02", "03", "04", "05", "06", "002", "15", "1", "2006", "2", "_2", "__2",
    "3", "4", "5", "PM", "pm",
    "-070000", "-07:00:00", "-0700", "-07:00", "-07",
    "Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07",
)  # fmt: skip
_FRACTION = re.compile(r"[.,](0+|9+)(?![0-9])")
#: expr's ``date(s)`` tries these layouts in order when none is given.
DEFAULT_LAYOUTS = (
    "2006-01-02",
    "15:04:05",
    "2006-01-02 15:04:05",
    "2006-01-02T15:04:05Z07:00",  # RFC3339
    "02 Jan 06 15:04 MST",  # RFC822
    "Monday, 02-Jan-06 15:04:05 MST",  # RFC850
    "Mon, 02 Jan 2006 15:04:05 MST",  # RFC1123
)


def _next_element(layout: str) -> tuple[int, str]:
    """Go's ``nextStdChunk``: where the first layout element starts, and the element (``""``
    at the end when there is none)."""
    for i in range(len(layout)):
        rest = layout[i:]
        fraction = _FRACTION.match(rest)
        element = (
            fraction.group() if fraction else next((e for e in _ELEMENTS if rest.startswith(e)), "")
        )
        after = rest[len(element) :]
        if element in ("Jan", "Mon") and "a" <= after[:1] <= "z":
            continue  # "Month" is not "Mon" followed by "th"
        if element == "_2" and after.startswith("006"):
            continue  # "_2006" is a literal "_" before the year
        if element:
            return i, element
    return len(layout), ""


class _Bad(Exception):
    """A value that does not fit its layout element (Go's ``errBad``)."""


class _OutOfRange(Exception):
    """A field read but out of its range: Go's ``rangeErrString``, the exception's text."""


def _digit(text: str, i: int) -> bool:
    return i < len(text) and "0" <= text[i] <= "9"


def _getnum(value: str, fixed: bool) -> tuple[int, str]:
    """Go's ``getnum``: one or two leading digits (exactly two when ``fixed``)."""
    if not _digit(value, 0):
        raise _Bad
    if not _digit(value, 1):
        if fixed:
            raise _Bad
        return int(value[0]), value[1:]
    return int(value[:2]), value[2:]


def _atoi(text: str) -> int:
    """Go's ``time.atoi``: an optionally signed run of ASCII digits, nothing else."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise _Bad
    return -int(digits) if text[:1] == "-" else int(digits)


def _lookup(names: list[str], value: str) -> tuple[int, str]:
    """Go's ``lookup``: the first name the value starts with, ASCII case ignored."""
    for index, name in enumerate(names):
        if value[: len(name)].lower() == name.lower():
            return index, value[len(name) :]
    raise _Bad


def _nanoseconds(value: str, width: int) -> int:
    """Go's ``parseNanoseconds``: ``value[:width]`` is a separator and digits (at most nine
    kept)."""
    if value[:1] not in (".", ","):
        raise _Bad
    width = min(width, 10)
    scale: int = 10 ** (10 - width)
    return _atoi(value[1:width]) * scale


def _zone_name_length(value: str) -> int:
    """Go's ``parseTimeZone``: the length of the zone abbreviation ``value`` starts with."""
    if value[:4] in ("ChST", "MeST"):
        return 4
    if value[:3] == "GMT":
        return 3 + _signed_offset_length(value[3:])
    if value[:1] in ("+", "-"):
        return _signed_offset_length(value)
    upper = len(re.match(r"[A-Z]{0,6}", value).group())  # type: ignore[union-attr]
    if upper == 3 or (upper == 4 and (value[3] == "T" or value[:4] == "WITA")):
        return upper
    return 5 if upper == 5 and value[4] == "T" else 0


def _signed_offset_length(value: str) -> int:
    """Go's ``parseSignedOffset``: ``+N`` or ``-N`` with N at most 23 (0 when not one)."""
    match = re.match(r"[+-]([0-9]+)", value)
    return len(match.group()) if match and int(match.group(1)) <= 23 else 0


def _zone_offset(element: str, value: str) -> int:
    """A numeric zone (``-07:00`` and its kin) at the front of ``value``: seconds east of UTC
    (Go allows up to 24 hours, 60 minutes, 60 seconds)."""
    shape = "-" + element[1:]  # "Z07:00" reads as "-07:00": the colons' places and the width
    if len(value) < len(shape) or any(value[i] != ":" for i in _colons(shape)):
        raise _Bad
    digits = "".join(value[i] for i in range(1, len(shape)) if shape[i] != ":") + "0000"
    hour, minute, second = (_getnum(digits[i:], True)[0] for i in (0, 2, 4))
    parts = (("hour", hour > 24), ("minute", minute > 60), ("second", second > 60))
    wrong = [name for name, out in parts if out]
    if wrong:
        raise _OutOfRange("time zone offset " + wrong[-1])
    if value[0] not in ("+", "-"):
        raise _Bad
    east = (hour * 60 + minute) * 60 + second
    return east if value[0] == "+" else -east


def _colons(shape: str) -> list[int]:
    return [i for i, c in enumerate(shape) if c == ":"]


def _in_range(number: int, low: int, high: int, name: str) -> int:
    if not low <= number <= high:
        raise _OutOfRange(name)
    return number


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


class _Fields:
    """What ``parse`` has read so far (Go's locals of the same names)."""

    def __init__(self) -> None:
        self.year, self.month, self.day = 0, 1, 1
        self.hour = self.minute = self.second = self.nsec = 0
        self.pm: bool | None = None
        self.utc = False
        self.offset: int | None = None
        self.zone_name = ""


def _read(element: str, value: str, after: str, f: _Fields) -> str:
    """Reads one layout element from the front of ``value`` into ``f``: the rest of the value.
    Raises :class:`_Bad` or :class:`_OutOfRange` as Go's ``parse`` fails."""
    if element in ("2006", "06"):
        width = len(element)
        if len(value) < width or (width == 4 and not _digit(value, 0)):
            raise _Bad
        f.year = _atoi(value[:width])
        if width == 2:
            f.year += 1900 if f.year >= 69 else 2000
        return value[width:]
    if element in ("Jan", "January"):
        index, value = _lookup(_SHORT_MONTHS if element == "Jan" else _LONG_MONTHS, value)
        f.month = index + 1
        return value
    if element in ("Mon", "Monday"):
        return _lookup(_SHORT_DAYS if element == "Mon" else _LONG_DAYS, value)[1]
    if element in ("1", "01"):
        month, value = _getnum(value, element == "01")
        f.month = _in_range(month, 1, 12, "month")
        return value
    if element in ("2", "_2", "02"):
        if element == "_2" and value[:1] == " ":
            value = value[1:]
        f.day, value = _getnum(value, element == "02")
        return value  # the day is checked against its month at the end
    if element in ("15", "3", "03"):
        hour, value = _getnum(value, element == "03")
        f.hour = _in_range(hour, 0, 23 if element == "15" else 12, "hour")
        return value
    if element in ("4", "04"):
        minute, value = _getnum(value, element == "04")
        f.minute = _in_range(minute, 0, 59, "minute")
        return value
    if element in ("5", "05"):
        second, value = _getnum(value, element == "05")
        f.second = _in_range(second, 0, 59, "second")
        # A fraction in the value but none next in the layout is read anyway.
        fraction = re.match(r"[.,][0-9]+", value)
        if fraction and not _FRACTION.match(_next_element(after)[1]):
            f.nsec = _nanoseconds(value, fraction.end())
            return value[fraction.end() :]
        return value
    if element in ("PM", "pm"):
        marks = ("AM", "PM") if element == "PM" else ("am", "pm")
        if value[:2] not in marks:
            raise _Bad
        f.pm = value[:2] == marks[1]
        return value[2:]
    if element[0] == "Z" and value[:1] == "Z":
        f.utc = True
        return value[1:]
    if element[0] in ("-", "Z"):
        f.offset = _zone_offset(element, value)
        return value[len(element) :]
    if element == "MST":
        if value[:3] == "UTC":
            f.utc = True
            return value[3:]
        length = _zone_name_length(value)
        if not length:
            raise _Bad
        f.zone_name = value[:length]
        return value[length:]
    if element in ("__2", "002"):
        raise ConditionError(f"day-of-year layouts ({element}) are not supported")
    # A fraction: ".000" needs exactly its digits, ".999" takes any (or none).
    if element[1] == "0":
        if len(value) < len(element):
            raise _Bad
        f.nsec = _nanoseconds(value, len(element))
        if f.nsec < 0:  # Go's atoi lets a sign through here
            raise _OutOfRange("fractional second")
        return value[len(element) :]
    fraction = re.match(r"[.,][0-9]+", value)
    if fraction:
        f.nsec = _nanoseconds(value, fraction.end())
        return value[fraction.end() :]
    return value


def _skip(value: str, prefix: str) -> tuple[str, bool]:
    """Go's ``skip``: the value after the layout's literal text (a run of spaces in the layout
    matches any run, or none at the end), and whether it matched."""
    while prefix:
        if prefix[0] == " ":
            if value and value[0] != " ":
                return value, False
            prefix, value = prefix.lstrip(" "), value.lstrip(" ")
        elif value[:1] != prefix[0]:
            return value, False
        else:
            prefix, value = prefix[1:], value[1:]
    return value, True


def _time_in(layout: str, text: str, where: str, offset: ZoneOffset | None) -> GoTime:
    """Go's ``parse(layout, text, where, where)``: element by element, with its messages."""
    f = _Fields()
    rest = layout
    value = text
    while True:
        start, element = _next_element(rest)
        value, matched = _skip(value, rest[:start])
        if not matched:
            raise _cannot_parse(text, layout, value, rest[:start])
        if not element:
            break
        rest = rest[start + len(element) :]
        try:
            value = _read(element, value, rest, f)
        except _Bad:
            raise _cannot_parse(text, layout, value, element) from None
        except _OutOfRange as err:
            raise ConditionError(f"parsing time {_quote(text)}: {err} out of range") from None
    if value:
        raise ConditionError(f"parsing time {_quote(text)}: extra text: {_quote(value)}")
    if f.pm and f.hour < 12:
        f.hour += 12
    elif f.pm is False and f.hour == 12:
        f.hour = 0
    if not 1 <= f.day <= _month_days(f.year, f.month):
        raise ConditionError(f"parsing time {_quote(text)}: day out of range")
    days = _days_from_civil(f.year, f.month, f.day)
    local = days * 86400 + f.hour * 3600 + f.minute * 60 + f.second + f.nsec / 1e9
    if f.utc:
        return GoTime(local)
    if f.offset is not None:
        return GoTime(local - f.offset)
    # An abbreviation the zone does not know (any but UTC's in UTC, GMT+N anywhere) is kept
    # as a name only: the instant is read as UTC.
    if where == "UTC" or f.zone_name.startswith("GMT"):
        return GoTime(local)
    assert offset is not None  # parse_date checked the zone
    return GoTime(local - offset(where, local))


def _cannot_parse(text: str, layout: str, value: str, element: str) -> ConditionError:
    return ConditionError(
        f"parsing time {_quote(text)} as {_quote(layout)}: "
        f"cannot parse {_quote(value)} as {_quote(element)}"
    )


def parse_date(
    text: str,
    layout: str | None = None,
    zone: str | None = None,
    offset: ZoneOffset | None = None,
) -> GoTime:
    """expr's ``date(s[, layout[, timezone]])``: UTC unless a zone is named (only with a
    layout, as in expr). A named zone is loaded first, as ``time.LoadLocation`` is, so an
    unknown one fails whatever the text."""
    if layout is None:
        for candidate in DEFAULT_LAYOUTS:
            try:
                return _time_in(candidate, text, "UTC", None)
            except ConditionError:
                continue
        raise ConditionError(f"invalid date {text}")
    where = zone or "UTC"
    if where != "UTC":
        try:
            if offset is None:
                raise KeyError
            offset(where, 0.0)  # a probe: does the database know the zone?
        except KeyError:
            raise ConditionError(f"unknown time zone {where}") from None
    return _time_in(layout, text, where, offset)
