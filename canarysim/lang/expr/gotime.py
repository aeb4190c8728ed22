"""Go's ``time.Time`` and ``time.Duration`` for expr's ``now()``, ``duration()`` and ``date()``.

Argo evaluates a Prometheus ``rangeQuery``'s ``start`` and ``end`` as expr expressions that must
give a ``time.Time`` (``utils/evaluate/evaluate.go::EvalTime``), e.g. ``now() - duration("5m")``
or ``date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC")``. Times are Unix seconds here.

>>> parse_go_duration("1h30m"), parse_go_duration("-1.5s"), parse_go_duration("0")
(5400000000000, -1500000000, 0)
>>> parse_date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC").unix
1691971200.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from canarysim.lang.expr.parse import ConditionError

__all__ = ["GoDuration", "GoTime", "ZoneOffset", "parse_date", "parse_go_duration"]

#: ``offset(zone, local)``: seconds east of UTC of time zone ``zone`` at the wall-clock time
#: ``local`` (seconds as if it were UTC); raises KeyError for an unknown zone. The language is
#: pure, so the time-zone database comes from the caller (the simulator uses ``zoneinfo``).
ZoneOffset = Callable[[str, float], float]


@dataclass(frozen=True, order=True)
class GoTime:
    """An instant, as Unix seconds."""

    unix: float


@dataclass(frozen=True, order=True)
class GoDuration:
    """A ``time.Duration``: nanoseconds."""

    ns: int


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"(\d*\.?\d*)([^\d.]*)")


def parse_go_duration(text: str) -> int:
    """``time.ParseDuration`` in nanoseconds, with Go's error messages."""
    body = text
    sign = 1
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise ConditionError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _PART.match(body, pos)
        assert match is not None
        number, unit = match.groups()
        if not number or number == ".":
            raise ConditionError(f'time: invalid duration "{text}"')
        if not unit:
            raise ConditionError(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            raise ConditionError(f'time: unknown unit "{unit}" in duration "{text}"')
        total += float(number) * _UNITS[unit]
        pos = match.end()
    return sign * round(total)


# Go layout elements, longest first, as (token, regexp, field).
_LAYOUT = [
    ("January", r"(?P<month_name>[A-Za-z]+)", "month_name"),
    ("Monday", r"[A-Za-z]+", ""),
    ("2006", r"(?P<year>\d{4})", "year"),
    ("Z07:00", r"(?P<zone>Z|[+-]\d{2}:\d{2})", "zone"),
    ("-07:00", r"(?P<zone>[+-]\d{2}:\d{2})", "zone"),
    ("Z0700", r"(?P<zone>Z|[+-]\d{4})", "zone"),
    ("-0700", r"(?P<zone>[+-]\d{4})", "zone"),
    ("Jan", r"(?P<month_name>[A-Za-z]{3})", "month_name"),
    ("Mon", r"[A-Za-z]{3}", ""),
    ("MST", r"(?P<abbrev>[A-Z]{3,5})", "abbrev"),
    (".000000000", r"(?P<frac>\.\d{9})", "frac"),
    (".000000", r"(?P<frac>\.\d{6})", "frac"),
    (".000", r"(?P<frac>\.\d{3})", "frac"),
    (".999999999", r"(?P<frac>(?:\.\d{1,9})?)", "frac"),
    ("01", r"(?P<month>\d{2})", "month"),
    ("02", r"(?P<day>\d{2})", "day"),
    ("_2", r"(?P<day> ?\d{1,2})", "day"),
    ("15", r"(?P<hour>\d{2})", "hour"),
    ("03", r"(?P<hour12>\d{2})", "hour12"),
    ("04", r"(?P<minute>\d{2})", "minute"),
    ("05", r"(?P<second>\d{2})", "second"),
    ("06", r"(?P<year2>\d{2})", "year2"),
    ("PM", r"(?P<pm>AM|PM)", "pm"),
    ("1", r"(?P<month>\d{1,2})", "month"),
    ("2", r"(?P<day>\d{1,2})", "day"),
    ("3", r"(?P<hour12>\d{1,2})", "hour12"),
    ("4", r"(?P<minute>\d{1,2})", "minute"),
    ("5", r"(?P<second>\d{1,2})", "second"),
]
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
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


def _layout_regexp(layout: str) -> re.Pattern[str]:
    out = []
    i = 0
    seen: set[str] = set()
    while i < len(layout):
        for token, pattern, name in _LAYOUT:
            if layout.startswith(token, i) and name not in seen:
                out.append(pattern)
                if name:
                    seen.add(name)
                i += len(token)
                break
        else:
            out.append(re.escape(layout[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _month_days(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _time_in(layout: str, text: str, zone: str, offset: ZoneOffset | None) -> GoTime:
    match = _layout_regexp(layout).match(text)
    if match is None:
        raise ConditionError(f'parsing time "{text}" as "{layout}": cannot parse')
    g = match.groupdict()
    year = int(g["year"]) if g.get("year") else 0
    if g.get("year2"):
        year = 1900 + int(g["year2"]) if int(g["year2"]) >= 69 else 2000 + int(g["year2"])
    month = int(g["month"]) if g.get("month") else 1
    if g.get("month_name"):
        key = g["month_name"][:3].lower()
        if key not in _MONTHS:
            raise ConditionError(f'parsing time "{text}": month out of range')
        month = _MONTHS.index(key) + 1
    day = int(g["day"]) if g.get("day") else 1
    hour = int(g["hour"]) if g.get("hour") else 0
    if g.get("hour12"):
        hour = int(g["hour12"]) % 12 + (12 if g.get("pm") == "PM" else 0)
    minute = int(g["minute"]) if g.get("minute") else 0
    second = int(g["second"]) if g.get("second") else 0
    if not 1 <= month <= 12:
        raise ConditionError(f'parsing time "{text}": month out of range')
    if not 1 <= day <= _month_days(year, month):
        raise ConditionError(f'parsing time "{text}": day out of range')
    if hour > 23 or minute > 59 or second > 59:
        raise ConditionError(f'parsing time "{text}": hour, minute or second out of range')
    local: float = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    local += float(g["frac"]) if g.get("frac") else 0.0
    if g.get("zone"):
        z = g["zone"]
        if z == "Z":
            return GoTime(local)
        digits = z[1:].replace(":", "")
        east = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        return GoTime(local - (east if z[0] == "+" else -east))
    if g.get("abbrev") in ("UTC", "GMT") or zone == "UTC":
        return GoTime(local)
    if offset is None:
        raise ConditionError(f"unknown time zone {zone}")
    try:
        return GoTime(local - offset(zone, local))
    except KeyError:
        raise ConditionError(f"unknown time zone {zone}") from None


def parse_date(
    text: str,
    layout: str | None = None,
    zone: str | None = None,
    offset: ZoneOffset | None = None,
) -> GoTime:
    """expr's ``date(s[, layout[, timezone]])`` (UTC unless the zone says otherwise)."""
    where = zone or "UTC"
    if layout is not None:
        return _time_in(layout, text, where, offset)
    for candidate in DEFAULT_LAYOUTS:
        try:
            return _time_in(candidate, text, where, offset)
        except ConditionError:
            continue
    raise ConditionError(f"invalid date {text}")
