"""PromQL function calls, after Prometheus' ``promql/functions.go``.

Each function's arguments are evaluated by the :class:`~.evaluator.Evaluator` passed in; the
numeric kernels live in :mod:`.functions`. Functions drop the metric name except
``last_over_time``, ``sort``/``sort_desc`` and ``label_replace``/``label_join``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any, Protocol

from canarysim.lang.promql.functions import (
    _arith,
    _extrapolated,
    _histogram_quantile,
    _quantile,
    extreme,
    go_max,
    go_min,
    kahan_inc,
    kahan_mean,
    kahan_sum,
    linear_regression,
)
from canarysim.lang.promql.syntax import (
    Call,
    MatrixSelector,
    PromQLError,
    StringLit,
    VectorSelector,
)
from canarysim.lang.promql.values import Labels, Scalar, Vector, _drop_name, _Matrix

__all__ = ["call", "format_float"]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_INFINITIES = {math.inf: "+Inf", -math.inf: "-Inf"}
# A reference in a label_replace template: "$$", "${name}" or "$name" (name: word characters).
_REFERENCE = re.compile(r"\$(?:\{(\w+)\}|(\w+)|\$)")


class Evaluator(Protocol):
    """What a function call needs of :class:`canarysim.lang.promql.evaluator.Evaluator`
    (a protocol, so that the evaluator can import this module without a cycle)."""

    at: float
    epoch: float
    version: int

    def eval(self, node: object) -> Scalar | Vector | _Matrix: ...

    def err(self, msg: str) -> PromQLError: ...

    def unique(self, vec: Vector) -> Vector: ...

    def matrix_arg(self, node: object, func: str) -> tuple[_Matrix, float, float]: ...

    def instant_samples(self, sel: VectorSelector) -> list[tuple[Labels, float, float]]: ...


def format_float(value: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    # repr's shortest digits written out in full (a NaN is "NaN" to Decimal too): the only
    # trailing zero left is an integral value's ".0"
    return _INFINITIES.get(value) or format(Decimal(repr(value)), "f").removesuffix(".0")


def _arg(ev: Evaluator, node: Call, i: int, kind: str) -> Any:
    val = ev.eval(node.args[i])
    if kind == "vector" and not isinstance(val, Vector):
        got = "scalar" if isinstance(val, Scalar) else "range vector"
        raise ev.err(f'expected type instant vector in call to function "{node.func}", got {got}')
    if kind == "scalar" and not isinstance(val, Scalar):
        raise ev.err(f'expected type scalar in call to function "{node.func}", got instant vector')
    return val


def _string(ev: Evaluator, node: Call, i: int) -> str:
    arg = node.args[i]
    if not isinstance(arg, StringLit):
        raise ev.err(f'expected type string in call to function "{node.func}"')
    return arg.value


def _per_series(
    ev: Evaluator, node: Call, fn: Callable[[Sequence[float], Sequence[float]], float | None]
) -> Vector:
    """A ``*_over_time``-style function: one value per series of the range argument."""
    matrix, _, _ = ev.matrix_arg(node.args[0], node.func)
    out = []
    for labels, t, v in matrix.series:
        r = fn(t, v)
        if r is not None:
            out.append((_drop_name(labels), r))
    return ev.unique(Vector(out))


def call(ev: Evaluator, node: Call) -> Scalar | Vector:
    f = node.func
    if f in ("rate", "increase", "delta"):
        matrix, end, range_s = ev.matrix_arg(node.args[0], f)
        out = []
        for labels, t, v in matrix.series:
            r = _extrapolated(t, v, end, range_s, f != "delta", f == "rate", ev.version)
            if r is not None:
                out.append((_drop_name(labels), r))
        return ev.unique(Vector(out))
    if f in ("irate", "idelta"):
        return _per_series(ev, node, lambda t, v: _instant_delta(t, v, f == "irate"))
    if f.endswith("_over_time") or f in ("changes", "resets", "deriv", "predict_linear"):
        return _over_time(ev, node)
    if f == "histogram_quantile":
        q = _arg(ev, node, 0, "scalar").value
        return ev.unique(_histogram_quantile(q, _arg(ev, node, 1, "vector")))
    if f == "scalar":
        vec = _arg(ev, node, 0, "vector")
        return Scalar(vec.samples[0][1] if len(vec) == 1 else math.nan)
    if f == "vector":
        return Vector([({}, _arg(ev, node, 0, "scalar").value)])
    if f == "time":
        return Scalar(ev.at + ev.epoch)
    if f == "timestamp":
        return _timestamp(ev, node)
    if f == "absent":
        vec = _arg(ev, node, 0, "vector")
        return Vector([]) if len(vec) else Vector([(_absent_labels(node, 0), 1.0)])
    if f in ("label_replace", "label_join"):
        return _label_function(ev, node)
    vec = _arg(ev, node, 0, "vector")
    if f in ("sort", "sort_desc"):
        # NaN last either way (funcSort / funcSortDesc); equal values keep their order.
        numbers = [s for s in vec if not math.isnan(s[1])]
        nans = [s for s in vec if math.isnan(s[1])]
        numbers.sort(key=lambda s: s[1], reverse=f == "sort_desc")
        return Vector(numbers + nans)
    if f in ("clamp", "clamp_min", "clamp_max", "round"):
        params = [_arg(ev, node, i, "scalar").value for i in range(1, len(node.args))]
        if f == "clamp":
            lo, hi = params
            if lo > hi:
                return Vector([])
            fn: Callable[[float], float] = lambda x: go_max(lo, go_min(hi, x))  # noqa: E731
        elif f == "clamp_min":
            fn = lambda x: go_max(params[0], x)  # noqa: E731
        elif f == "clamp_max":
            fn = lambda x: go_min(params[0], x)  # noqa: E731
        else:
            # funcRound multiplies by the inverse (Go: 1/0 is +Inf, so round(x, 0) is NaN)
            inverse = _arith("/", 1.0, params[0]) if params else 1.0
            fn = lambda x: _arith("/", _go_floor(x * inverse + 0.5), inverse)  # noqa: E731
        return ev.unique(Vector([(_drop_name(lb), fn(v)) for lb, v in vec]))
    unaries: dict[str, Callable[[float], float]] = {
        "abs": abs,
        "ceil": lambda x: math.copysign(math.ceil(x), x) if math.isfinite(x) else x,
        "floor": _go_floor,
        "exp": _go_exp,
        "ln": _go_log,
        "log2": _go_log2,
        "log10": lambda x: _go_log(x) * _INV_LN10,
        "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
        "sgn": lambda x: -1.0 if x < 0 else (1.0 if x > 0 else x),
    }
    unary = unaries[f]
    return ev.unique(Vector([(_drop_name(lb), unary(v)) for lb, v in vec]))


def _go_exp(x: float) -> float:
    """Go's ``math.Exp``: +Inf where Python's overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _go_floor(x: float) -> float:
    """Go's ``math.Floor``: an infinity or NaN is itself, and a zero keeps its sign (as
    ``math.Ceil``'s does, and its result in (-1, 0): ``ceil(-0.5)`` is -0)."""
    return math.copysign(math.floor(x), x) if math.isfinite(x) else x


