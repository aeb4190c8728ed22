"""The condition parser's syntax tree and its refusals, one rule a row (found missing by mutmut).

String escapes follow expr-lang's ``parser/lexer/utils.go::unescapeChar``.
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
    pytest.param("{", "expected '}' at position 1", id="unclosed map"),
    pytest.param("{'a': 1", "expected '}' at position 7", id="unclosed map after a pair"),
    pytest.param(r'"a\qb"', "unable to unescape string", id="unknown escape"),
    pytest.param(r'"\x41"', "unable to unescape string", id="hexadecimal escape not read"),
    pytest.param(r'"\X"', "unable to unescape string", id="capital letter escape"),
]


@pytest.mark.parametrize(("source", "message"), ERRORS)
def test_errors(source: str, message: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse(source)
    assert str(err.value) == message
