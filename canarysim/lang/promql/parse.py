"""PromQL subset: recursive-descent parser producing a small AST.

Covered: number and string literals; instant selectors with ``=``, ``!=``, ``=~``, ``!~``
(regexes fully anchored, as in Prometheus); range selectors ``[5m]``; subqueries
``expr[5m:1m]``; ``offset`` and ``@`` (a time, ``start()``, ``end()``); function calls;
aggregations ``sum avg min max count group stddev stdvar topk bottomk quantile count_values``
with ``by``/``without`` before or after the argument list; unary ``-``/``+``; binary arithmetic
``^ * / % + -``, comparisons (with ``bool``) and ``and or unless``, with ``on``/``ignoring`` and
``group_left``/``group_right``. Keywords are case-insensitive (``Sum By``); numbers may be hex.
Precedence follows Prometheus (``promql/parser/lex.go``): ``^`` (right-associative) >
``* / %`` > ``+ -`` > comparisons > ``and unless`` > ``or``; unary minus binds looser than ``^``.

Errors raise :class:`PromQLError` with a ``line:column`` position, like Prometheus' own
``1:14: parse error: ...`` messages. The node classes and the error live in
:mod:`canarysim.lang.promql.syntax`, the lexer in :mod:`canarysim.lang.promql.lex`; both are
re-exported here, where callers imported them before the split. This module holds the
operators (precedence, vector matching, the postfix range/subquery/``offset``/``@``
modifiers); the token cursor is :mod:`.cursor`, the leaves (literals, selectors, calls,
aggregations) :mod:`.leaves`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from canarysim.lang.promql.leaves import LeafParser
from canarysim.lang.promql.lex import Token, parse_duration, tokenize
from canarysim.lang.promql.syntax import (
    AGGREGATIONS,
    COMPARISONS,
    PARAM_AGGREGATIONS,
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
)

__all__ = [
    "AGGREGATIONS",
    "COMPARISONS",
    "PARAM_AGGREGATIONS",
    "Aggregate",
    "Binary",
    "Call",
    "Matcher",
    "MatrixSelector",
    "NumberLit",
    "Parser",
    "PromQLError",
    "StringLit",
    "Token",
    "Unary",
    "VectorSelector",
    "parse",
    "parse_duration",
    "tokenize",
]


_SET_OPS = frozenset({"and", "or", "unless"})
# Binary precedence, loosest first (promql/parser/lex.go: LOR < LAND/LUNLESS < comparisons ...)
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"or"}),
    frozenset({"and", "unless"}),
    COMPARISONS,
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%"}),
)


class Parser(LeafParser):
    def parse(self) -> object:
        if self.tok.kind == "EOF":
            raise self._err("no expression found in input")
        node = self._binary(0)
        if self.tok.kind != "EOF":
            raise self._err(f"unexpected {self._describe(self.tok)}")
        return node

    def _binary_op(self, level: int) -> str | None:
        # Only an operator or an identifier (``and``, ``OR``) can spell one of the operators.
        op = self.tok.text.lower()
        return op if op in _LEVELS[level] else None

    def _binary(self, level: int) -> object:
        if level == len(_LEVELS):
            return self._power()
        lhs = self._binary(level + 1)
        while (op := self._binary_op(level)) is not None:
            op_tok = self._next()
            return_bool = False
            if self._is_word("bool"):
                if op not in COMPARISONS:
                    raise self._err("bool modifier can only be used on comparison operators")
                self._next()
                return_bool = True
            on, labels, group, include = self._matching()
            if group is not None and (op in _SET_OPS):
                raise self._err(f"no grouping allowed for {op!r} operation", op_tok)
            rhs = self._binary(level + 1)
            node = Binary(op, lhs, rhs, return_bool, on, labels, op_tok.pos, group, include)
            lhs = self._check_binary(node)
        return lhs

    def _check_binary(self, node: Binary) -> Binary:
        """parse.go's checkAST on the operands a parser can type alone, number literals (a
        minus before a number is folded into it); the evaluator checks the rest."""
        scalar_l = isinstance(node.lhs, NumberLit)
        scalar_r = isinstance(node.rhs, NumberLit)
        if node.op in COMPARISONS and not node.return_bool and scalar_l and scalar_r:
            msg = "comparisons between scalars must use BOOL modifier"
            raise PromQLError.at(msg, self.query, node.pos)
        if node.op in _SET_OPS and (scalar_l or scalar_r):
            msg = f"set operator {node.op!r} not allowed in binary scalar expression"
            raise PromQLError.at(msg, self.query, node.pos)
        return node

    def _matching(self) -> tuple[bool | None, tuple[str, ...], str | None, tuple[str, ...]]:
        """``on``/``ignoring`` labels, then ``group_left``/``group_right`` and their labels."""
        on: bool | None = None
        labels: tuple[str, ...] = ()
        if self._is_word("on", "ignoring"):
            on = self._next().text.lower() == "on"
            labels = self._label_list()
        group: str | None = None
        include: tuple[str, ...] = ()
        if self._is_word("group_left", "group_right"):
            t = self._next()
            if on is None:
                raise self._err("unexpected <group_left/group_right> without on()/ignoring()", t)
            group = "left" if t.text.lower() == "group_left" else "right"
            if self._is("("):
                include = self._label_list()
        return on, labels, group, include

    def _power(self) -> object:
        # Unary +/- binds looser than ^ : -2^2 == -(2^2).
        if self.tok.kind == "OP" and self.tok.text in ("-", "+"):
            t = self._next()
            inner = self._power()
            if t.text == "+":
                return inner
            if isinstance(inner, NumberLit):
                return NumberLit(-inner.value)
            return Unary("-", inner, t.pos)
        paren = self._is("(")
        base = self._postfix(self._primary(), paren)
        if self._is("^"):
            t = self._next()
            on, labels, group, include = self._matching()
            exponent = self._power()  # right-associative
            return Binary("^", base, exponent, False, on, labels, t.pos, group, include)
        return base

    def _postfix(self, node: object, paren: bool) -> object:
        """Ranges, subqueries, ``offset`` and ``@`` after *node*. A parenthesised expression
        (*paren*) is a ParenExpr to Prometheus, which takes a subquery but no range or
        modifier, whatever it holds."""
        while True:
            if self._is("["):
                t = self._next()
                dur = self._duration()
                step = self._subquery_step()
                if step is None:
                    # generated_parser.y, matrix_selector (v2.53)
                    if paren or not isinstance(node, VectorSelector):
                        raise self._err("ranges only allowed for vector selectors", t)
                    if node.offset:
                        raise self._err("no offset modifiers allowed before range", t)
                    if node.at is not None:
                        raise self._err("no @ modifiers allowed before range", t)
                    self._expect("]")
                    node = MatrixSelector(node, dur, t.pos)
                else:
                    self._expect("]")
                    node = Subquery(node, dur, step[0], 0.0, None, t.pos)
                    paren = False
            elif self._is_word("offset"):
                t = self._next()
                neg = self._is("-")
                if neg:
                    self._next()
                dur = self._duration()
                node = _with_offset(None if paren else node, -dur if neg else dur, self, t)
            elif self._is("@"):
                t = self._next()
                node = _with_at(None if paren else node, self._at_time(), self, t)
            else:
                return node

    def _subquery_step(self) -> tuple[float | None] | None:
        """After ``[range``: None for a range selector, else ``(step or None,)``. Prometheus
        lexes a ``:`` inside brackets alone (``lex.go::lexStatements``); our lexer reads it as
        an identifier, with the step when no space parts them (``:1m``), else alone (``: 1m``).
        """
        t = self.tok
        if not t.text.startswith(":"):  # only an identifier token can start with one
            return None
        self._next()
        text = t.text[1:]
        if not text:
            return (self._duration(),) if self.tok.kind == "DUR" else (None,)
        if not re.fullmatch(r"(?:\d+(?:ms|s|m|h|d|w|y))+", text):
            raise self._err(f"unexpected {text!r}, expected a duration like 1m", t)
        step = parse_duration(text)
        if step <= 0:
            raise self._err("duration must be greater than 0", t)
        return (step,)

    def _at_time(self) -> float | str:
        t = self.tok
        if self._is_word("start", "end") and self.toks[self.i + 1].text == "(":
            self._next()
            self._expect("(")
            self._expect(")")
            return t.text.lower()
        sign = 1.0
        if self._is("-") or self._is("+"):
            sign = -1.0 if self._next().text == "-" else 1.0
        t = self.tok
        if t.kind != "NUM":
            raise self._err(f"unexpected {self._describe(t)}, expected a timestamp after @")
        self._next()
        assert isinstance(t.value, float)
        return sign * t.value

    def _duration(self) -> float:
        t = self.tok
        if t.kind != "DUR":
            raise self._err(f"unexpected {self._describe(t)}, expected a duration like 5m")
        self._next()
        assert isinstance(t.value, float)
        if t.value <= 0:
            raise self._err("duration must be greater than 0", t)
        return t.value


def _with_offset(node: object, off: float, parser: Parser, tok: Token) -> object:
    if isinstance(node, VectorSelector):
        if node.offset:
            raise parser._err("offset may not be set multiple times", tok)
        return replace(node, offset=off)
    if isinstance(node, MatrixSelector):
        if node.vector.offset:
            raise parser._err("offset may not be set multiple times", tok)
        return MatrixSelector(replace(node.vector, offset=off), node.range_s, node.pos)
    if isinstance(node, Subquery):
        if node.offset:
            raise parser._err("offset may not be set multiple times", tok)
        return replace(node, offset=off)
    raise parser._err(
        "offset modifier must be preceded by an instant vector selector or range vector selector "
        "or a subquery",
        tok,
    )


def _with_at(node: object, at: float | str, parser: Parser, tok: Token) -> object:
    if isinstance(node, VectorSelector | Subquery):
        if node.at is not None:
            raise parser._err("@ <timestamp> may not be set multiple times", tok)
        return replace(node, at=at)
    if isinstance(node, MatrixSelector):
        if node.vector.at is not None:
            raise parser._err("@ <timestamp> may not be set multiple times", tok)
        return MatrixSelector(replace(node.vector, at=at), node.range_s, node.pos)
    raise parser._err(
        "@ modifier must be preceded by an instant vector selector or range vector selector "
        "or a subquery",
        tok,
    )


def parse(query: str) -> object:
    """Parse ``query`` into an AST (raises :class:`PromQLError`, also for a nesting deeper than
    this recursive parser goes: hundreds of parentheses, which Prometheus' own parser would
    take but no real query comes near).

    >>> parse("(" * 5000 + "1" + ")" * 5000)
    Traceback (most recent call last):
    ...
    canarysim.lang.promql.syntax.PromQLError: 1:1: parse error: too deeply nested for this parser
    """
    try:
        return Parser(query).parse()
    except RecursionError:
        raise PromQLError.at("too deeply nested for this parser", query, 0) from None
