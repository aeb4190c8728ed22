"""The condition parser's syntax tree and its refusals, one rule a row (found missing by mutmut).

String escapes follow expr-lang's ``parser/lexer/utils.go::unescapeChar``; precedence, the
comparison chain, ``not`` before an operator and the ``??`` rule follow expr v1.17.8's
``parser/parser.go::parseExpression`` and ``parser/operator/operator.go``.
"""

from __future__ import annotations

import pytest

from canarysim.lang.expr.parse import ConditionError, parse

# (source, syntax tree)
TREES = [
    pytest.param("[-1]", ("array", (("unary", "-", ("lit", 1)),)), id="array opening on an op"),
    pytest.param("[1, 2]", ("array", (("lit", 1), ("lit", 2))), id="array of two"),
    pytest.param("{a: 1}", ("map", ((("lit", "a"), ("lit", 1)),)), id="map key as a name"),
    pytest.param("{'a': 1, 'b': 2}",
                 ("map", ((("lit", "a"), ("lit", 1)), (("lit", "b"), ("lit", 2)))),
                 id="map of two"),
    pytest.param("all(result, # > 1)",
                 ("call", "all",
                  (("name", "result"), ("closure", ("bin", ">", ("elem",), ("lit", 1))))),
                 id="the second argument of a closure builtin"),
    pytest.param("map(result, #, 1)",
                 ("call", "map", (("name", "result"), ("closure", ("elem",)), ("lit", 1))),
                 id="only the second argument is a closure"),
    pytest.param("1 not in [1]",
                 ("unary", "not", ("bin", "in", ("lit", 1), ("array", (("lit", 1),)))),
                 id="not in"),
    pytest.param("1 - 2 - 3", ("bin", "-", ("bin", "-", ("lit", 1), ("lit", 2)), ("lit", 3)),
                 id="left associative"),
    pytest.param("2 ** 3 ^ 2", ("bin", "**", ("lit", 2), ("bin", "^", ("lit", 3), ("lit", 2))),
                 id="powers right associative"),
    pytest.param(r'"a\nb"', ("lit", "a\nb"), id="newline escape"),
    pytest.param(r'"a\tb\rc"', ("lit", "a\tb\rc"), id="tab and carriage return"),
    pytest.param(r'"\a\b\f\v"', ("lit", "\a\b\f\v"), id="bell, backspace, form feed, vtab"),
    pytest.param(r'"a\"b\\c"', ("lit", 'a"b\\c'), id="quote and backslash"),
    pytest.param(r"'it\'s \`\?'", ("lit", "it's `?"), id="apostrophe, backquote, question"),
    pytest.param("-2 ** 2", ("unary", "-", ("bin", "**", ("lit", 2), ("lit", 2))),
                 id="minus binds looser than a power"),
    pytest.param("-1 * 2", ("bin", "*", ("unary", "-", ("lit", 1)), ("lit", 2)),
                 id="minus binds tighter than a product"),
    pytest.param("not a * b", ("unary", "not", ("bin", "*", ("name", "a"), ("name", "b"))),
                 id="not binds looser than a product"),
    pytest.param("!a + b", ("bin", "+", ("unary", "!", ("name", "a")), ("name", "b")),
                 id="! binds tighter than a sum"),
    pytest.param("!a % b", ("unary", "!", ("bin", "%", ("name", "a"), ("name", "b"))),
                 id="! binds looser than a product"),
    pytest.param("!a == b", ("bin", "==", ("unary", "!", ("name", "a")), ("name", "b")),
                 id="! binds tighter than a comparison"),
    pytest.param("a or b and c",
                 ("bin", "or", ("name", "a"), ("bin", "and", ("name", "b"), ("name", "c"))),
                 id="and binds tighter than or"),
    pytest.param("a || b && c",
                 ("bin", "||", ("name", "a"), ("bin", "&&", ("name", "b"), ("name", "c"))),
                 id="&& binds tighter than ||"),
    pytest.param("a and b == c",
                 ("bin", "and", ("name", "a"), ("bin", "==", ("name", "b"), ("name", "c"))),
                 id="== binds tighter than and"),
    pytest.param("a == b + c",
                 ("bin", "==", ("name", "a"), ("bin", "+", ("name", "b"), ("name", "c"))),
                 id="+ binds tighter than =="),
    pytest.param("a - b % c",
                 ("bin", "-", ("name", "a"), ("bin", "%", ("name", "b"), ("name", "c"))),
                 id="% binds tighter than -"),
    pytest.param("a / b ^ c",
                 ("bin", "/", ("name", "a"), ("bin", "^", ("name", "b"), ("name", "c"))),
                 id="^ binds tighter than /"),
    pytest.param("a ** b ?? c",
                 ("bin", "**", ("name", "a"), ("bin", "??", ("name", "b"), ("name", "c"))),
                 id="?? binds tightest"),
    pytest.param("a ?? b ?? c",
                 ("bin", "??", ("bin", "??", ("name", "a"), ("name", "b")), ("name", "c")),
                 id="?? left associative"),
    pytest.param("(a ?? b) > c",
                 ("bin", ">", ("bin", "??", ("name", "a"), ("name", "b")), ("name", "c")),
                 id="?? in parentheses then compared"),
    pytest.param("1 < 2 < 3",
                 ("bin", "&&", ("bin", "<", ("lit", 1), ("lit", 2)),
                  ("bin", "<", ("lit", 2), ("lit", 3))),
                 id="comparisons chain"),
    pytest.param("1 <= 2 > 0 >= a + 1",
                 ("bin", "&&",
                  ("bin", "&&", ("bin", "<=", ("lit", 1), ("lit", 2)),
                   ("bin", ">", ("lit", 2), ("lit", 0))),
                  ("bin", ">=", ("lit", 0), ("bin", "+", ("name", "a"), ("lit", 1)))),
                 id="a chain of three, each operand a sum"),
    pytest.param("1 < 2 == true",
                 ("bin", "==", ("bin", "<", ("lit", 1), ("lit", 2)), ("lit", True)),
                 id="== does not chain"),
    pytest.param("a not contains b",
                 ("unary", "not", ("bin", "contains", ("name", "a"), ("name", "b"))),
                 id="not contains"),
    pytest.param("a not matches b",
                 ("unary", "not", ("bin", "matches", ("name", "a"), ("name", "b"))),
                 id="not matches"),
    pytest.param("a not startsWith b",
                 ("unary", "not", ("bin", "startsWith", ("name", "a"), ("name", "b"))),
                 id="not startsWith"),
    pytest.param("a not endsWith b",
                 ("unary", "not", ("bin", "endsWith", ("name", "a"), ("name", "b"))),
                 id="not endsWith"),
    pytest.param("a + 1 not in b",
                 ("unary", "not",
                  ("bin", "in", ("bin", "+", ("name", "a"), ("lit", 1)), ("name", "b"))),
                 id="not in after a sum"),
    pytest.param("a * b not in c",
                 ("unary", "not",
                  ("bin", "in", ("bin", "*", ("name", "a"), ("name", "b")), ("name", "c"))),
                 id="not in after a product"),
    pytest.param("{a: 1, 2: 3,}",
                 ("map", ((("lit", "a"), ("lit", 1)), (("lit", "2"), ("lit", 3)))),
                 id="a number key read as a string, a trailing comma"),
    pytest.param("{}", ("map", ()), id="empty map"),
    pytest.param("a.not", ("member", ("name", "a"), "not", False), id="a word operator as a field"),
    pytest.param("a?.b", ("member", ("name", "a"), "b", True), id="optional member"),
    pytest.param(".a", ("member", ("elem",), "a", False), id="a field of the element"),
    pytest.param("a[1]", ("index", ("name", "a"), ("lit", 1)), id="index"),
    pytest.param("f()", ("call", "f", ()), id="call without arguments"),
    pytest.param("all(x, {# > 1})",
                 ("call", "all", (("name", "x"), ("closure", ("bin", ">", ("elem",), ("lit", 1))))),
                 id="a closure in braces"),
    pytest.param("a ? b : c ? d : e",
                 ("cond", ("name", "a"), ("name", "b"),
                  ("cond", ("name", "c"), ("name", "d"), ("name", "e"))),
                 id="conditionals nest to the right"),
    pytest.param("1.5e3", ("lit", 1500.0), id="float with exponent"),
    pytest.param("2e3", ("lit", 2000.0), id="integer digits with an exponent make a float"),
    pytest.param("true != false", ("bin", "!=", ("lit", True), ("lit", False)), id="booleans"),
    pytest.param("nil", ("lit", None), id="nil"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "tree"), TREES)
