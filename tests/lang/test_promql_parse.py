"""The PromQL parser's syntax tree and its refusals, one rule a row (found missing by mutmut).

The rules follow Prometheus v2.53's ``promql/parser/generated_parser.y``, ``parse.go`` and
``lex.go``; evaluation is tested elsewhere (``test_promql*.py``).
"""

from __future__ import annotations

import re

import pytest

from canarysim.lang.promql.parse import (
    Aggregate,
    Binary,
    Call,
    Matcher,
    MatrixSelector,
    NumberLit,
    PromQLError,
    StringLit,
    Subquery,
    Unary,
    VectorSelector,
    parse,
)


def sel(name: str, pos: int = 0, offset: float = 0.0, at: float | str | None = None):
    return VectorSelector((Matcher("__name__", "=", name),), offset, pos, at)


X = sel("x")

# (query, syntax tree)
TREES = [
    pytest.param("x[5m:1m]", Subquery(X, 300.0, 60.0, 0.0, None, 1), id="subquery step"),
    pytest.param("x[5m:]", Subquery(X, 300.0, None, 0.0, None, 1), id="subquery no step"),
    pytest.param("x[5m: 1m]", Subquery(X, 300.0, 60.0, 0.0, None, 1),
                 id="subquery step after a space"),
    pytest.param("x[5m : 1m]", Subquery(X, 300.0, 60.0, 0.0, None, 1),
                 id="subquery colon between spaces"),
    pytest.param("x[5m :]", Subquery(X, 300.0, None, 0.0, None, 1),
                 id="subquery colon after a space, no step"),
    pytest.param("x offset 1m [5m:]", Subquery(sel("x", offset=60.0), 300.0, None, 0.0, None, 12),
                 id="a subquery of a selector with an offset"),
    pytest.param("x[5m]", MatrixSelector(X, 300.0, 1), id="range selector"),
    pytest.param("x AND y", Binary("and", X, sel("y", 6), pos=2), id="set operator any case"),
    pytest.param("1 + 2 > bool 3",
                 Binary(">", Binary("+", NumberLit(1.0), NumberLit(2.0), pos=2),
                        NumberLit(3.0), True, pos=6),
                 id="comparison with bool"),
    pytest.param("by", sel("by"), id="by names a metric"),
    pytest.param("Offset offset 1m", sel("Offset", offset=60.0), id="offset names a metric"),
    pytest.param("x and unless", Binary("and", X, sel("unless", 6), pos=2),
                 id="unless names a metric"),
    pytest.param("x > bool y", Binary(">", X, sel("y", 9), True, pos=2), id="bool"),
    pytest.param("x or on(a) y", Binary("or", X, sel("y", 11), on=True, labels=("a",), pos=2),
                 id="on"),
    pytest.param("x * ignoring(a, b) group_left(c) y",
                 Binary("*", X, sel("y", 33), on=False, labels=("a", "b"), pos=2, group="left",
                        include=("c",)),
                 id="ignoring and group_left with labels"),
    pytest.param("x * on() GROUP_RIGHT y",
                 Binary("*", X, sel("y", 21), on=True, pos=2, group="right"),
                 id="group_right without labels"),
    pytest.param("x ^ on(a) y", Binary("^", X, sel("y", 10), on=True, labels=("a",), pos=2),
                 id="matching on a power"),
    pytest.param("a or b and c",
                 Binary("or", sel("a"), Binary("and", sel("b", 5), sel("c", 11), pos=7), pos=2),
                 id="and binds tighter than or"),
    pytest.param("a unless b == c",
                 Binary("unless", sel("a"), Binary("==", sel("b", 9), sel("c", 14), pos=11),
                        pos=2),
                 id="a comparison binds tighter than unless"),
    pytest.param("a == b + c",
                 Binary("==", sel("a"), Binary("+", sel("b", 5), sel("c", 9), pos=7), pos=2),
                 id="+ binds tighter than =="),
    pytest.param("a - b % c",
                 Binary("-", sel("a"), Binary("%", sel("b", 4), sel("c", 8), pos=6), pos=2),
                 id="% binds tighter than -"),
    pytest.param("a - b - c",
                 Binary("-", Binary("-", sel("a"), sel("b", 4), pos=2), sel("c", 8), pos=6),
                 id="left associative"),
    pytest.param("a / b ^ c ^ d",
                 Binary("/", sel("a"),
                        Binary("^", sel("b", 4), Binary("^", sel("c", 8), sel("d", 12), pos=10),
                               pos=6),
                        pos=2),
                 id="^ binds tightest, right associative"),
    pytest.param("-x ^ 2", Unary("-", Binary("^", sel("x", 1), NumberLit(2.0), pos=3), 0),
                 id="minus looser than ^"),
    pytest.param("- -x", Unary("-", Unary("-", sel("x", 3), 2), 0), id="two minuses"),
    pytest.param("-1", NumberLit(-1.0), id="minus folded into a number"),
    pytest.param("+x", sel("x", 1), id="unary plus dropped"),
    pytest.param("1 > bool 2", Binary(">", NumberLit(1.0), NumberLit(2.0), True, pos=2),
                 id="scalars compared with bool"),
    pytest.param("x offset -5m", sel("x", offset=-300.0), id="negative offset"),
    pytest.param("x @ 100", sel("x", at=100.0), id="at a time"),
    pytest.param("x @ -100", sel("x", at=-100.0), id="at a negative time"),
    pytest.param("x @ +5", sel("x", at=5.0), id="at a signed time"),
    pytest.param("x @ start()", sel("x", at="start"), id="at start"),
    pytest.param("x @ END()", sel("x", at="end"), id="at end, any case"),
    pytest.param("x[5m] @ 100", MatrixSelector(sel("x", at=100.0), 300.0, 1), id="range at"),
    pytest.param("x[5m] offset 1m", MatrixSelector(sel("x", offset=60.0), 300.0, 1),
                 id="range offset"),
    pytest.param("x[5m:] @ end() offset 1m", Subquery(X, 300.0, None, 60.0, "end", 1),
                 id="subquery at and offset"),
    pytest.param("(x)[5m:] offset 1m", Subquery(sel("x", 1), 300.0, None, 60.0, None, 3),
                 id="a parenthesised subquery takes an offset"),
    pytest.param('"a"', StringLit("a"), id="string"),
    pytest.param("(1)", NumberLit(1.0), id="parenthesised number"),
    pytest.param('{a="b"}', VectorSelector((Matcher("a", "=", "b"),), 0.0, 0),
                 id="selector without a name"),
    pytest.param('x{a!="b",}', VectorSelector((X.matchers[0], Matcher("a", "!=", "b")), 0.0, 0),
                 id="trailing comma in matchers"),
    pytest.param("x{}", X, id="empty braces"),
    pytest.param("sum", sel("sum"), id="an aggregation's name alone is a metric"),
    pytest.param("time()", Call("time", (), 0), id="call without arguments"),
    pytest.param("round(x, 2)", Call("round", (sel("x", 6), NumberLit(2.0)), 0),
                 id="call of two"),
    pytest.param("rate(x[5m])", Call("rate", (MatrixSelector(sel("x", 5), 300.0, 6),), 0),
                 id="call of a range"),
    pytest.param("Sum By (a) (x)", Aggregate("sum", sel("x", 12), None, ("a",), False, 0),
                 id="grouping before"),
    pytest.param("sum(x) without (a, b,)", Aggregate("sum", sel("x", 4), None, ("a", "b"), True, 0),
                 id="grouping after, trailing comma"),
    pytest.param("max without (a) (x)", Aggregate("max", sel("x", 17), None, ("a",), True, 0),
                 id="without before"),
    pytest.param("topk(3, x)", Aggregate("topk", sel("x", 8), NumberLit(3.0), (), False, 0),
                 id="aggregation parameter"),
    pytest.param("avg(x) by ()", Aggregate("avg", sel("x", 4), None, (), False, 0),
                 id="empty grouping"),
    pytest.param("x ^ on(a) group_left(b) y",
                 Binary("^", X, sel("y", 24), on=True, labels=("a",), pos=2, group="left",
                        include=("b",)),
                 id="grouping on a power"),
    pytest.param("x[500ms]", MatrixSelector(X, 0.5, 1), id="a range under a second"),
    pytest.param("x[5m:500ms]", Subquery(X, 300.0, 0.5, 0.0, None, 1),
                 id="a subquery step under a second"),
    pytest.param("(a or b) and c",
                 Binary("and", Binary("or", sel("a", 1), sel("b", 6), pos=3), sel("c", 13),
                        pos=9),
                 id="or inside parentheses"),
    pytest.param("abs(a or b)", Call("abs", (Binary("or", sel("a", 4), sel("b", 9), pos=6),), 0),
                 id="or as an argument"),
    pytest.param("round(x, a or b)",
                 Call("round", (sel("x", 6), Binary("or", sel("a", 9), sel("b", 14), pos=11)), 0),
                 id="or as a second argument"),
    pytest.param("abs(time())", Call("abs", (Call("time", (), 4),), 0), id="a call's position"),
    pytest.param("abs(sum(x))", Call("abs", (Aggregate("sum", sel("x", 8), pos=4),), 0),
                 id="an aggregation's position"),
    pytest.param("topk(a or b, x)",
                 Aggregate("topk", sel("x", 13), Binary("or", sel("a", 5), sel("b", 10), pos=7),
                           pos=0),
                 id="or as an aggregation parameter"),
    pytest.param("sum(a or b)", Aggregate("sum", Binary("or", sel("a", 4), sel("b", 9), pos=6)),
                 id="or aggregated"),
    pytest.param('x{a=~"b"}',
                 VectorSelector((X.matchers[0], Matcher("a", "=~", "b", re.compile("(?:b)", re.S))),
                                0.0, 0),
                 id="a regex matcher keeps its text"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "tree"), TREES)
