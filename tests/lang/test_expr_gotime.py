"""expr's ``duration()`` and ``date()`` read as Go's time package reads them, one rule a row.

Reference: Go's ``time/format.go`` (``parse``, ``nextStdChunk``, ``skip``, ``getnum``,
``parseTimeZone``, ``parseNanoseconds``, ``ParseError.Error``) and ``time.ParseDuration``;
expr-lang's ``builtin/builtin.go`` (``date``: ``time.Parse``, or ``time.ParseInLocation`` with a
zone). In Argo's controller ``Local`` is UTC, so an abbreviation other than UTC's in a date read
without a zone names a fabricated zone of offset 0: the instant is read as UTC.
"""

from __future__ import annotations

import calendar
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.lang.expr.goduration import parse_go_duration
from canarysim.lang.expr.gotime import parse_date
from canarysim.lang.expr.parse import ConditionError

S = 1_000_000_000  # nanoseconds in a second
Y0 = -62167219200  # 0000-01-01T00:00:00Z, where a layout without a date lands


def utc(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0, sec: int = 0):
    return calendar.timegm((year, month, day, hour, minute, sec))


T = utc(2023, 8, 14)  # 1691971200


def paris(name: str, local: float) -> float:
    """The caller's time-zone database: Paris, on summer time from 26 March to 29 October 2023
    (``local`` is the wall clock as if it were UTC)."""
    if name != "Europe/Paris":
        raise KeyError(name)
    return 7200.0 if utc(2023, 3, 26, 2) <= local < utc(2023, 10, 29, 3) else 3600.0


# (text, nanoseconds)
DURATIONS = [
    pytest.param("1h30m", 5400 * S, id="units add up"),
    pytest.param("-1.5s", -1500_000_000, id="negative with a fraction"),
    pytest.param("+2m", 120 * S, id="plus sign"),
    pytest.param("0", 0, id="bare zero"),
    pytest.param("-0", 0, id="signed bare zero"),
    pytest.param("1.5ns", 1, id="fraction truncated to the nanosecond"),
    pytest.param("1.9ns", 1, id="fraction truncated not rounded"),
    pytest.param(".5s", 500_000_000, id="fraction without whole part"),
    pytest.param("1.s", S, id="point without fraction digits"),
    pytest.param("1us", 1_000, id="us"),
    pytest.param("1\u00b5s", 1_000, id="micro sign"),
    pytest.param("1\u03bcs", 1_000, id="greek mu"),
    pytest.param("1ms", 1_000_000, id="ms"),
    pytest.param("1h", 3600 * S, id="h"),
    pytest.param("0.1h", 360 * S, id="fraction of an hour"),
    pytest.param("1.0000000001s", S, id="tenth of a nanosecond dropped"),
    pytest.param("0.99999999999999999999s", S, id="fraction digits past int64 ignored"),
    pytest.param("0.9216016773530555327h", 3317766038471, id="19th fraction digit kept if it fits"),
    pytest.param("9223372036854775807ns", 2**63 - 1, id="largest duration"),
    pytest.param("-9223372036854775808ns", -(2**63), id="smallest duration"),
    pytest.param("2562047h47m16.854775807s", 2**63 - 1, id="largest duration in pieces"),
]


@pytest.mark.parametrize(("text", "ns"), DURATIONS)
def test_durations(text: str, ns: int) -> None:
    assert parse_go_duration(text) == ns


