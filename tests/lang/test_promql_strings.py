"""PromQL string literals as Prometheus' lexer reads them (promql/parser/lex.go: lexString,
lexRawString, lexEscape; values as util/strutil.Unquote gives them). Expected values are ours,
written from the Go escape rules; the messages are Prometheus' own."""

from __future__ import annotations

import math

import pytest

from canarysim.lang.promql.lex import parse_duration, tokenize
from canarysim.lang.promql.query import PromQLError

INVALID = "1:5: parse error: escape sequence is an invalid Unicode code point"


def _value(literal: str) -> object:
    tokens = tokenize(literal)
    assert [t.kind for t in tokens] == ["STR", "EOF"]
    assert tokens[0].text == literal
    return tokens[0].value


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"plain"', "plain"),
        ("'plain'", "plain"),
        ('"a\\nb\\tc"', "a\nb\tc"),
        ('"\\a\\b\\f\\r\\v\\\\"', "\a\b\f\r\v\\"),
        ('"say \\"hi\\""', 'say "hi"'),  # its own quote may be escaped
        ("'it\\'s'", "it's"),
        ("'say \"hi\"'", 'say "hi"'),  # the other quote needs no escape
        ('"\\101\\060"', "A0"),  # octal: exactly three digits
        ('"\\x41\\x7e"', "A~"),
        ('"\\u00e9\\U0001F600"', "\u00e9\U0001f600"),
        ("`raw \\n stays`", "raw \\n stays"),
        ("`two\nlines`", "two\nlines"),
        ('"5xx|4xx"', "5xx|4xx"),
        ('""', ""),
    ],
)
def test_string_values(literal: str, value: str) -> None:
    assert _value(literal) == value


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('x{a="b', "1:5: parse error: unterminated quoted string"),
        ('x{a="b\n"}', "1:5: parse error: unterminated quoted string"),
        ("x{a=`b", "1:5: parse error: unterminated raw string"),
        ('x{a="\\q"}', "1:5: parse error: unknown escape sequence U+0071 'q'"),
        ('x{a="\\X"}', "1:5: parse error: unknown escape sequence U+0058 'X'"),
        ('x{a="\\\n"}', "1:5: parse error: unknown escape sequence U+000A"),
        ('x{a="\\\'"}', "1:5: parse error: unknown escape sequence U+0027 '''"),
        ("x{a='\\\"'}", "1:5: parse error: unknown escape sequence U+0022 '\"'"),
        ('x{a="\\', "1:5: parse error: escape sequence not terminated"),
        ('x{a="\\x4', "1:5: parse error: escape sequence not terminated"),
        ('x{a="\\x4"}', "1:5: parse error: illegal character U+0022 '\"' in escape sequence"),
        ('x{a="\\18"}', "1:5: parse error: illegal character U+0038 '8' in escape sequence"),
        ('x{a="\\u12g4"}', "1:5: parse error: illegal character U+0067 'g' in escape sequence"),
        ('x{a="\\400"}', INVALID),
        ('x{a="\\ud800"}', INVALID),
        ('x{a="\\udfff"}', INVALID),
        ('x{a="\\U00110000"}', INVALID),
        ('up\n  + x{a="\\q"}', "2:9: parse error: unknown escape sequence U+0071 'q'"),
    ],
)
def test_bad_strings_are_refused_where_they_open(query: str, message: str) -> None:
    with pytest.raises(PromQLError) as info:
        tokenize(query)
    assert str(info.value) == message


@pytest.mark.parametrize("code", ["\\377", "\\xff", "\\ud7ff", "\\ue000", "\\U0010ffff"])
def test_the_largest_and_the_edge_code_points_are_accepted(code: str) -> None:
    assert len(_value(f'"{code}"')) == 1  # type: ignore[arg-type]


def _tokens(query: str) -> list[tuple[str, str, int, object]]:
    return [(t.kind, t.text, t.pos, t.value) for t in tokenize(query)]


def test_tokens_carry_their_text_offset_and_value() -> None:
    tokens = _tokens("`a`+'b' # to the end\n 0x1F 1.5e3 Inf NaN [1h30m] .5 x")
    nan = tokens.pop(6)
    assert nan[:3] == ("NUM", "NaN", 37) and math.isnan(nan[3])  # type: ignore[arg-type]
    assert tokens == [
        ("STR", "`a`", 0, "a"),
        ("OP", "+", 3, None),
        ("STR", "'b'", 4, "b"),
        ("NUM", "0x1F", 22, 31.0),
        ("NUM", "1.5e3", 27, 1500.0),
        ("NUM", "Inf", 33, math.inf),
        ("OP", "[", 41, None),
        ("DUR", "1h30m", 42, 5400.0),
        ("OP", "]", 47, None),
        ("NUM", ".5", 49, 0.5),
        ("ID", "x", 52, None),
        ("EOF", "", 53, None),
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5m", 300.0), ("1h30m", 5400.0), ("250ms", 0.25), ("1y2w3d", 365 * 86400 + 17 * 86400)],
)
def test_durations_add_their_pieces(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_comment_runs_to_the_end_of_its_line_only() -> None:
    assert [t.kind for t in tokenize("# all of this\nx # and this")] == ["ID", "EOF"]
    assert [t.text for t in tokenize("a#\n#\nb")] == ["a", "b", ""]


def test_an_unknown_character_is_named_where_it_stands() -> None:
    with pytest.raises(PromQLError) as info:
        tokenize("up\n  $ 1")
    assert str(info.value) == "2:3: parse error: unexpected character: '$'"


def test_number_and_string_edges() -> None:
    assert _tokens(".5") == [("NUM", ".5", 0, 0.5), ("EOF", "", 2, None)]
    assert _tokens("`a`+`b`")[:3] == [
        ("STR", "`a`", 0, "a"),
        ("OP", "+", 3, None),
        ("STR", "`b`", 4, "b"),
    ]
    assert _value("``") == ""
    assert _tokens("Xy") == [("ID", "Xy", 0, None), ("EOF", "", 2, None)]
    with pytest.raises(PromQLError) as info:
        tokenize("1 + .")
    assert str(info.value) == "1:5: parse error: unexpected character: '.'"
