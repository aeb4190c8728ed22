"""The PromQL parser's syntax tree and its refusals, one rule a row (found missing by mutmut).

The rules follow Prometheus v2.53's ``promql/parser/generated_parser.y``, ``parse.go`` and
``lex.go``; evaluation is tested elsewhere (``test_promql*.py``).
"""

from __future__ import annotations

import pytest

from canarysim.lang.promql.parse import (
    Binary,
    Matcher,
    MatrixSelector,
    NumberLit,
    PromQLError,
    Subquery,
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
]  # fmt: skip


@pytest.mark.parametrize(("query", "message"), ERRORS)
def test_errors(query: str, message: str) -> None:
    with pytest.raises(PromQLError) as err:
        parse(query)
    assert str(err.value) == message
