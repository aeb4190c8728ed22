"""The token cursor of the PromQL parser: the current token, advancing, expecting a token,
and errors with Prometheus' ``line:column`` position (:class:`PromQLError`)."""

from __future__ import annotations

from canarysim.lang.promql.lex import Token, tokenize
from canarysim.lang.promql.syntax import (
    PromQLError,
)


class Cursor:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = tokenize(query)
        self.i = 0

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def _next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def _err(self, msg: str, tok: Token | None = None) -> PromQLError:
        t = tok or self.tok
        return PromQLError.at(msg, self.query, t.pos)

    def _describe(self, t: Token) -> str:
        return "end of input" if t.kind == "EOF" else repr(t.text)

    def _expect(self, text: str) -> Token:
        if not self._is(text):
            raise self._err(f"unexpected {self._describe(self.tok)}, expected {text!r}")
        return self._next()

    def _is(self, text: str) -> bool:
        """Whether the token is the punctuation *text* (a string, number or duration token
        never spells one: their text is quoted or starts with a digit or a dot)."""
        return self.tok.text == text

    def _is_word(self, *words: str) -> bool:
        return self.tok.kind == "ID" and self.tok.text.lower() in words

    # -- entry