# (text, message)
DURATION_ERRORS = [
    pytest.param("", 'time: invalid duration ""', id="empty"),
    pytest.param("-", 'time: invalid duration "-"', id="sign alone"),
    pytest.param("s", 'time: invalid duration "s"', id="unit without number"),
    pytest.param(".s", 'time: invalid duration ".s"', id="point without digits"),
    pytest.param("1", 'time: missing unit in duration "1"', id="number without unit"),
    pytest.param("1h2", 'time: missing unit in duration "1h2"', id="last number without unit"),
    pytest.param("1.5.5s", 'time: missing unit in duration "1.5.5s"', id="second point"),
    pytest.param("1x", 'time: unknown unit "x" in duration "1x"', id="unknown unit"),
    pytest.param("1\u00e9", 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"',
                 id="non-ASCII quoted as bytes"),
    pytest.param("1\x7f\x80", 'time: unknown unit "\x7f\\xc2\\x80" in duration "1\x7f\\xc2\\x80"',
                 id="DEL kept, U+0080 quoted as bytes"),
    pytest.param("1\x1f", 'time: unknown unit "\\x1f" in duration "1\\x1f"',
                 id="control character quoted"),
    pytest.param("1 ", 'time: unknown unit " " in duration "1 "', id="space kept"),
    pytest.param("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"',
                 id="one past the largest"),
    pytest.param("-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"',
                 id="one before the smallest"),
    pytest.param("2562048h", 'time: invalid duration "2562048h"', id="overflow by the unit"),
    pytest.param("2562047h48m", 'time: invalid duration "2562047h48m"', id="overflow by the sum"),
    pytest.param("2562047h47m16.9s", 'time: invalid duration "2562047h47m16.9s"',
                 id="overflow by the fraction"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), DURATION_ERRORS)
def test_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse_go_duration(text)
    assert str(err.value) == message