# Go's constant expressions 1/Ln2 and 1/Ln10, rounded once to float64.
_INV_LN2 = 1.4426950408889634
_INV_LN10 = 0.4342944819032518


def _go_log(x: float) -> float:
    """Go's ``math.Log``: -Inf at either zero, NaN below it."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _go_log2(x: float) -> float:
    """Go's ``math.Log2`` (``math/log10.go``, ``log2``): the log of ``Frexp``'s fraction over
    Ln2 plus the exponent; not C's ``log2``, which can differ in the last place (``log2(3)``).
    ``math.Log10`` is likewise ``Log(x) * (1/Ln10)``. Go returns ``exp - 1`` outright for a
    fraction of 0.5 (a power of two); here ``log(0.5) * _INV_LN2`` is exactly -1, which gives
    the same."""
    frac, exp = math.frexp(x)
    return _go_log(frac) * _INV_LN2 + exp


def _instant_delta(t: Sequence[float], v: Sequence[float], is_rate: bool) -> float | None:
    if len(t) < 2:
        return None
    last, prev = float(v[-1]), float(v[-2])
    d = last - prev
    if is_rate:
        if last < prev:
            d = last  # counter reset
        d /= float(t[-1]) - float(t[-2])
    return d


def _over_time(ev: Evaluator, node: Call) -> Vector:
    f = node.func
    if f == "absent_over_time":
        matrix, _, _ = ev.matrix_arg(node.args[0], f)
        if matrix.series:
            return Vector([])
        return Vector([(_absent_labels(node, 0), 1.0)])
    if f == "last_over_time":
        matrix, _, _ = ev.matrix_arg(node.args[0], f)
        return Vector([(labels, float(v[-1])) for labels, _, v in matrix.series])
    if f in ("quantile_over_time", "predict_linear"):
        # The scalar argument comes second for predict_linear, first for quantile_over_time.
        scalar_at, matrix_at = (0, 1) if f == "quantile_over_time" else (1, 0)
        param = _arg(ev, node, scalar_at, "scalar").value
        matrix, _, _ = ev.matrix_arg(node.args[matrix_at], f)
        out = []
        for labels, t, v in matrix.series:
            if f == "quantile_over_time":
                out.append((_drop_name(labels), _quantile(param, v)))
            elif len(t) >= 2:
                # funcPredictLinear: the intercept at the evaluation time (enh.Ts), not at the
                # range's end, which offset and @ move
                slope, intercept = linear_regression(t, v, ev.at)
                out.append((_drop_name(labels), slope * param + intercept))
        return ev.unique(Vector(out))
    kernels: dict[str, Callable[[Sequence[float], Sequence[float]], float | None]] = {
        "sum_over_time": lambda t, v: kahan_sum(v),
        "avg_over_time": lambda t, v: kahan_mean(v),
        "min_over_time": lambda t, v: extreme(v, smallest=True),
        "max_over_time": lambda t, v: extreme(v, smallest=False),
        "count_over_time": lambda t, v: float(len(v)),
        "present_over_time": lambda t, v: 1.0,
        "stddev_over_time": lambda t, v: math.sqrt(_variance_over_time(v)),
        "stdvar_over_time": lambda t, v: _variance_over_time(v),
        "changes": lambda t, v: float(_changes(v)),
        "resets": lambda t, v: float(sum(1 for a, b in pairwise(v) if b < a)),
        "deriv": lambda t, v: linear_regression(t, v, float(t[0]))[0] if len(t) >= 2 else None,
    }
    return _per_series(ev, node, kernels[f])


def _variance_over_time(values: Sequence[float]) -> float:
    """``varianceOverTime``: Welford's update with compensated sums (a NaN or infinite sample
    makes it NaN, as the arithmetic does)."""
    count = 0.0
    mean = c_mean = aux = c_aux = 0.0
    for x in values:
        x = float(x)
        count += 1
        delta = x - (mean + c_mean)
        mean, c_mean = kahan_inc(delta / count, mean, c_mean)
        aux, c_aux = kahan_inc(delta * (x - (mean + c_mean)), aux, c_aux)
    return (aux + c_aux) / count


def _changes(values: Sequence[float]) -> int:
    n = 0
    for a, b in pairwise(values):
        if a != b and not (math.isnan(a) and math.isnan(b)):
            n += 1
    return n


def _timestamp(ev: Evaluator, node: Call) -> Vector:
    """``timestamp(v)``: a selector's sample times (Unix seconds), else the evaluation time."""
    arg = node.args[0]
    # engine.go unwraps ParenExprs around timestamp's argument, but not a unary +.
    if isinstance(arg, VectorSelector) and "+" not in _wrappers(node, 0):
        samples = ev.instant_samples(arg)
        out = [(_drop_name(lb), t + ev.epoch) for lb, t, _ in samples]
        return ev.unique(Vector(out))
    vec = _arg(ev, node, 0, "vector")
    return ev.unique(Vector([(_drop_name(lb), ev.at + ev.epoch) for lb, _ in vec]))


