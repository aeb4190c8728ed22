"""PromQL subset: evaluation of a parsed query at one instant over a :class:`MetricStore`.

Semantics follow Prometheus 3 (``promql/engine.go``, ``promql/functions.go``):

* an instant selector takes each series' latest sample in ``(t - 5m, t]`` (the lookback delta);
* a range selector ``[r]`` takes the samples in ``(t - r, t]`` (left-open since Prometheus 3);
  ``offset o`` shifts both back by ``o``;
* ``rate``/``increase``/``delta`` extrapolate like ``extrapolatedRate``: counter resets add the
  previous value; the window is extended from the first and last sample to the range
  boundaries when they are within 1.1 average sample spacings, else by half a spacing; a
  counter is never extrapolated below zero; at least two samples are needed;
* ``irate``/``idelta`` use the last two samples;
* ``histogram_quantile`` follows ``bucketQuantile`` (linear interpolation, +Inf bucket
  required, monotonicity repaired);
* functions and arithmetic drop the metric name; comparisons filter unless ``bool``;
  vector-vector operations match one-to-one on all labels but the name, or ``on``/``ignoring``.

Values live in :mod:`canarysim.lang.promql.values` and the numeric kernels (extrapolation,
quantiles, operators) with the function table in :mod:`canarysim.lang.promql.functions`; the names
callers imported from here before the split are re-exported.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from canarysim.lang.promql.functions import (
    FUNCTIONS,
    _apply,
    _compare,
    _extrapolated,
    _histogram_quantile,
    _quantile,
    _safe,
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
    Unary,
    VectorSelector,
)
from canarysim.lang.promql.values import Labels, Scalar, Vector, _drop_name, _fmt, _Matrix

# Re-exported (promql.py and older callers import them from here).
__all__ = ["FUNCTIONS", "LOOKBACK_S", "Evaluator", "Labels", "Scalar", "Vector", "_Matrix"]

LOOKBACK_S = 300.0


class Evaluator:
    def __init__(self, store: Any, at: float, query: str, lookback_s: float = LOOKBACK_S) -> None:
        self.store = store
        self.at = float(at)
        self.query = query
        self.lookback_s = lookback_s

    def err(self, msg: str) -> PromQLError:
        return PromQLError(msg, self.query)

    def eval(self, node: object) -> Scalar | Vector | _Matrix:
        if isinstance(node, NumberLit):
            return Scalar(node.value)
        if isinstance(node, StringLit):
            raise self.err("string literals are only allowed as function arguments")
        if isinstance(node, VectorSelector):
            return self._instant(node)
        if isinstance(node, MatrixSelector):
            return self._range(node)
        if isinstance(node, Unary):
            inner = self.eval(node.expr)
            if isinstance(inner, Scalar):
                return Scalar(-inner.value)
            if isinstance(inner, Vector):
                return Vector([(_drop_name(lb), -v) for lb, v in inner])
            raise self.err(
                "unary expression only allowed on expressions of type scalar or instant vector"
            )
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Aggregate):
            return self._aggregate(node)
        if isinstance(node, Binary):
            return self._binary(node)
        raise self.err(f"unsupported expression {node!r}")  # pragma: no cover

    # ------------------------------------------------------------------ selectors
    def _series(
        self, sel: VectorSelector
    ) -> Iterator[tuple[Labels, Sequence[float], Sequence[float]]]:
        names = [m for m in sel.matchers if m.name == "__name__"]
        if names and names[0].op == "=":
            candidates = [names[0].value]
        else:
            candidates = [n for n in self.store.metric_names() if all(m.matches(n) for m in names)]
        others = [m for m in sel.matchers if m.name != "__name__"]
        for name in candidates:
            for labels, t, v in self.store.select(name):
                if all(m.matches(labels.get(m.name, "")) for m in others):
                    yield {"__name__": name, **labels}, t, v

    def _instant(self, sel: VectorSelector) -> Vector:
        t_eval = self.at - sel.offset
        out = []
        for labels, t, v in self._series(sel):
            i = bisect_right(t, t_eval) - 1
            if i >= 0 and t[i] > t_eval - self.lookback_s:
                out.append((labels, float(v[i])))
        return Vector(out)

    def _range(self, ms: MatrixSelector) -> _Matrix:
        t_end = self.at - ms.vector.offset
        t_start = t_end - ms.range_s
        out = []
        for labels, t, v in self._series(ms.vector):
            lo = bisect_right(t, t_start)
            hi = bisect_right(t, t_end, lo)
            if hi > lo:
                out.append((labels, t[lo:hi], v[lo:hi]))
        return _Matrix(out)

    # ------------------------------------------------------------------ functions
    def _arg(self, node: Call, i: int, kind: str) -> Any:
        arg = node.args[i]
        if kind == "matrix":
            if not isinstance(arg, MatrixSelector):
                got = "scalar" if isinstance(arg, NumberLit) else "instant vector"
                raise self.err(
                    f'expected type range vector in call to function "{node.func}", got {got}'
                )
            return self._range(arg)
        val = self.eval(arg)
        if kind == "vector" and not isinstance(val, Vector):
            got = "scalar" if isinstance(val, Scalar) else "range vector"
            raise self.err(
                f'expected type instant vector in call to function "{node.func}", got {got}'
            )
        if kind == "scalar" and not isinstance(val, Scalar):
            raise self.err(
                f'expected type scalar in call to function "{node.func}", got instant vector'
            )
        return val

    def _call(self, node: Call) -> Scalar | Vector:
        f = node.func
        if f in ("rate", "increase", "delta"):
            m = self._arg(node, 0, "matrix")
            ms = node.args[0]
            assert isinstance(ms, MatrixSelector)
            out = []
            for labels, t, v in m.series:
                r = _extrapolated(
                    t, v, self.at - ms.vector.offset, ms.range_s, f != "delta", f == "rate"
                )
                if r is not None:
                    out.append((_drop_name(labels), r))
            return Vector(out)
        if f in ("irate", "idelta"):
            m = self._arg(node, 0, "matrix")
            out = []
            for labels, t, v in m.series:
                if len(t) < 2:
                    continue
                last, prev = float(v[-1]), float(v[-2])
                d = last - prev
                if f == "irate":
                    if last < prev:
                        d = last  # counter reset
                    d /= float(t[-1]) - float(t[-2])
                out.append((_drop_name(labels), d))
            return Vector(out)
        if f.endswith("_over_time"):
            m = self._arg(node, 0, "matrix")
            agg: Callable[[Sequence[float]], Any] = {
                "sum_over_time": kahan_sum,
                "avg_over_time": kahan_mean,
                "min_over_time": lambda a: extreme(a, smallest=True),
                "max_over_time": lambda a: extreme(a, smallest=False),
                "count_over_time": len,
                "last_over_time": lambda a: a[-1],
            }[f]
            keep_name = f == "last_over_time"
            return Vector(
                [
                    (labels if keep_name else _drop_name(labels), float(agg(v)))
                    for labels, _, v in m.series
                ]
            )
        if f == "histogram_quantile":
            q = self._arg(node, 0, "scalar").value
            vec = self._arg(node, 1, "vector")
            return _histogram_quantile(q, vec)
        if f == "scalar":
            vec = self._arg(node, 0, "vector")
            return Scalar(vec.samples[0][1] if len(vec) == 1 else math.nan)
        if f == "vector":
            return Vector([({}, self._arg(node, 0, "scalar").value)])
        if f == "time":
            return Scalar(self.at)
        if f == "absent":
            vec = self._arg(node, 0, "vector")
            if len(vec):
                return Vector([])
            arg = node.args[0]
            absent: Labels = {}
            if isinstance(arg, VectorSelector):
                absent = {
                    m.name: m.value for m in arg.matchers if m.op == "=" and m.name != "__name__"
                }
            return Vector([(absent, 1.0)])
        vec = self._arg(node, 0, "vector")
        if f in ("clamp", "clamp_min", "clamp_max", "round"):
            params = [self._arg(node, i, "scalar").value for i in range(1, len(node.args))]
            if f == "clamp":
                lo, hi = params
                if lo > hi:
                    return Vector([])
                fn: Callable[[float], float] = lambda x: max(lo, min(hi, x))  # noqa: E731
            elif f == "clamp_min":
                fn = lambda x: max(params[0], x)  # noqa: E731
            elif f == "clamp_max":
                fn = lambda x: min(params[0], x)  # noqa: E731
            else:
                to = params[0] if params else 1.0
                fn = lambda x: math.floor(x / to + 0.5) * to if math.isfinite(x) else x  # noqa: E731
            return Vector([(_drop_name(lb), fn(v)) for lb, v in vec])
        unaries: dict[str, Callable[[float], float]] = {
            "abs": abs,
            "ceil": math.ceil,
            "floor": math.floor,
            "exp": math.exp,
            "ln": lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan),
            "log2": lambda x: math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan),
            "log10": lambda x: math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan),
            "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
        }
        unary = unaries[f]
        return Vector([(_drop_name(lb), _safe(unary, v)) for lb, v in vec])

    # ------------------------------------------------------------------ aggregation
    def _aggregate(self, node: Aggregate) -> Vector:
        vec = self.eval(node.expr)
        if not isinstance(vec, Vector):
            raise self.err(
                "expected type instant vector in aggregation expression, got "
                + ("scalar" if isinstance(vec, Scalar) else "range vector")
            )
        param = None
        if node.param is not None:
            p = self.eval(node.param)
            if not isinstance(p, Scalar):
                raise self.err(f"expected type scalar in aggregation parameter of {node.op}")
            param = p.value
        groups: dict[tuple[tuple[str, str], ...], list[tuple[Labels, float]]] = {}
        for labels, v in vec:
            if node.without:
                drop = set(node.grouping) | {"__name__"}
                key_labels = {k: x for k, x in labels.items() if k not in drop}
            else:
                key_labels = {k: labels[k] for k in node.grouping if k in labels}
            groups.setdefault(tuple(sorted(key_labels.items())), []).append((labels, v))
        out: list[tuple[Labels, float]] = []
        for key, members in groups.items():
            vals = [v for _, v in members]
            op = node.op
            if op in ("topk", "bottomk"):
                assert param is not None
                k = int(param)
                order = sorted(
                    range(len(vals)),
                    key=lambda i: (math.isnan(vals[i]), -vals[i] if op == "topk" else vals[i]),
                )
                out.extend(members[i] for i in order[: max(k, 0)])
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
                assert param is not None
                r = _quantile(param, vals)
            out.append((dict(key), r))
        return Vector(out)

    # ------------------------------------------------------------------ binary operators
    def _binary(self, node: Binary) -> Scalar | Vector:
        lhs, rhs = self.eval(node.lhs), self.eval(node.rhs)
        if isinstance(lhs, _Matrix) or isinstance(rhs, _Matrix):
            raise self.err("binary expression must contain only scalar and instant vector types")
        op = node.op
        comparison = op in COMPARISONS
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            if comparison and not node.return_bool:
                raise self.err("comparisons between scalars must use BOOL modifier")
            return Scalar(_apply(op, lhs.value, rhs.value, node.return_bool))
        if op in ("and", "or", "unless"):
            if not (isinstance(lhs, Vector) and isinstance(rhs, Vector)):
                raise self.err(f"set operator {op!r} not allowed in binary scalar expression")
            return self._set_op(node, lhs, rhs)
        if isinstance(lhs, Vector) and isinstance(rhs, Scalar):
            return self._vector_scalar(node, lhs, rhs.value, swap=False)
        if isinstance(lhs, Scalar) and isinstance(rhs, Vector):
            return self._vector_scalar(node, rhs, lhs.value, swap=True)
        assert isinstance(lhs, Vector) and isinstance(rhs, Vector)
        return self._vector_vector(node, lhs, rhs)

    def _vector_scalar(self, node: Binary, vec: Vector, s: float, swap: bool) -> Vector:
        op = node.op
        out = []
        for labels, v in vec:
            a, b = (s, v) if swap else (v, s)
            if op in COMPARISONS:
                hit = _compare(op, a, b)
                if node.return_bool:
                    out.append((_drop_name(labels), 1.0 if hit else 0.0))
                elif hit:
                    out.append((labels, v))  # the vector's value, whichever side it is on
            else:
                out.append((_drop_name(labels), _apply(op, a, b, False)))
        return Vector(out)

    def _signature(self, node: Binary, labels: Labels) -> tuple[tuple[str, str], ...]:
        if node.on is True:
            return tuple(sorted((k, labels.get(k, "")) for k in node.labels))
        drop = {"__name__", *node.labels} if node.on is False else {"__name__"}
        return tuple(sorted((k, v) for k, v in labels.items() if k not in drop))

    def _vector_vector(self, node: Binary, lhs: Vector, rhs: Vector) -> Vector:
        right: dict[tuple[tuple[str, str], ...], tuple[Labels, float]] = {}
        for labels, v in rhs:
            sig = self._signature(node, labels)
            if sig in right:
                raise self.err(
                    f"found duplicate series for the match group {_fmt(dict(sig))} on the right "
                    "hand-side of the operation; many-to-many matching not allowed: matching "
                    "labels must be unique on one side"
                )
            right[sig] = (labels, v)
        seen: set[tuple[tuple[str, str], ...]] = set()
        out = []
        op = node.op
        for labels, v in lhs:
            sig = self._signature(node, labels)
            if sig not in right:
                continue
            if sig in seen:
                raise self.err(
                    f"found duplicate series for the match group {_fmt(dict(sig))} on the left "
                    "hand-side of the operation; many-to-one matching must be explicit "
                    "(group_left/group_right)"
                )
            seen.add(sig)
            rv = right[sig][1]
            if op in COMPARISONS:
                hit = _compare(op, v, rv)
                if not node.return_bool and not hit:
                    continue
                value = (1.0 if hit else 0.0) if node.return_bool else v
            else:
                value = _apply(op, v, rv, False)
            result = dict(labels)
            if op not in COMPARISONS or node.return_bool:
                result.pop("__name__", None)
            if node.on is True:
                result = {k: x for k, x in result.items() if k in node.labels}
            elif node.on is False:
                result = {k: x for k, x in result.items() if k not in node.labels}
            out.append((result, value))
        return Vector(out)

    def _set_op(self, node: Binary, lhs: Vector, rhs: Vector) -> Vector:
        rsigs = {self._signature(node, lb) for lb, _ in rhs}
        if node.op == "and":
            return Vector([(lb, v) for lb, v in lhs if self._signature(node, lb) in rsigs])
        if node.op == "unless":
            return Vector([(lb, v) for lb, v in lhs if self._signature(node, lb) not in rsigs])
        lsigs = {self._signature(node, lb) for lb, _ in lhs}
        extra = [(lb, v) for lb, v in rhs if self._signature(node, lb) not in lsigs]
        return Vector(list(lhs.samples) + extra)