# (text, layout, zone, Unix seconds)
DATES = [
    pytest.param("2023-08-14", None, None, T, id="default: date"),
    pytest.param("10:11:12", None, None, Y0 + 36672, id="default: clock, year 0"),
    pytest.param("2023-08-14 10:11:12", None, None, T + 36672, id="default: date and clock"),
    pytest.param("2023-08-14T02:00:00+02:00", None, None, T, id="default: RFC3339 offset"),
    pytest.param("2023-08-14T00:00:00Z", None, None, T, id="default: RFC3339 Z"),
    pytest.param("14 Aug 23 00:00 UTC", None, None, T, id="default: RFC822"),
    pytest.param("Monday, 14-Aug-23 00:00:00 UTC", None, None, T, id="default: RFC850"),
    pytest.param("Mon, 14 Aug 2023 00:00:00 UTC", None, None, T, id="default: RFC1123"),
    pytest.param("Mon, 14 Aug 2023 00:00:00 CEST", None, None, T,
                 id="abbreviation unknown to UTC read as UTC"),
    pytest.param("2023-08-14 10:11:12.5", None, None, T + 36672.5,
                 id="fraction after seconds the layout lacks"),
    pytest.param("2023-08-14 10:11:12,25", None, None, T + 36672.25, id="comma fraction"),
    pytest.param("69-01-01", "06-01-02", None, utc(1969), id="06: 69 is 1969"),
    pytest.param("68-01-01", "06-01-02", None, utc(2068), id="06: 68 is 2068"),
    pytest.param("+5-01-02", "06-01-02", None, utc(2005, 1, 2), id="06: Go's atoi takes a sign"),
    pytest.param("-5-01-02", "06-01-02", None, utc(1995, 1, 2), id="06: negative is 19xx"),
    pytest.param("August 14, 2023", "January 2, 2006", None, T, id="long month"),
    pytest.param("AUG 14 2023", "Jan 2 2006", None, T, id="month case ignored"),
    pytest.param("Dec 14 2023", "Jan 2 2006", None, utc(2023, 12, 14), id="last short month"),
    pytest.param("Friday 2023-08-14", "Monday 2006-01-02", None, T,
                 id="weekday checked for syntax only"),
    pytest.param("sat 2023-08-14", "Mon 2006-01-02", None, T, id="short weekday"),
    pytest.param("Jana 2023", "Jana 2006", None, utc(2023), id="Jan before a lower-case letter"),
    pytest.param("2023-8-4", "2006-1-2", None, utc(2023, 8, 4), id="1 and 2: one digit"),
    pytest.param("2023-12-25", "2006-1-2", None, utc(2023, 12, 25), id="1 and 2: two digits"),
    pytest.param("2023-04-30", "2006-01-02", None, utc(2023, 4, 30), id="last day of April"),
    pytest.param("Aug  4 2023", "Jan _2 2006", None, utc(2023, 8, 4), id="_2: padded"),
    pytest.param("Aug 14 2023", "Jan _2 2006", None, T, id="_2: two digits"),
    pytest.param("Aug 4 2023", "Jan_2 2006", None, utc(2023, 8, 4), id="_2 drops its own space"),
    pytest.param("x_2023", "x_2006", None, utc(2023), id="_2006 is _ then the year"),
    pytest.param("2023-08-14 9:05", "2006-01-02 15:04", None, T + 9 * 3600 + 300,
                 id="15: one digit"),
    pytest.param("2023-08-14 9:5:7", "2006-01-02 15:4:5", None, T + 9 * 3600 + 307,
                 id="4 and 5: one digit"),
    pytest.param("12:30", "03:04", None, Y0 + 45000, id="03 without PM keeps 12"),
    pytest.param("12:30 AM", "3:04 PM", None, Y0 + 1800, id="12 AM is midnight"),
    pytest.param("12:30 PM", "3:04 PM", None, Y0 + 45000, id="12 PM is noon"),
    pytest.param("1:30 PM x", "3:04 PM x", None, Y0 + 48600, id="PM before more text"),
    pytest.param("12:30am", "3:04pm", None, Y0 + 1800, id="lower-case am"),
    pytest.param("1:30 PM", "3:04 PM", None, Y0 + 48600, id="1 PM is 13"),
    pytest.param("1:30 AM", "3:04 PM", None, Y0 + 5400, id="1 AM is 1"),
    pytest.param("1:30pm", "3:04pm", None, Y0 + 48600, id="lower-case pm"),
    pytest.param("13:00 PM", "15:04 PM", None, Y0 + 46800, id="PM after 12 on a 24-hour clock"),
    pytest.param("12:00 AM", "15:04 PM", None, Y0, id="AM on a 24-hour clock"),
    pytest.param("10:11:12.250", "15:04:05.000", None, Y0 + 36672.25, id=".000"),
    pytest.param("10:11:12.000", "15:04:05.000", None, Y0 + 36672, id=".000: zero"),
    pytest.param("10:11:12.5", "15:04:05.0", None, Y0 + 36672.5, id=".0"),
    pytest.param("10:11:12.5", "15:04:05.9", None, Y0 + 36672.5, id=".9"),
    pytest.param("1970-01-01 00:00:00.1234567891", "2006-01-02 15:04:05.999", None, 0.123456789,
                 id=".999: the tenth digit dropped"),
    pytest.param("10:11:12,250", "15:04:05,000", None, Y0 + 36672.25, id=",000"),
    pytest.param("10:11:12,250", "15:04:05.000", None, Y0 + 36672.25, id=".000 reads a comma"),
    pytest.param("10:11:12.+12", "15:04:05.000", None, Y0 + 36672.012,
                 id=".000: Go's atoi takes a plus"),
    pytest.param("10:11:12.1234567891", "15:04:05.999", None, Y0 + 36672.123456789,
                 id=".999: any digits, nine kept"),
    pytest.param("10:11:12", "15:04:05.999", None, Y0 + 36672, id=".999: none"),
    pytest.param("10:11:12.25 x", "15:04:05 x", None, Y0 + 36672.25,
                 id="unasked fraction before literal text"),
    pytest.param("2023-08-13 17:00 -0700", "2006-01-02 15:04 -0700", None, T, id="-0700"),
    pytest.param("2023-08-13 17:00 -07", "2006-01-02 15:04 -07", None, T, id="-07"),
    pytest.param("2023-08-13 16:59:30 -07:00:30", "2006-01-02 15:04:05 -07:00:00", None, T,
                 id="-07:00:00"),
    pytest.param("2023-08-14 02:00:00 +020000", "2006-01-02 15:04:05 -070000", None, T,
                 id="-070000"),
    pytest.param("2023-08-14 00:00 Z", "2006-01-02 15:04 Z0700", None, T, id="Z0700: Z"),
    pytest.param("2023-08-14 00:00 Z x", "2006-01-02 15:04 Z0700 x", "Europe/Paris", T,
                 id="Z0700: Z is UTC in a named zone"),
    pytest.param("2023-08-14 02:00 +0200", "2006-01-02 15:04 Z0700", None, T, id="Z0700"),
    pytest.param("2023-08-14 02:00 +02", "2006-01-02 15:04 Z07", None, T, id="Z07"),
    pytest.param("2023-08-15 00:00 +24:00", "2006-01-02 15:04 -07:00", None, T,
                 id="offset of 24 hours allowed"),
    pytest.param("2023-08-14 01:00 +00:60", "2006-01-02 15:04 -07:00", None, T,
                 id="offset of 60 minutes allowed"),
    pytest.param("2023-08-14 00:01:00 +00:00:60", "2006-01-02 15:04:05 -07:00:00", None, T,
                 id="offset of 60 seconds allowed"),
    pytest.param("2023-08-14 00:00 UTC", "2006-01-02 15:04 MST", None, T, id="MST: UTC"),
    pytest.param("2023-08-14 00:00 UTC x", "2006-01-02 15:04 MST x", "Europe/Paris", T,
                 id="MST: UTC in a named zone"),
    pytest.param("2023-08-14 02:00 CEST", "2006-01-02 15:04 MST", "Europe/Paris", T,
                 id="MST: the named zone's abbreviation"),
    pytest.param("2023-08-14 00:00 GMT+3", "2006-01-02 15:04 MST", "Europe/Paris", T,
                 id="MST: GMT+N is only a name"),
    pytest.param("2023-08-14 00:00 GMT", "2006-01-02 15:04 MST", None, T, id="MST: GMT"),
    pytest.param("2023-08-14 00:00 ChST x", "2006-01-02 15:04 MST x", None, T, id="MST: ChST"),
    pytest.param("2023-08-14 00:00 MeST x", "2006-01-02 15:04 MST x", None, T, id="MST: MeST"),
    pytest.param("2023-08-14 00:00 WITA x", "2006-01-02 15:04 MST x", None, T, id="MST: WITA"),
    pytest.param("2023-08-14 00:00 AEST", "2006-01-02 15:04 MST", None, T,
                 id="MST: four letters ending in T"),
    pytest.param("2023-08-14 00:00 CHADT x", "2006-01-02 15:04 MST x", None, T,
                 id="MST: five letters ending in T"),
    pytest.param("2023-08-14 00:00 +03", "2006-01-02 15:04 MST", None, T,
                 id="MST: signed hours"),
    pytest.param("2023-08-14 00:00 -23", "2006-01-02 15:04 MST", None, T,
                 id="MST: signed hours up to 23"),
    pytest.param("14/08/2023 02:00", "02/01/2006 15:04", "Europe/Paris", T,
                 id="wall clock of a named zone"),
    pytest.param("14/01/2023 01:00", "02/01/2006 15:04", "Europe/Paris", utc(2023, 1, 14),
                 id="the zone's offset at that wall clock"),
    pytest.param("2023   08", "2006 01", None, utc(2023, 8), id="a space matches a run"),
    pytest.param("2023 \t08", "2006 \t01", None, utc(2023, 8), id="only spaces are runs"),
    pytest.param("2023 X08", "2006 X01", None, utc(2023, 8), id="text after a space run"),
    pytest.param("2023", "2006 ", None, utc(2023), id="trailing layout space matches nothing"),
    pytest.param("2024-02-29", "2006-01-02", None, utc(2024, 2, 29), id="leap day"),
    pytest.param("2000-02-29", "2006-01-02", None, utc(2000, 2, 29), id="leap day of 2000"),
    pytest.param("0000-02-29", "2006-01-02", None, Y0 + 59 * 86400, id="leap day of year 0"),
    pytest.param("0000-03-01", "2006-01-02", None, Y0 + 60 * 86400, id="March of year 0"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "layout", "zone", "unix"), DATES)
