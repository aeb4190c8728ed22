"""Durations as Argo reads them: Go's ParseDuration grammar, digit strings as seconds.

Valid/invalid examples follow Go's own ``time`` package test table (values only) plus the pause
forms Argo's docs use; the pause truncation follows ``RolloutPause.DurationSeconds``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.durations import parse_duration, pause_seconds


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("0", 0.0),
        ("5s", 5.0),
        ("30s", 30.0),
        ("1478s", 1478.0),
        ("-5s", -5.0),
        ("+5s", 5.0),
        ("-0", 0.0),
        ("+0", 0.0),
        ("5.0s", 5.0),
        ("5.6s", 5.6),
        ("5.s", 5.0),
        (".5s", 0.5),
        ("1.0s", 1.0),
        ("1.00s", 1.0),
        ("1.004s", 1.004),
        ("100.00100s", 100.001),
        ("10ns", 10e-9),
        ("11us", 11e-6),
        ("12\u00b5s", 12e-6),
        ("12\u03bcs", 12e-6),
        ("13ms", 0.013),
        ("500ms", 0.5),
        ("14s", 14.0),
        ("15m", 900.0),
        ("16h", 57600.0),
        ("1h", 3600.0),
        ("1.5h", 5400.0),
        ("1h30m", 5400.0),
        ("2m30s", 150.0),
        ("3h30m", 12600.0),
        ("10.5s4m", 250.5),
        ("-2m3.4s", -123.4),
        ("1h2m3s4ms5us6ns", 3723.004005006),
        ("39h9m14.425s", 140954.425),
        ("52763797000ns", 52.763797),
        ("0.3333333333333333333h", 1200.0),
        ("1.000000000000000000000000000000000000000000000000000000001s", 1.0),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds, abs=1e-9)


@pytest.mark.parametrize("value,seconds", [(0, 0.0), (45, 45.0), ("45", 45.0), ("-3", -3.0)])
def test_plain_integers_are_seconds(value: int | str, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["", "-", "s", ".", "-.", ".s", "+.s", "1d", "1x", " 30s", "30s ", "1h 30m", "30 s",
     "\u00b5s", "9223372036854775808ns", "3000000h", "1.5", 1.5, True, None, [30]],
)  # fmt: skip
def test_invalid_durations_raise_naming_the_value(value: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


def test_largest_duration_is_accepted() -> None:
    assert parse_duration("9223372036854775807ns") == pytest.approx(9223372036.854775807)


@pytest.mark.parametrize(
    "value,seconds",
    [(10, 10), ("10", 10), ("1m30s", 90), ("1h", 3600), ("1500ms", 1), ("500ms", 0),
     ("-1500ms", -1), ("2.9s", 2), ("0", 0)],
)  # fmt: skip
def test_pause_seconds_truncates_like_argo(value: int | str, seconds: int) -> None:
    assert pause_seconds(value) == seconds


def test_pause_seconds_out_of_int32_digit_string_is_an_error() -> None:
    # strconv.ParseInt(s, 10, 32) fails, then ParseDuration fails for lack of a unit.
    with pytest.raises(ValueError, match="2147483648"):
        pause_seconds("2147483648")
    assert pause_seconds("2147483647") == 2147483647


@pytest.mark.parametrize("value", ["1d", "soon", 1.5, None])
def test_pause_seconds_rejects_garbage(value: object) -> None:
    with pytest.raises(ValueError, match=r"invalid|unit"):
        pause_seconds(value)


@given(
    h=st.integers(0, 1000),
    m=st.integers(0, 10_000),
    s=st.integers(0, 100_000),
    ms=st.integers(0, 100_000),
)
def test_pieces_add_up(h: int, m: int, s: int, ms: int) -> None:
    text = f"{h}h{m}m{s}s{ms}ms"
    assert parse_duration(text) == pytest.approx(h * 3600 + m * 60 + s + ms / 1000, abs=1e-6)
    assert pause_seconds(text) == (h * 3600 + m * 60 + s) + ms // 1000


@given(n=st.integers(-(10**9), 10**9))
def test_int_digit_string_and_seconds_unit_agree(n: int) -> None:
    assert parse_duration(n) == parse_duration(str(n)) == parse_duration(f"{n}s") == float(n)


def test_the_most_negative_duration_is_accepted_and_its_opposite_is_not() -> None:
    # A Go Duration is an int64: -2**63 ns fits, +2**63 ns does not.
    assert parse_duration("-9223372036854775808ns") == -9223372036.854775808
    with pytest.raises(ValueError, match="overflows int64"):
        parse_duration("9223372036854775808ns")
    with pytest.raises(ValueError, match="overflows int64"):
        parse_duration("-9223372036854775809ns")


@pytest.mark.parametrize(
    "text,ns",
    [
        # time.leadingFraction keeps a 19th digit while the first 18 are small enough
        # (values computed with Go's rule: digits while they fit an int64, then float maths).
        ("0.4079429645744444439h", 1_468_594_672_468),
        ("0.0776261684661110991h", 279_454_206_478),
        ("0.9080939133324999374h", 3_269_138_087_997),  # 18 digits near the int64 limit
        ("0.95634228721500000894877h", 3_442_832_233_974),  # digits past the 19th are ignored
        # and drops it when they are not (18 nines are already over (2**63 - 1) / 10); the
        # 18 kept become 1e18 as a float, so Go reads a whole second
        ("0.9999999999999999999s", 1_000_000_000),
    ],
)
def test_fraction_digits_are_kept_as_go_keeps_them(text: str, ns: int) -> None:
    assert round(parse_duration(text) * 1e9) == ns


@pytest.mark.parametrize(
    "value,seconds",
    [
        ("-5", -5),  # a signed digit string is seconds, not a duration without a unit
        ("-2147483648", -2147483648),  # int32's smallest value parses as an int32
        ("596523h", 2147482800),  # the largest whole-hour pause under 2**31 seconds
        ("596524h", -(2**31)),  # int32(d.Seconds()) out of range: amd64 gives -2**31
        ("2147483647s", 2**31 - 1),
        ("2147483648s", -(2**31)),
        ("-596524h", -(2**31)),
        ("-0.5s", 0),  # truncated toward zero
    ],
)
def test_pause_seconds_edges_of_int32(value: str, seconds: int) -> None:
    assert pause_seconds(value) == seconds


def test_a_digit_string_below_int32_is_not_seconds() -> None:
    # strconv.ParseInt(s, 10, 32) fails, and ParseDuration finds no unit.
    with pytest.raises(ValueError, match="missing unit"):
        pause_seconds("-2147483649")
