"""PromQL: evaluation of a parsed query at one instant over a store of series.

Semantics follow Prometheus (``promql/engine.go``, ``promql/functions.go``), in the major
version the evaluator is given (``version=3``, the default, or ``2``):

* an instant selector takes each series' latest sample in ``(t - 5m, t]`` (3.x; ``[t - 5m, t]``
  in 2.x): the lookback delta;
* a range selector ``[r]`` takes the samples in ``(t - r, t]`` (3.x; ``[t - r, t]`` in 2.x);
  ``offset o`` shifts both back by ``o``, ``@ t`` pins them to ``t``;
* a subquery ``expr[r:s]`` evaluates ``expr`` at the multiples of ``s`` in that window;
* a staleness marker (a store's ``select_ends`` gives each series' marker time, always after
  its last sample: a gone pod's series) hides the series from instant selectors at and after
  it; range selectors skip markers, so they read the real samples only;
* selectors return series sorted by their label sets, as Prometheus' index does;
* functions and arithmetic drop the metric name; a result with two series of the same label
  set is an error (``vector cannot contain metrics with the same labelset``).

The store is anything with ``metric_names()`` and ``select(name)`` yielding ``(labels, times,
values)`` with ascending times (any sequences: lists, arrays); times are seconds of the store's
clock, and ``epoch`` is the Unix time of its 0 (``time()``, ``timestamp()`` and ``@`` speak Unix
time). Functions live in :mod:`.calls`, binary operators in :mod:`.binops`, kernels in
:mod:`.functions`, values in :mod:`.values`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from canarysim.lang.promql import binops, calls
from canarysim.lang.promql.functions import (
    FUNCTIONS,
    _apply,
    _quantile,
    extreme,
    kahan_mean,
    kahan_sum,
    variance,
)
from canarysim.lang.promql.syntax import (
    COMPARISONS,
    Aggregate,
    Binary,
    Call,
    MatrixSelector,
    NumberLit,
    PromQLError,
    StringLit,
    Subquery,
    Unary,
    VectorSelector,
)
from canarysim.lang.promql.values import Labels, Scalar, Vector, _drop_name, _Matrix

__all__ = [
    "DEFAULT_STEP_S",
    "FUNCTIONS",
    "LOOKBACK_S",
    "Evaluator",
    "Labels",
    "Scalar",
    "Vector",
    "_Matrix",
]

LOOKBACK_S = 300.0
#: engine.go's ``maxInt64``: the largest float64 under 2**63, the first k that overflows.
_MAX_INT64_F = 9223372036854774784.0
#: A subquery without a step uses the default evaluation interval (Prometheus' 1m).
DEFAULT_STEP_S = 60.0


def label_key(labels: Labels) -> tuple[tuple[str, str], ...]:
    """Sort key of a label set (``labels.Compare``)."""
    return tuple(sorted(labels.items()))


class Evaluator:
    def __init__(
        self,
        store: Any,
        at: float,
        lookback_s: float = LOOKBACK_S,
        *,
        version: int = 3,
        epoch: float = 0.0,
        start: float | None = None,
        end: float | None = None,
    ) -> None:
        self.store = store
        self.at = float(at)
        if version not in (2, 3):
            raise ValueError(f"Prometheus version {version!r}: expected 2 or 3")
        self.lookback_s = lookback_s
        self.version = version
        self.epoch = epoch
        # start() and end() of the query (an instant query: both its time).
        self.start = self.at if start is None else start
        self.end = self.at if end is None else end

    def err(self, msg: str) -> PromQLError:
        return PromQLError(msg)

    def at_time(self, t: float) -> Evaluator:
        """The same query evaluated at another instant (subqueries)."""
        return Evaluator(
            self.store,
            t,
            self.lookback_s,
            version=self.version,
            epoch=self.epoch,
            start=self.start,
            end=self.end,
        )

    def eval(self, node: object) -> Scalar | Vector | _Matrix:
        if isinstance(node, NumberLit):
            return Scalar(node.value)
        if isinstance(node, StringLit):
            raise self.err("string literals are only allowed as function arguments")
        if isinstance(node, VectorSelector):
            return self.instant(node)
        if isinstance(node, MatrixSelector):
            return self.range(node)[0]
        if isinstance(node, Subquery):
            return self.subquery(node)[0]
        if isinstance(node, Unary):
            inner = self.eval(node.expr)
            if isinstance(inner, Scalar):
                return Scalar(-inner.value)
            if isinstance(inner, Vector):
                return self.unique(Vector([(_drop_name(lb), -v) for lb, v in inner]))
            raise self.err(
                "unary expression only allowed on expressions of type scalar or instant vector"
            )
        if isinstance(node, Call):
            return calls.call(self, node)
        if isinstance(node, Aggregate):
            return self._aggregate(node)
        assert isinstance(node, Binary), node  # the last kind of node the parser makes
        return self._binary(node)

    def unique(self, vec: Vector) -> Vector:
        """Prometheus refuses a vector with two series of one label set."""
        seen: set[frozenset[tuple[str, str]]] = set()
        for labels, _ in vec:
            key = frozenset(labels.items())
            if key in seen:
                raise self.err("vector cannot contain metrics with the same labelset")
            seen.add(key)
        return vec

    # ------------------------------------------------------------------ selectors
    def eval_time(self, at: float | str | None, offset: float) -> float:
        """The instant a selector or subquery reads: ``@`` (Unix time, start(), end()) or the
        evaluation time, minus its offset."""
        if at is None:
            base = self.at
        elif at == "start":
            base = self.start
        elif at == "end":
            base = self.end
        else:
            assert isinstance(at, float)
            base = at - self.epoch
        return base - offset

    def series(
        self, sel: VectorSelector
    ) -> Iterator[tuple[Labels, Sequence[float], Sequence[float]]]:
        return ((labels, t, v) for labels, t, v, _ in self.series_ends(sel))

    def series_ends(
        self, sel: VectorSelector
    ) -> Iterator[tuple[Labels, Sequence[float], Sequence[float], float | None]]:
        """:meth:`series` with each one's staleness marker time (None: not stale), from the
        store's ``select_ends(name, matchers)`` when it has one (it may leave out series the
        matchers refuse; they are checked here again)."""
        names = [m for m in sel.matchers if m.name == "__name__"]
        if names and names[0].op == "=":
            candidates = [names[0].value]
        else:
            candidates = [n for n in self.store.metric_names() if all(m.matches(n) for m in names)]
        others = [m for m in sel.matchers if m.name != "__name__"]
        with_ends = getattr(self.store, "select_ends", None)
        found = []
        for name in candidates:
            rows = (
                with_ends(name, others)
                if with_ends is not None
                else ((lb, t, v, None) for lb, t, v in self.store.select(name))
            )
            for labels, t, v, end in rows:
                if all(m.matches(labels.get(m.name, "")) for m in others):
                    full = {"__name__": name, **labels}
                    found.append((label_key(full), full, t, v, end))
        found.sort(key=lambda s: s[0])
        return iter([(labels, t, v, end) for _, labels, t, v, end in found])

    def _window(self, t: Sequence[float], start: float, end: float) -> tuple[int, int]:
        """Indexes of the samples in ``(start, end]`` (3.x) or ``[start, end]`` (2.x)."""
        lo = bisect_right(t, start) if self.version >= 3 else bisect_left(t, start)
        return lo, bisect_right(t, end)

    def instant_samples(self, sel: VectorSelector) -> list[tuple[Labels, float, float]]:
        """Each series' sample for an instant selector: ``(labels, time, value)``."""
        t_eval = self.eval_time(sel.at, sel.offset)
        out = []
        for labels, t, v, end in self.series_ends(sel):
            if end is not None and end <= t_eval:
                continue  # the latest sample is the staleness marker: the series is gone
            lo, hi = self._window(t, t_eval - self.lookback_s, t_eval)
            if hi > lo:
                out.append((labels, float(t[hi - 1]), float(v[hi - 1])))
        return out

    def instant(self, sel: VectorSelector) -> Vector:
        return Vector([(labels, v) for labels, _, v in self.instant_samples(sel)])

    def range(self, ms: MatrixSelector) -> tuple[_Matrix, float, float]:
        """The matrix, the window's end and its length (for extrapolation)."""
        t_end = self.eval_time(ms.vector.at, ms.vector.offset)
        t_start = t_end - ms.range_s
        out = []
        for labels, t, v in self.series(ms.vector):
            lo, hi = self._window(t, t_start, t_end)
            if hi > lo:
                out.append((labels, t[lo:hi], v[lo:hi]))
        return _Matrix(out), t_end, ms.range_s

    def subquery(self, sq: Subquery) -> tuple[_Matrix, float, float]:
        """Evaluate the inner expression at every multiple of the step in the window (on the
        Unix clock, as Prometheus aligns subquery steps)."""
        step = sq.step_s or DEFAULT_STEP_S
        t_end = self.eval_time(sq.at, sq.offset)
        t_start = t_end - sq.range_s
        first = math.floor((t_start + self.epoch) / step) * step - self.epoch
        if first < t_start or (self.version >= 3 and first == t_start):
            first += step
        series: dict[tuple[tuple[str, str], ...], tuple[Labels, list[float], list[float]]] = {}
        t = first
        i = 0
        while t <= t_end:
            value = self.at_time(t).eval(sq.expr)
            if isinstance(value, _Matrix):
                raise self.err("subquery is only allowed on instant vector, got matrix")
            samples = [({}, value.value)] if isinstance(value, Scalar) else value.samples
            for labels, v in samples:
                entry = series.setdefault(label_key(labels), (labels, [], []))
                entry[1].append(t)
                entry[2].append(v)
            i += 1
            t = first + i * step
        return _Matrix([series[k] for k in sorted(series)]), t_end, sq.range_s

    def matrix_arg(self, node: object, func: str) -> tuple[_Matrix, float, float]:
        if isinstance(node, MatrixSelector):
            return self.range(node)
        if isinstance(node, Subquery):
            return self.subquery(node)
        got = "scalar" if isinstance(node, NumberLit) else "instant vector"
        raise self.err(f'expected type range vector in call to function "{func}", got {got}')

    # ------------------------------------------------------------------ aggregation
    def _aggregate(self, node: Aggregate) -> Vector:
        vec = self.eval(node.expr)
        if not isinstance(vec, Vector):
            raise self.err(
                "expected type instant vector in aggregation expression, got "
                + ("scalar" if isinstance(vec, Scalar) else "range vector")
            )
        param: float | str | None = None
        if node.param is not None:
            if node.op == "count_values":
                if not isinstance(node.param, StringLit):
                    raise self.err("expected type string in aggregation parameter")
                param = node.param.value
            else:
                p = self.eval(node.param)
                if not isinstance(p, Scalar):
                    raise self.err(f"expected type scalar in aggregation parameter of {node.op}")
                param = p.value
        if node.op == "count_values":
            assert isinstance(param, str)
            return self._count_values(node, vec, param)
        groups: dict[tuple[tuple[str, str], ...], list[tuple[Labels, float]]] = {}
        for labels, v in vec:
            groups.setdefault(self._group_key(node, labels), []).append((labels, v))
        out: list[tuple[Labels, float]] = []
        for key, members in groups.items():
            vals = [v for _, v in members]
            op = node.op
            if op in ("topk", "bottomk"):
                assert isinstance(param, float)
                k = self._k_param(param)
                order = sorted(
                    range(len(vals)),
                    key=lambda i: (math.isnan(vals[i]), -vals[i] if op == "topk" else vals[i]),
                )
                out.extend(members[i] for i in order[:k])
                continue
            if op == "sum":
                r = kahan_sum(vals)
            elif op == "avg":
                r = kahan_mean(vals)
            elif op in ("min", "max"):
                r = extreme(vals, smallest=op == "min")
            elif op == "count":
                r = float(len(vals))
            elif op == "group":
                r = 1.0
            elif op in ("stddev", "stdvar"):
                var = variance(vals)
                r = math.sqrt(var) if op == "stddev" else var
            else:  # quantile
                assert isinstance(param, float)
                r = _quantile(param, vals)
            out.append((dict(key), r))
        return Vector(out)

    def _k_param(self, param: float) -> int:
        """topk/bottomk's k, as ``rangeEvalAgg`` (``promql/engine.go``) checks it: under 1 gives
        nothing (checked first, so -Inf is no error), NaN and values outside int64 are errors."""
        if param < 1:
            return 0
        if math.isnan(param):
            raise self.err("Parameter value is NaN")
        if param >= _MAX_INT64_F:
            # Go's %v of a float64 this large: +Inf, or the shortest digits with an exponent,
            # as Python's repr writes them too
            shown = "+Inf" if math.isinf(param) else repr(param)
            raise self.err(f"Scalar value {shown} overflows int64")
        return int(param)

    @staticmethod
    def _group_key(node: Aggregate, labels: Labels) -> tuple[tuple[str, str], ...]:
        if node.without:
            drop = set(node.grouping) | {"__name__"}
            return label_key({k: x for k, x in labels.items() if k not in drop})
        return label_key({k: labels[k] for k in node.grouping if labels.get(k)})

    def _count_values(self, node: Aggregate, vec: Vector, label: str) -> Vector:
        """``aggregationCountValues``: one series per group and distinct value."""
        counts: dict[tuple[tuple[str, str], ...], int] = {}
        for labels, v in vec:
            with_value = {**labels, label: calls.format_float(v)}
            if node.without:
                drop = set(node.grouping) | {"__name__"}
                key = label_key({k: x for k, x in with_value.items() if k not in drop})
            else:
                keep = {*node.grouping, label}
                key = label_key({k: x for k, x in with_value.items() if k in keep and x})
            counts[key] = counts.get(key, 0) + 1
        return Vector([(dict(key), float(n)) for key, n in counts.items()])

    # ------------------------------------------------------------------ binary operators
    def _binary(self, node: Binary) -> Scalar | Vector:
        lhs, rhs = self.eval(node.lhs), self.eval(node.rhs)
        if isinstance(lhs, _Matrix) or isinstance(rhs, _Matrix):
            raise self.err("binary expression must contain only scalar and instant vector types")
        op = node.op
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            if op in COMPARISONS and not node.return_bool:
                raise self.err("comparisons between scalars must use BOOL modifier")
            return Scalar(_apply(op, lhs.value, rhs.value, node.return_bool))
        if op in ("and", "or", "unless"):
            if not (isinstance(lhs, Vector) and isinstance(rhs, Vector)):
                raise self.err(f"set operator {op!r} not allowed in binary scalar expression")
            return binops.set_op(node, lhs, rhs)
        if isinstance(lhs, Vector) and isinstance(rhs, Scalar):
            return self.unique(binops.vector_scalar(node, lhs, rhs.value, swap=False))
        if isinstance(lhs, Scalar) and isinstance(rhs, Vector):
            return self.unique(binops.vector_scalar(node, rhs, lhs.value, swap=True))
        assert isinstance(lhs, Vector) and isinstance(rhs, Vector)
        return self.unique(binops.vector_vector(node, lhs, rhs, self.err))