def test_dates(text: str, layout: str | None, zone: str | None, unix: float) -> None:
    assert parse_date(text, layout, zone, paris).unix == unix


# (text, layout, message)
DATE_ERRORS = [
    pytest.param("2023-13-01", "2006-01-02", 'parsing time "2023-13-01": month out of range',
                 id="month 13"),
    pytest.param("2023-00-01", "2006-01-02", 'parsing time "2023-00-01": month out of range',
                 id="month 0"),
    pytest.param("2023-08-00", "2006-01-02", 'parsing time "2023-08-00": day out of range',
                 id="day 0"),
    pytest.param("2023-04-31", "2006-01-02", 'parsing time "2023-04-31": day out of range',
                 id="day 31 of April"),
    pytest.param("2023-02-29", "2006-01-02", 'parsing time "2023-02-29": day out of range',
                 id="leap day of a common year"),
    pytest.param("1900-02-29", "2006-01-02", 'parsing time "1900-02-29": day out of range',
                 id="leap day of 1900"),
    pytest.param("24:00", "15:04", 'parsing time "24:00": hour out of range', id="hour 24"),
    pytest.param("13:00", "03:04", 'parsing time "13:00": hour out of range', id="03: 13"),
    pytest.param("10:60", "15:04", 'parsing time "10:60": minute out of range', id="minute 60"),
    pytest.param("10:00:60", "15:04:05", 'parsing time "10:00:60": second out of range',
                 id="second 60"),
    pytest.param("00:00 +25:00", "15:04 -07:00",
                 'parsing time "00:00 +25:00": time zone offset hour out of range',
                 id="offset hour 25"),
    pytest.param("00:00 +01:61", "15:04 -07:00",
                 'parsing time "00:00 +01:61": time zone offset minute out of range',
                 id="offset minute 61"),
    pytest.param("00:00 +01:00:61", "15:04 -07:00:00",
                 'parsing time "00:00 +01:00:61": time zone offset second out of range',
                 id="offset second 61"),
    pytest.param("00:00 +25:61", "15:04 -07:00",
                 'parsing time "00:00 +25:61": time zone offset minute out of range',
                 id="offset: the last range error is told"),
    pytest.param("00:00 *2500", "15:04 -0700",
                 'parsing time "00:00 *2500": time zone offset hour out of range',
                 id="offset: range before sign"),
    pytest.param("00:00 *0200", "15:04 -0700",
                 'parsing time "00:00 *0200" as "15:04 -0700": cannot parse "*0200" as "-0700"',
                 id="offset: bad sign"),
    pytest.param("00:00 +02:0", "15:04 -07:00",
                 'parsing time "00:00 +02:0" as "15:04 -07:00": cannot parse "+02:0" as "-07:00"',
                 id="offset: too short"),
    pytest.param("00:00 +0200x", "15:04 -07:00",
                 'parsing time "00:00 +0200x" as "15:04 -07:00": cannot parse "+0200x" as "-07:00"',
                 id="offset: colon missing"),
    pytest.param("00:00 +02:00-00", "15:04 -07:00:00",
                 'parsing time "00:00 +02:00-00" as "15:04 -07:00:00": '
                 'cannot parse "+02:00-00" as "-07:00:00"',
                 id="offset: second colon missing"),
    pytest.param("00:00 +0:00", "15:04 -0700",
                 'parsing time "00:00 +0:00" as "15:04 -0700": cannot parse "+0:00" as "-0700"',
                 id="offset: colon where a digit goes"),
    pytest.param("00:00 +0", "15:04 Z07",
                 'parsing time "00:00 +0" as "15:04 Z07": cannot parse "+0" as "Z07"',
                 id="offset: one hour digit"),
    pytest.param("2023-08-14x", "2006-01-02", 'parsing time "2023-08-14x": extra text: "x"',
                 id="extra text"),
    pytest.param("2023 ", "2006", 'parsing time "2023 ": extra text: " "',
                 id="trailing value space"),
    pytest.param("2023 an 10", "2006 at 15",
                 'parsing time "2023 an 10" as "2006 at 15": cannot parse "n 10" as " at "',
                 id="literal text told from where it differs"),
    pytest.param("2023x08", "2006 01",
                 'parsing time "2023x08" as "2006 01": cannot parse "x08" as " "',
                 id="layout space against a letter"),
    pytest.param("2023", "2006-01",
                 'parsing time "2023" as "2006-01": cannot parse "" as "-"',
                 id="value ends inside literal text"),
    pytest.param("x023-08-14", "2006-01-02",
                 'parsing time "x023-08-14" as "2006-01-02": cannot parse "x023-08-14" as "2006"',
                 id="2006: letter"),
    pytest.param("202", "2006", 'parsing time "202" as "2006": cannot parse "202" as "2006"',
                 id="2006: three digits"),
    pytest.param("20x3", "2006", 'parsing time "20x3" as "2006": cannot parse "20x3" as "2006"',
                 id="2006: letter inside"),
    pytest.param("+023", "2006", 'parsing time "+023" as "2006": cannot parse "+023" as "2006"',
                 id="2006: no sign"),
    pytest.param("3:04", "03:04", 'parsing time "3:04" as "03:04": cannot parse "3:04" as "03"',
                 id="03: one digit"),
    pytest.param("10:5", "15:04", 'parsing time "10:5" as "15:04": cannot parse "5" as "04"',
                 id="04: one digit"),
    pytest.param("10:11:5", "15:04:05",
                 'parsing time "10:11:5" as "15:04:05": cannot parse "5" as "05"',
                 id="05: one digit"),
    pytest.param("6", "06", 'parsing time "6" as "06": cannot parse "6" as "06"',
                 id="06: one digit"),
    pytest.param("2023-8-14", "2006-01-02",
                 'parsing time "2023-8-14" as "2006-01-02": cannot parse "8-14" as "01"',
                 id="01: one digit"),
    pytest.param("2023-08-4", "2006-01-02",
                 'parsing time "2023-08-4" as "2006-01-02": cannot parse "4" as "02"',
                 id="02: one digit"),
    pytest.param("2023-x", "2006-1",
                 'parsing time "2023-x" as "2006-1": cannot parse "x" as "1"', id="1: letter"),
    pytest.param("Foo 14", "Jan 2",
                 'parsing time "Foo 14" as "Jan 2": cannot parse "Foo 14" as "Jan"',
                 id="Jan: not a month"),
    pytest.param("Aug 14", "January 2",
                 'parsing time "Aug 14" as "January 2": cannot parse "Aug 14" as "January"',
                 id="January: short name"),
    pytest.param("Xyz 14", "Mon 2",
                 'parsing time "Xyz 14" as "Mon 2": cannot parse "Xyz 14" as "Mon"',
                 id="Mon: not a day"),
    pytest.param("Mon 14", "Monday 2",
                 'parsing time "Mon 14" as "Monday 2": cannot parse "Mon 14" as "Monday"',
                 id="Monday: short name"),
    pytest.param("Feba 2023", "Jana 2006",
                 'parsing time "Feba 2023" as "Jana 2006": cannot parse "Feba 2023" as "Jana "',
                 id="Jan before a lower-case letter is text"),
    pytest.param("Tuez 2023", "Monz 2006",
                 'parsing time "Tuez 2023" as "Monz 2006": cannot parse "Tuez 2023" as "Monz "',
                 id="Mon before a lower-case letter is text"),
    pytest.param("10:00 XM", "3:04 PM",
                 'parsing time "10:00 XM" as "3:04 PM": cannot parse "XM" as "PM"', id="PM: XM"),
    pytest.param("10:00 pm", "3:04 PM",
                 'parsing time "10:00 pm" as "3:04 PM": cannot parse "pm" as "PM"',
                 id="PM: lower case"),
    pytest.param("10:00 PM", "3:04 pm",
                 'parsing time "10:00 PM" as "3:04 pm": cannot parse "PM" as "pm"',
                 id="pm: upper case"),
    pytest.param("10:00 P", "3:04 PM",
                 'parsing time "10:00 P" as "3:04 PM": cannot parse "P" as "PM"', id="PM: short"),
    pytest.param("00:00 AB", "15:04 MST",
                 'parsing time "00:00 AB" as "15:04 MST": cannot parse "AB" as "MST"',
                 id="MST: two letters"),
    pytest.param("00:00 Ab", "15:04 MST",
                 'parsing time "00:00 Ab" as "15:04 MST": cannot parse "Ab" as "MST"',
                 id="MST: one capital"),
    pytest.param("00:00 ABCD", "15:04 MST",
                 'parsing time "00:00 ABCD" as "15:04 MST": cannot parse "ABCD" as "MST"',
                 id="MST: four letters not ending in T"),
    pytest.param("00:00 ABCDE", "15:04 MST",
                 'parsing time "00:00 ABCDE" as "15:04 MST": cannot parse "ABCDE" as "MST"',
                 id="MST: five letters not ending in T"),
    pytest.param("00:00 ABCDEF", "15:04 MST",
                 'parsing time "00:00 ABCDEF" as "15:04 MST": cannot parse "ABCDEF" as "MST"',
                 id="MST: six letters"),
    pytest.param("00:00 +24", "15:04 MST",
                 'parsing time "00:00 +24" as "15:04 MST": cannot parse "+24" as "MST"',
                 id="MST: signed hours past 23"),
    pytest.param("00:00 +x", "15:04 MST",
                 'parsing time "00:00 +x" as "15:04 MST": cannot parse "+x" as "MST"',
                 id="MST: sign without digits"),
    pytest.param("00:00 GMT+24", "15:04 MST", 'parsing time "00:00 GMT+24": extra text: "+24"',
                 id="MST: GMT with an offset past 23"),
    pytest.param("10:11:12.25", "15:04:05.000",
                 'parsing time "10:11:12.25" as "15:04:05.000": cannot parse ".25" as ".000"',
                 id=".000: too few digits"),
    pytest.param("10:11:12 250", "15:04:05.000",
                 'parsing time "10:11:12 250" as "15:04:05.000": cannot parse " 250" as ".000"',
                 id=".000: no point"),
    pytest.param("10:11:12.2x0", "15:04:05.000",
                 'parsing time "10:11:12.2x0" as "15:04:05.000": cannot parse ".2x0" as ".000"',
                 id=".000: letter"),
    pytest.param("10:11:12.-12", "15:04:05.000",
                 'parsing time "10:11:12.-12": fractional second out of range',
                 id=".000: a minus sign"),
    pytest.param("2023-226", "2006-002", "day-of-year layouts (002) are not supported",
                 id="day of the year"),
    pytest.param("2023- 26", "2006-__2", "day-of-year layouts (__2) are not supported",
                 id="day of the year padded"),
    pytest.param('\u00e9"\\\t', "2006",
                 'parsing time "\\xc3\\xa9\\"\\\\\\x09" as "2006": '
                 'cannot parse "\\xc3\\xa9\\"\\\\\\x09" as "2006"',
                 id="quoted as Go's time package quotes"),
    pytest.param("10:11:12.", "15:04:05.999", 'parsing time "10:11:12.": extra text: "."',
                 id=".999: a point without digits is not read"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "layout", "message"), DATE_ERRORS)
