"""The leaves of a PromQL expression, as ``promql/parser/generated_parser.y`` reads them:
literals, parentheses, instant selectors and their matchers (regexes checked, metric names
apart from keywords), function calls and aggregations with their label lists. The
operators above them are :mod:`canarysim.lang.promql.parse`'s."""

from __future__ import annotations

import re

from canarysim.lang.promql.cursor import Cursor
from canarysim.lang.promql.functions import FUNCTIONS
from canarysim.lang.promql.lex import Token
from canarysim.lang.promql.syntax import (
    AGGREGATIONS,
    PARAM_AGGREGATIONS,
    Aggregate,
    Call,
    Matcher,
    NumberLit,
    PromQLError,
    StringLit,
    VectorSelector,
)

# The keywords that cannot name a metric: generated_parser.y's metric_identifier takes the
# others (``by``, ``without``, ``offset``, ``and``, ``or``, ``unless``, the aggregations).
_KEYWORDS = frozenset({"on", "ignoring", "group_left", "group_right", "bool"})


class LeafParser(Cursor):
    """:class:`Cursor` plus the leaves; a parenthesis or an argument is a whole expression,
    which the operator parser (:class:`canarysim.lang.promql.parse.Parser`) provides."""

    def _binary(self, level: int) -> object:
        raise NotImplementedError  # Parser._binary: the expression at this precedence level

    def _primary(self) -> object:
        t = self.tok
        if t.kind == "NUM":
            self._next()
            assert isinstance(t.value, float)
            return NumberLit(t.value)
        if t.kind == "STR":
            self._next()
            return StringLit(str(t.value))
        if self._is("("):
            self._next()
            inner = self._binary(0)
            self._expect(")")
            return inner
        if self._is("{"):
            return self._selector(None, t.pos)
        if t.kind == "ID":
            name = t.text
            low = name.lower()
            after = self.toks[self.i + 1].text.lower()
            if low in AGGREGATIONS and after in ("(", "by", "without"):
                return self._aggregate()
            if low in _KEYWORDS:
                raise self._err(f"unexpected {self._describe(t)}")
            self._next()
            if self._is("("):
                return self._call(name, t.pos)
            return self._selector(name, t.pos)
        raise self._err(f"unexpected {self._describe(t)}")

    def _call(self, name: str, pos: int) -> Call:
        if name not in FUNCTIONS:
            raise PromQLError.at(f"unknown function with name {name!r}", self.query, pos)
        self._expect("(")
        args: list[object] = []
        wrappers: list[str] = []
        if not self._is(")"):
            while True:
                wrappers.append(self._leading_wrappers())
                args.append(self._binary(0))
                if not self._is(","):
                    break
                self._next()
        self._expect(")")
        lo, hi = FUNCTIONS[name]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            msg = f"expected {want} argument(s) in call to {name!r}, got {len(args)}"
            raise PromQLError.at(msg, self.query, pos)
        return Call(name, tuple(args), pos, tuple(wrappers) if any(wrappers) else ())

    def _leading_wrappers(self) -> str:
        """The ``(`` and unary ``+`` tokens the expression at the cursor begins with. When the
        expression turns out to be a selector, they all wrap it (anything else after them
        would make it a binary expression, a subquery or an error)."""
        i, out = self.i, ""
        while self.toks[i].kind == "OP" and self.toks[i].text in ("(", "+"):
            out += self.toks[i].text
            i += 1
        return out

    def _aggregate(self) -> Aggregate:
        t = self._next()
        op = t.text.lower()
        grouping: tuple[str, ...] = ()
        without = False
        seen_clause = self._is_word("by", "without")
        if seen_clause:
            without = self._next().text.lower() == "without"
            grouping = self._label_list()
            seen_clause = True
        self._expect("(")
        param = None
        if op in PARAM_AGGREGATIONS:
            param = self._binary(0)
            self._expect(",")
        expr = self._binary(0)
        self._expect(")")
        if self._is_word("by", "without"):
            if seen_clause:
                raise self._err("grouping given twice")
            without = self._next().text.lower() == "without"
            grouping = self._label_list()
        return Aggregate(op, expr, param, grouping, without, t.pos)

    def _label_list(self) -> tuple[str, ...]:
        self._expect("(")
        names: list[str] = []
        while not self._is(")"):
            t = self.tok
            if t.kind != "ID":
                raise self._err(f"unexpected {self._describe(t)} in grouping opts, expected label")
            names.append(self._next().text)
            if self._is(","):
                self._next()
            elif not self._is(")"):
                raise self._err(f"unexpected {self._describe(self.tok)} in grouping opts")
        self._next()
        return tuple(names)

    def _selector(self, name: str | None, pos: int) -> VectorSelector:
        matchers: list[Matcher] = []
        if name is not None:
            matchers.append(Matcher("__name__", "=", name))
        if self._is("{"):
            self._next()
            while not self._is("}"):
                lt = self.tok
                if lt.kind != "ID":
                    raise self._err(
                        f"unexpected {self._describe(lt)} in label matching, expected label"
                    )
                self._next()
                ot = self.tok
                if ot.kind != "OP" or ot.text not in ("=", "!=", "=~", "!~"):
                    raise self._err(
                        f"unexpected {self._describe(ot)} in label matching, "
                        'expected one of "=", "!=", "=~" or "!~"'
                    )
                self._next()
                vt = self.tok
                if vt.kind != "STR":
                    raise self._err(
                        f"unexpected {self._describe(vt)} in label matching, expected string"
                    )
                self._next()
                matchers.append(self._matcher(lt.text, ot.text, str(vt.value), vt))
                if self._is(","):
                    self._next()
                elif not self._is("}"):
                    raise self._err(
                        f"unexpected {self._describe(self.tok)} in label matching, "
                        'expected "," or "}"'
                    )
            self._next()
        if not any(not m.matches("") for m in matchers):
            raise PromQLError.at(
                "vector selector must contain at least one non-empty matcher", self.query, pos
            )
        if name is not None and any(m.name == "__name__" for m in matchers[1:]):
            raise PromQLError.at("metric name must not be set twice", self.query, pos)
        return VectorSelector(tuple(matchers), 0.0, pos)

    def _matcher(self, name: str, op: str, value: str, tok: Token) -> Matcher:
        if op in ("=~", "!~"):
            try:
                return Matcher(name, op, value, re.compile(f"(?:{value})", re.DOTALL))
            except re.error as exc:
                raise self._err(f"invalid regular expression {value!r}: {exc}", tok) from None
        return Matcher(name, op, value)
