"""Parsing Argo's analysis condition language (an expr-lang subset) into a small AST.

The evaluator is :mod:`canarysim.lang.expr.evaluate`; see its docstring for the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CLOSURE_BUILTINS", "ConditionError", "Node", "parse"]


class ConditionError(Exception):
    """A condition that cannot be compiled or evaluated (an Error measurement in Argo)."""


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>\?\?|\?\.|\|\||&&|==|!=|<=|>=|\*\*|[-+*/%^<>!?:.,()\[\]{}\#])
    """,
    re.VERBOSE,
)
_KEYWORD_OPS = {"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, name, op, end
    text: str
    pos: int


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise ConditionError(f"unexpected character {source[pos]!r} at position {pos}")
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind != "ws":
            text = match.group()
            if kind == "name" and text in _KEYWORD_OPS:
                kind = "op"
            tokens.append(_Tok(kind, text, pos))
        pos = match.end()
    tokens.append(_Tok("end", "", len(source)))
    return tokens


# --------------------------------------------------------------------------- parser
# The AST is nested tuples: ("lit", v), ("name", n), ("elem",), ("unary", op, x),
# ("bin", op, a, b), ("cond", c, a, b), ("index", x, i), ("member", x, name, optional),
# ("call", fname, args), ("closure", body), ("array", items), ("map", pairs).

Node = tuple[Any, ...]

# Binary and unary precedence in expr v1.17.8's order (``parser/operator/operator.go``) as
# consecutive ranks (expr numbers them 10 ... 500 with gaps): ``??`` binds tightest of all,
# ``**``/``^`` next and right associative. A unary operator's operand takes every operator of
# its rank or tighter: ``not``/``!`` a product but not a sum, ``-``/``+`` a power but not a
# product (expr's 50 and 90).
_BINARY: dict[str, int] = {
    "or": 1,
    "||": 1,
    "and": 2,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 3,
    ">": 3,
    "<=": 3,
    ">=": 3,
    "in": 3,
    "matches": 3,
    "contains": 3,
    "startsWith": 3,
    "endsWith": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
    "**": 6,
    "^": 6,
    "??": 7,
}
_UNARY: dict[str, int] = {"not": 5, "!": 5, "-": 6, "+": 6}
#: The operators ``not`` may negate (``operator.AllowedNegateSuffix``).
_NEGATABLE = {"in", "matches", "contains", "startsWith", "endsWith"}
#: Comparisons chain: ``a < b < c`` is ``a < b && b < c`` (``parser.go::parseComparison``).
_CHAINED = {"<", ">", "<=", ">="}
CLOSURE_BUILTINS = {"all", "any", "none", "one", "filter", "map", "count"}


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok:
        # Never past the end token: nothing reads on after taking it.
        return self.tokens[self.i + offset]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:  # only operator tokens are spelled as bare punctuation
            raise ConditionError(f"expected {text!r} at position {tok.pos}, got {tok.text!r}")

    def parse(self) -> Node:
        node = self.expression()
        tok = self.peek()
        if tok.kind != "end":
            raise ConditionError(f"unexpected token {tok.text!r} at position {tok.pos}")
        return node

    def expression(self) -> Node:
        cond = self.binary(1)
        if self.peek().kind == "op" and self.peek().text == "?":
            self.take()
            yes = self.expression()
            self.expect(":")
            no = self.expression()
            return ("cond", cond, yes, no)
        return cond

    def binary(self, min_prec: int) -> Node:
        """expr's ``parseExpression`` without its ternary: operators binding at least
        *min_prec*, left associative but ``**``/``^``."""
        left = self.unary()
        previous = ""
        while True:
            tok = self.peek()
            if tok.kind != "op":
                return left
            op = tok.text
            negated = op == "not"
            if negated:
                op = self.peek(1).text
                if op not in _NEGATABLE:
                    raise ConditionError(f"unexpected token {op!r} at position {self.peek(1).pos}")
            prec = _BINARY.get(op)
            if prec is None or prec < min_prec:
                return left
            self.take()
            if negated:
                self.take()
            if previous == "??" and op != "??":
                raise ConditionError(
                    f"operator ({op}) and coalesce expressions (??) cannot be mixed at "
                    f"position {tok.pos}: wrap either in parentheses"
                )
            previous = op
            if op in _CHAINED:
                left = self.comparison(left, op, prec)
                continue
            right = self.binary(prec if op in ("**", "^") else prec + 1)
            left = ("bin", op, left, right)
            if negated:
                left = ("unary", "not", left)

    def comparison(self, left: Node, op: str, prec: int) -> Node:
        """``a < b <= c`` as ``a < b && b <= c`` (``parser.go::parseComparison``)."""
        right = self.binary(prec + 1)
        node: Node = ("bin", op, left, right)
        while self.peek().kind == "op" and self.peek().text in _CHAINED:
            op = self.take().text
            left, right = right, self.binary(prec + 1)
            node = ("bin", "&&", node, ("bin", op, left, right))
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in _UNARY:
            self.take()
            # The operand takes every operator binding tighter: -2 ** 2 is -(2 ** 2).
            return ("unary", tok.text, self.binary(_UNARY[tok.text]))
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok.kind != "op":
                return node
            if tok.text in (".", "?."):
                self.take()
                name = self.take()
                # expr takes its word operators (`not`, `matches`, ...) as names here too.
                if name.kind != "name" and name.text not in _KEYWORD_OPS:
                    raise ConditionError(f"expected a field name at position {name.pos}")
                node = ("member", node, name.text, tok.text == "?.")
            elif tok.text == "[":
                self.take()
                index = self.expression()
                self.expect("]")
                node = ("index", node, index)
            else:
                return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            # An integer is digits alone; anything else the tokenizer took is a float.
            return ("lit", int(tok.text) if tok.text.isdigit() else float(tok.text))
        if tok.kind == "str":
            return ("lit", _unquote(tok.text))
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return ("lit", tok.text == "true")
            if tok.text == "nil":
                return ("lit", None)
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.call(tok.text)
            return ("name", tok.text)
        if tok.kind == "op":
            if tok.text == "(":
                node = self.expression()
                self.expect(")")
                return node
            if tok.text == "#":
                return ("elem",)
            if tok.text == ".":  # `.field` inside a closure means `#.field`: postfix reads it
                self.i -= 1
                return ("elem",)
            if tok.text == "[":
                items = self.items("]")
                return ("array", tuple(items))
            if tok.text == "{":
                return self.map_literal()
        raise ConditionError(
            f"unexpected token {tok.text or 'end of input'!r} at position {tok.pos}"
        )

    def items(self, close: str) -> list[Node]:
        items: list[Node] = []
        while not (self.peek().kind == "op" and self.peek().text == close):
            items.append(self.expression())
            if self.peek().text == ",":
                self.take()
            elif self.peek().text != close:
                tok = self.peek()
                raise ConditionError(f"expected {close!r} at position {tok.pos}")
        self.take()
        return items

    def map_literal(self) -> Node:
        """expr's ``parseMapExpression``: pairs parted by commas (one may trail), each key a
        number, a string or a name, read as a string (a parenthesised key is not modelled)."""
        pairs: list[tuple[Node, Node]] = []
        while not (self.peek().kind == "op" and self.peek().text == "}"):
            if pairs:
                self.expect(",")
                if self.peek().kind == "op" and self.peek().text == "}":
                    break
            key_tok = self.take()
            if key_tok.kind not in ("num", "str", "name"):
                raise ConditionError(
                    f"a map key must be a quoted string, a number or a name at position "
                    f"{key_tok.pos}, got {key_tok.text or 'end of input'!r}"
                )
            key: Node = ("lit", _unquote(key_tok.text) if key_tok.kind == "str" else key_tok.text)
            self.expect(":")
            pairs.append((key, self.expression()))
        self.take()
        return ("map", tuple(pairs))

    def call(self, fname: str) -> Node:
        self.expect("(")
        args: list[Node] = []
        position = 0
        while not (self.peek().kind == "op" and self.peek().text == ")"):
            if fname in CLOSURE_BUILTINS and position == 1:
                if self.peek().text == "{":
                    self.take()
                    body = self.expression()
                    self.expect("}")
                else:
                    body = self.expression()
                args.append(("closure", body))
            else:
                args.append(self.expression())
            position += 1
            if self.peek().text == ",":
                self.take()
            elif self.peek().text != ")":
                tok = self.peek()
                raise ConditionError(f"expected ')' at position {tok.pos}")
        self.take()
        return ("call", fname, tuple(args))


#: expr's one-character escapes (``parser/lexer/utils.go::unescapeChar``).
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unquote(text: str) -> str:
    """A string literal's value. expr's hexadecimal, Unicode and octal escapes (``\\x41``,
    ``\\u00e9``, ``\\101``) are refused here, as expr refuses an unknown escape."""

    def escape(match: re.Match[str]) -> str:
        c = match.group(1)
        if c in "\\'\"`?":
            return c
        if c not in _ESCAPES:
            raise ConditionError("unable to unescape string")
        return _ESCAPES[c]

    return re.sub(r"\\(.)", escape, text[1:-1])  # the tokenizer lets no line end follow a \\


def parse(source: str) -> Node:
    """Compile *source* to an AST; raises :class:`ConditionError` on a syntax error, and on a
    nesting deeper than this recursive parser goes (hundreds of parentheses: no real
    condition comes near it).

    >>> parse("(" * 5000 + "1" + ")" * 5000)
    Traceback (most recent call last):
    ...
    canarysim.lang.expr.parse.ConditionError: expression nested too deeply for canarysim's parser
    """
    try:
        return _Parser(source).parse()
    except RecursionError:
        raise ConditionError("expression nested too deeply for canarysim's parser") from None