def _wrappers(node: Call, i: int) -> str:
    """The parentheses and unary ``+`` argument ``i`` began with (see ``Call.wrappers``)."""
    return node.wrappers[i] if node.wrappers else ""


def _absent_labels(node: Call, i: int) -> Labels:
    """``createLabelsForAbsentFunction`` of argument ``i``: a vector or range selector's
    labels, none for anything else (a parenthesised selector or one under a unary ``+``
    included: Prometheus keeps those as ParenExpr and UnaryExpr). Each label's first equality
    matcher sets it (an empty value sets nothing), and any later matcher of that label, or a
    matcher of another kind, removes it."""
    arg = node.args[i]
    if isinstance(arg, MatrixSelector):
        arg = arg.vector
    if _wrappers(node, i) or not isinstance(arg, VectorSelector):
        return {}
    out: Labels = {}
    has: set[str] = set()
    for m in arg.matchers:
        if m.name == "__name__":
            continue
        if m.op == "=" and m.name not in has:
            has.add(m.name)
            if m.value:
                out[m.name] = m.value
        else:
            out.pop(m.name, None)
    return out


def _label_function(ev: Evaluator, node: Call) -> Vector:
    dst = _string(ev, node, 1)
    vec = _arg(ev, node, 0, "vector")
    out: list[tuple[Labels, float]] = []
    if node.func == "label_replace":
        replacement, src, pattern = (_string(ev, node, i) for i in (2, 3, 4))
        try:
            regex = re.compile(f"(?s:{_go_regex(pattern)})")
        except re.error:
            raise ev.err(f"invalid regular expression in label_replace(): {pattern}") from None
        if not _label_name_ok(ev, dst):
            raise ev.err(f"invalid destination label name in label_replace(): {dst}")
        for labels, v in vec:
            match = regex.fullmatch(labels.get(src, ""))
            if match is None:
                out.append((labels, v))
                continue
            out.append((_set_label(labels, dst, _expand(replacement, match)), v))
    else:
        sep = _string(ev, node, 2)
        sources = [_string(ev, node, i) for i in range(3, len(node.args))]
        for name in sources:
            if not _label_name_ok(ev, name):
                raise ev.err(f"invalid source label name in label_join(): {name}")
        if not _label_name_ok(ev, dst):
            raise ev.err(f"invalid destination label name in label_join(): {dst}")
        for labels, v in vec:
            joined = sep.join(labels.get(name, "") for name in sources)
            out.append((_set_label(labels, dst, joined), v))
    return ev.unique(Vector(out))