def test_date_errors(text: str, layout: str, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse_date(text, layout, None, paris)
    assert str(err.value) == message


def test_date_without_layout_tries_each_and_names_the_text() -> None:
    with pytest.raises(ConditionError) as err:
        parse_date("tomorrow")
    assert str(err.value) == "invalid date tomorrow"


def test_a_named_zone_is_loaded_before_the_text_is_read() -> None:
    """``time.LoadLocation`` runs first: an unknown zone fails even when the text has a Z."""
    with pytest.raises(ConditionError) as err:
        parse_date("2023-08-14T00:00:00Z", "2006-01-02T15:04:05Z07:00", "Mars/Base", paris)
    assert str(err.value) == "unknown time zone Mars/Base"


def test_named_zone_needs_a_zone_database() -> None:
    with pytest.raises(ConditionError) as err:
        parse_date("2023-08-14", "2006-01-02", "Europe/Paris")
    assert str(err.value) == "unknown time zone Europe/Paris"
    assert parse_date("2023-08-14", "2006-01-02", "", None).unix == T  # "" is UTC


@given(st.dates())
def test_every_calendar_date_lands_on_its_day(day: datetime.date) -> None:
    """The day count agrees with Python's proleptic Gregorian calendar, 0001 to 9999."""
    expected = (day - datetime.date(1970, 1, 1)).days * 86400
    assert parse_date(day.isoformat(), "2006-01-02").unix == expected


@pytest.mark.parametrize("year", [1900, 2000, 2023, 2024])
def test_every_month_ends_on_its_last_day(year: int) -> None:
    for month in range(1, 13):
        last = calendar.monthrange(year, month)[1]
        assert parse_date(f"{year}-{month:02}-{last}", "2006-01-02").unix == utc(year, month, last)
        with pytest.raises(ConditionError, match="day out of range"):
            parse_date(f"{year}-{month:02}-{last + 1}", "2006-01-02")
