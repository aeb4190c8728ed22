"""PromQL subset: the syntax tree the parser builds and the evaluator walks, and its error.

Node classes are frozen dataclasses carrying the 0-based ``pos`` of their first token where an
evaluation error may need it. :class:`PromQLError` renders a position as ``line:column``, like
Prometheus' own ``1:14: parse error: ...`` messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from canarysim.errors import SimulationError

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
    "PromQLError",
    "StringLit",
    "Subquery",
    "Unary",
    "VectorSelector",
]


class PromQLError(SimulationError):
    """A query that cannot be parsed or evaluated. A parse error names where the query went
    wrong as ``line:column`` (:meth:`at`); an evaluation error is the message alone, as
    Prometheus reports them."""

    @classmethod
    def at(cls, message: str, query: str, pos: int) -> PromQLError:
        """A parse error at the 0-based character offset ``pos`` of ``query``:
        ``line:column: parse error: message`` with both counted from 1.

        >>> str(PromQLError.at("unexpected '*'", "a\\n\\n  + * b", 7))
        "3:5: parse error: unexpected '*'"
        """
        head = query[:pos]
        line = head.count("\n") + 1
        column = pos - head.rfind("\n")  # rfind is -1 on the first line
        return cls(f"{line}:{column}: parse error: {message}")


# ============================================================================ AST
@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # "=", "!=", "=~", "!~"
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, v: str) -> bool:
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        assert self.regex is not None
        hit = self.regex.fullmatch(v) is not None
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class NumberLit:
    value: float


@dataclass(frozen=True)
class StringLit:
    value: str


@dataclass(frozen=True)
class VectorSelector:
    matchers: tuple[Matcher, ...]
    offset: float = 0.0
    pos: int = 0
    #: ``@`` modifier: a time (seconds, Unix time of the store's clock), or "start"/"end".
    at: float | str | None = None


@dataclass(frozen=True)
class MatrixSelector:
    vector: VectorSelector
    range_s: float
    pos: int = 0


@dataclass(frozen=True)
class Subquery:
    """``expr[range:step] offset o @ t``; ``step_s`` None means the default resolution."""

    expr: object
    range_s: float
    step_s: float | None = None
    offset: float = 0.0
    at: float | str | None = None
    pos: int = 0


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[object, ...]
    pos: int = 0
    wrappers: tuple[str, ...] = ()
    """Per argument, the parentheses and unary ``+`` it began with (``"(+"`` for
    ``(+x)``), which the parser drops but Prometheus keeps as ParenExpr and UnaryExpr nodes:
    they hide a selector from ``absent``'s labels and a unary ``+`` hides it from
    ``timestamp``. Empty when no argument has any."""


@dataclass(frozen=True)
class Aggregate:
    op: str
    expr: object
    param: object | None = None
    grouping: tuple[str, ...] = ()
    without: bool = False
    pos: int = 0


@dataclass(frozen=True)
class Unary:
    op: str
    expr: object
    pos: int = 0


@dataclass(frozen=True)
class Binary:
    op: str
    lhs: object
    rhs: object
    return_bool: bool = False
    on: bool | None = None  # None: no on()/ignoring() clause
    labels: tuple[str, ...] = field(default=())
    pos: int = 0
    #: ``group_left`` ("left": many-to-one) or ``group_right`` ("right"), with its labels.
    group: str | None = None
    include: tuple[str, ...] = ()


AGGREGATIONS = frozenset(
    {
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
    }
)
PARAM_AGGREGATIONS = frozenset({"topk", "bottomk", "quantile", "count_values"})
COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