def test_trees(query: str, tree: object) -> None:
    assert parse(query) == tree


# (query, message)
ERRORS = [
    pytest.param("x[5m:0s]", "1:5: parse error: duration must be greater than 0",
                 id="zero subquery step"),
    pytest.param("x[5m: 0s]", "1:7: parse error: duration must be greater than 0",
                 id="zero subquery step after a space"),
    pytest.param("x[5m:foo]", "1:5: parse error: unexpected 'foo', expected a duration like 1m",
                 id="subquery step not a duration"),
    pytest.param("x offset 1m [5m]", "1:13: parse error: no offset modifiers allowed before range",
                 id="offset before a range"),
    pytest.param("x @ 1 [5m]", "1:7: parse error: no @ modifiers allowed before range",
                 id="@ before a range"),
    pytest.param("x[5m", "1:5: parse error: unexpected end of input, expected ']'",
                 id="unclosed range"),
    pytest.param("on", "1:1: parse error: unexpected 'on'", id="on names no metric"),
    pytest.param("Bool", "1:1: parse error: unexpected 'Bool'", id="bool names no metric"),
    pytest.param("x offset 1m offset 2m", "1:13: parse error: offset may not be set multiple times",
                 id="two offsets"),
    pytest.param("sum(x) offset 1m",
                 "1:8: parse error: offset modifier must be preceded by an instant vector "
                 "selector or range vector selector or a subquery", id="offset of an aggregation"),
    pytest.param("(x)[5m]", "1:4: parse error: ranges only allowed for vector selectors",
                 id="range of a parenthesised selector"),
    pytest.param("(x) offset 1m",
                 "1:5: parse error: offset modifier must be preceded by an instant vector "
                 "selector or range vector selector or a subquery",
                 id="offset of a parenthesised selector"),
    pytest.param("(x) @ 1",
                 "1:5: parse error: @ modifier must be preceded by an instant vector selector "
                 "or range vector selector or a subquery",
                 id="@ of a parenthesised selector"),
    pytest.param("sum(x) @ 1",
                 "1:8: parse error: @ modifier must be preceded by an instant vector selector "
                 "or range vector selector or a subquery",
                 id="@ of an aggregation"),
    pytest.param("rate(x)[5m]", "1:8: parse error: ranges only allowed for vector selectors",
                 id="range of a call"),
    pytest.param("", "1:1: parse error: no expression found in input", id="empty"),
    pytest.param("x[5m foo]", "1:6: parse error: unexpected 'foo', expected ']'",
                 id="a name after a range"),
    pytest.param("x y", "1:3: parse error: unexpected 'y'", id="two selectors"),
    pytest.param("x + bool y",
                 "1:5: parse error: bool modifier can only be used on comparison operators",
                 id="bool on arithmetic"),
    pytest.param("x and on(a) group_left y",
                 "1:3: parse error: no grouping allowed for 'and' operation",
                 id="grouping on a set operation"),
    pytest.param("x * group_left y",
                 "1:5: parse error: unexpected <group_left/group_right> without on()/ignoring()",
                 id="group_left without on"),
    pytest.param("1 == 2", "1:3: parse error: comparisons between scalars must use BOOL modifier",
                 id="scalars compared without bool"),
    pytest.param("1 and x",
                 "1:3: parse error: set operator 'and' not allowed in binary scalar expression",
                 id="scalar left of a set operator"),
    pytest.param("x unless 1",
                 "1:3: parse error: set operator 'unless' not allowed in binary scalar expression",
                 id="scalar right of a set operator"),
    pytest.param("x @ 1 @ 2", "1:7: parse error: @ <timestamp> may not be set multiple times",
                 id="two @"),
    pytest.param("x[5m] @ 1 @ 2", "1:11: parse error: @ <timestamp> may not be set multiple times",
                 id="two @ on a range"),
    pytest.param("x[5m:] @ 1 @ 2",
                 "1:12: parse error: @ <timestamp> may not be set multiple times",
                 id="two @ on a subquery"),
    pytest.param("x[5m] offset 1m offset 1m",
                 "1:17: parse error: offset may not be set multiple times",
                 id="two offsets on a range"),
    pytest.param("x[5m:] offset 1m offset 1m",
                 "1:18: parse error: offset may not be set multiple times",
                 id="two offsets on a subquery"),
    pytest.param("x @ start", "1:5: parse error: unexpected 'start', expected a timestamp after @",
                 id="start without parentheses"),
    pytest.param("x @", "1:4: parse error: unexpected end of input, expected a timestamp after @",
                 id="@ at the end"),
    pytest.param("x[0s]", "1:3: parse error: duration must be greater than 0", id="zero range"),
    pytest.param("x offset 1", "1:10: parse error: unexpected '1', expected a duration like 5m",
                 id="offset of a number"),
    pytest.param(")", "1:1: parse error: unexpected ')'", id="a closing parenthesis"),
    pytest.param("x(", "1:1: parse error: unknown function with name 'x'", id="unknown function"),
    pytest.param("rate()", "1:1: parse error: expected 1 argument(s) in call to 'rate', got 0",
                 id="too few arguments"),
    pytest.param("round(x, 1, 2)",
                 "1:1: parse error: expected 1 to 2 argument(s) in call to 'round', got 3",
                 id="too many arguments"),
    pytest.param("sum by (a) (x) by (b)", "1:16: parse error: grouping given twice",
                 id="grouping twice"),
    pytest.param("topk(x)", "1:7: parse error: unexpected ')', expected ','",
                 id="aggregation parameter missing"),
    pytest.param("sum by (1) (x)",
                 "1:9: parse error: unexpected '1' in grouping opts, expected label",
                 id="a number as a grouping label"),
    pytest.param("sum by (a b) (x)", "1:11: parse error: unexpected 'b' in grouping opts",
                 id="grouping labels without comma"),
    pytest.param('x{"a"="b"}',
                 "1:3: parse error: unexpected '\"a\"' in label matching, expected label",
                 id="quoted label name"),
    pytest.param('x{a=="b"}',
                 "1:4: parse error: unexpected '==' in label matching, "
                 'expected one of "=", "!=", "=~" or "!~"',
                 id="== in a matcher"),
    pytest.param('x{a="b" c="d"}',
                 "1:9: parse error: unexpected 'c' in label matching, expected \",\" or \"}\"",
                 id="matchers without comma"),
    pytest.param('{a=""}', "1:1: parse error: vector selector must contain at least one "
                 "non-empty matcher", id="only an empty matcher"),
    pytest.param('{a=~".*"}', "1:1: parse error: vector selector must contain at least one "
                 "non-empty matcher", id="only a regex matching empty"),
    pytest.param('x{__name__="y"}', "1:1: parse error: metric name must not be set twice",
                 id="name twice"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "message"), ERRORS)
def test_errors(query: str, message: str) -> None:
    with pytest.raises(PromQLError) as err:
        parse(query)
    assert str(err.value) == message


def test_a_name_only_in_braces() -> None:
    assert parse('{__name__="y"}') == VectorSelector((Matcher("__name__", "=", "y"),), 0.0, 0)


@pytest.mark.parametrize(
    ("query", "value", "hit"),
    [
        pytest.param('{a=~"b|c"}', "c", True, id="alternation"),
        pytest.param('{a=~"b|c"}', "bc", False, id="anchored at both ends"),
        pytest.param('{a=~"x.y"}', "x\ny", True, id="a dot takes a line end"),
        pytest.param('x{a!~"b+"}', "bb", False, id="negated"),
        pytest.param('x{a!~"b+"}', "", True, id="negated, empty"),
    ],
)
def test_regex_matchers(query: str, value: str, hit: bool) -> None:
    """Prometheus anchors a matcher's regex and lets ``.`` take a line end (``^(?s:re)$``)."""
    assert parse(query).matchers[-1].matches(value) is hit