def _label_name_ok(ev: Evaluator, name: str) -> bool:
    """A label name label_replace/label_join accept: any non-empty one in 3.x (UTF-8 names,
    ``model.UTF8Validation.IsValidLabelName``), the legacy ``[a-zA-Z_][a-zA-Z0-9_]*`` in 2.x."""
    if ev.version >= 3:
        return name != ""
    return _LABEL_NAME.fullmatch(name) is not None


def _set_label(labels: Labels, name: str, value: str) -> Labels:
    out = dict(labels)
    if value:
        out[name] = value
    else:
        out.pop(name, None)  # an empty label is no label
    return out


def _go_regex(pattern: str) -> str:
    """RE2 named groups ``(?P<n>...)`` are Python's too; ``(?<n>...)`` is not."""
    return re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", pattern)


def _expand(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; an unknown or
    out-of-range reference is empty; ``$name`` takes the longest run of word characters; a
    ``$`` that starts none of these is itself."""

    def one(ref: re.Match[str]) -> str:
        name = ref.group(1) or ref.group(2)
        return _group(match, name) if name else "$"

    return _REFERENCE.sub(one, template)


def _group(match: re.Match[str], name: str) -> str:
    try:
        value = match.group(int(name)) if name.isdigit() else match.group(name)
    except IndexError:  # no such group
        return ""
    return value or ""