def test_trees(source: str, tree: tuple[object, ...]) -> None:
    assert parse(source) == tree


# (source, message)
ERRORS = [
    pytest.param("[1 2]", "expected ']' at position 3", id="array without comma"),
    pytest.param("(1", "expected ')' at position 2, got ''", id="unclosed parenthesis"),
    pytest.param("1 2 in [2]", "unexpected token '2' at position 2", id="a name before in"),
    pytest.param("result.(", "expected a field name at position 7", id="not a field name"),
    pytest.param("f(1 2)", "expected ')' at position 4", id="arguments without comma"),
    pytest.param(
        "{",
        "a map key must be a quoted string, a number or a name at position 1, got 'end of input'",
        id="unclosed map",
    ),
    pytest.param("{'a': 1", "expected ',' at position 7, got ''", id="unclosed map after a pair"),
    pytest.param("{a: 1 b: 2}", "expected ',' at position 6, got 'b'", id="pairs without comma"),
    pytest.param(
        "{+: 1}",
        "a map key must be a quoted string, a number or a name at position 1, got '+'",
        id="an operator as a map key",
    ),
    pytest.param(
        "{a: 1,,}",
        "a map key must be a quoted string, a number or a name at position 6, got ','",
        id="two commas in a map",
    ),
    pytest.param(". 1", "expected a field name at position 2", id="a number after a dot"),
    pytest.param(r'"a\qb"', "unable to unescape string", id="unknown escape"),
    pytest.param(r'"\x41"', "unable to unescape string", id="hexadecimal escape not read"),
    pytest.param(r'"\X"', "unable to unescape string", id="capital letter escape"),
    pytest.param(
        "a ?? b || c",
        "operator (||) and coalesce expressions (??) cannot be mixed at position 7: "
        "wrap either in parentheses",
        id="?? then ||",
    ),
    pytest.param(
        "a ?? b + c",
        "operator (+) and coalesce expressions (??) cannot be mixed at position 7: "
        "wrap either in parentheses",
        id="?? then +",
    ),
    pytest.param(
        "a ?? b not in c",
        "operator (in) and coalesce expressions (??) cannot be mixed at position 7: "
        "wrap either in parentheses",
        id="?? then not in",
    ),
    pytest.param("a not b", "unexpected token 'b' at position 6", id="not before a name"),
    pytest.param("a not", "unexpected token '' at position 5", id="not at the end"),
]


@pytest.mark.parametrize(("source", "message"), ERRORS)
def test_errors(source: str, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse(source)
    assert str(err.value) == message
