"""PromQL subset: the numeric kernels and the function table, after Prometheus' Go code.

``FUNCTIONS`` lists the supported functions with their argument counts (the parser checks
calls against it); the kernels are ``extrapolatedRate`` (``promql/functions.go``), the
``quantile`` aggregation and ``bucketQuantile`` (``promql/quantile.go``), and Go-style IEEE
arithmetic for binary operators.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from itertools import chain

from canarysim.lang.promql.syntax import COMPARISONS
from canarysim.lang.promql.values import Vector

__all__ = [
    "FUNCTIONS",
    "extreme",
    "go_max",
    "go_min",
    "go_pow",
    "kahan_inc",
    "kahan_mean",
    "kahan_sum",
    "linear_regression",
    "variance",
]

#: Supported functions and their (min, max) argument counts.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "rate": (1, 1),
    "irate": (1, 1),
    "increase": (1, 1),
    "delta": (1, 1),
    "idelta": (1, 1),
    "histogram_quantile": (2, 2),
    "scalar": (1, 1),
    "vector": (1, 1),
    "time": (0, 0),
    "absent": (1, 1),
    "abs": (1, 1),
    "ceil": (1, 1),
    "floor": (1, 1),
    "exp": (1, 1),
    "ln": (1, 1),
    "log2": (1, 1),
    "log10": (1, 1),
    "sqrt": (1, 1),
    "round": (1, 2),
    "clamp": (3, 3),
    "clamp_min": (2, 2),
    "clamp_max": (2, 2),
    "sum_over_time": (1, 1),
    "avg_over_time": (1, 1),
    "min_over_time": (1, 1),
    "max_over_time": (1, 1),
    "count_over_time": (1, 1),
    "last_over_time": (1, 1),
    "quantile_over_time": (2, 2),
    "stddev_over_time": (1, 1),
    "stdvar_over_time": (1, 1),
    "absent_over_time": (1, 1),
    "present_over_time": (1, 1),
    "changes": (1, 1),
    "resets": (1, 1),
    "deriv": (1, 1),
    "predict_linear": (2, 2),
    "timestamp": (1, 1),
    "sgn": (1, 1),
    "sort": (1, 1),
    "sort_desc": (1, 1),
    "label_replace": (5, 5),
    "label_join": (3, 1_000_000),
}


def _compare(op: str, a: float, b: float) -> bool:
    return {
        "==": a == b,
        "!=": a != b,
        ">": a > b,
        "<": a < b,
        ">=": a >= b,
        "<=": a <= b,
    }[op]


def _apply(op: str, a: float, b: float, return_bool: bool) -> float:
    """A scalar binary operation: a comparison (0/1 with ``bool``), or :func:`_arith`."""
    if op in COMPARISONS:
        hit = _compare(op, a, b)
        return (1.0 if hit else 0.0) if return_bool else a
    return _arith(op, a, b)


def _arith(op: str, a: float, b: float) -> float:
    """IEEE arithmetic as Go does it (x/0 = +-Inf, 0/0 = NaN, fmod for %)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:  # an infinity of the signs' product; 0/0 and NaN/0 are NaN (as 0 * Inf is)
            return a * math.copysign(math.inf, b)
        return a / b
    if op == "%":
        return math.fmod(a, b) if b != 0 and math.isfinite(a) else math.nan
    return go_pow(a, b)  # "^", the last arithmetic operator the parser makes


def kahan_inc(inc: float, total: float, c: float) -> tuple[float, float]:
    """One step of Kahan-Babuska (Neumaier) summation, as ``kahansum.Inc`` in Prometheus'
    ``util/kahansum``: returns the new running sum and compensation; an infinite sum resets the
    compensation."""
    t = total + inc
    if math.isinf(t):
        c = 0.0
    elif abs(total) >= abs(inc):
        c += (total - t) + inc
    else:
        c += (inc - t) + total
    return t, c


def kahan_sum(values: Iterable[float]) -> float:
    """``sum`` aggregation / ``sum_over_time``: compensated sum (an infinite sum stays as is)."""
    total, c = 0.0, 0.0
    for x in values:
        total, c = kahan_inc(float(x), total, c)
    return total + c  # an infinite sum has had its compensation reset to 0


def kahan_mean(values: Iterable[float]) -> float:
    """``avg`` aggregation / ``avg_over_time``: direct mean of a compensated sum, switching to
    an incremental mean once the running sum would overflow (``funcAvgOverTime``)."""
    it = iter(values)
    total = float(next(it, math.nan))
    count, c = 1.0, 0.0
    for x in it:
        x = float(x)
        new_total, new_c = kahan_inc(x, total, c)
        if math.isinf(new_total):
            return _incremental_mean(total / count, c / count, count, chain([x], it))
        total, c = new_total, new_c
        count += 1.0
    return total / count + c / count


def _incremental_mean(mean: float, c: float, count: float, rest: Iterable[float]) -> float:
    """The rest of :func:`kahan_mean` once the sum would overflow: the mean of the first
    ``count`` values (and its compensation) moved along one value at a time."""
    for x in rest:
        count += 1.0
        q = (count - 1) / count
        mean, c = kahan_inc(float(x) / count, q * mean, q * c)
    return mean + c


def variance(values: Iterable[float]) -> float:
    """Population variance as the ``stdvar`` aggregation computes it (Welford's online update,
    NaN when the first value is NaN or infinite)."""
    it = iter(values)
    first = float(next(it, math.nan))
    mean, acc, count = first, (math.nan if not math.isfinite(first) else 0.0), 1.0
    for x in it:
        x = float(x)
        count += 1.0
        delta = x - mean
        mean += delta / count
        acc += delta * (x - mean)
    return acc / count


def go_pow(x: float, y: float) -> float:
    """Go's ``math.Pow`` (C99 ``pow`` special cases; Python raises where Go answers)."""
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0:  # Pow(±0, y<0) (math.pow refuses no other zero): ±Inf for an odd integer y
            odd = y == int(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan  # a negative base with a non-integer exponent
    except OverflowError:  # |x| > 1 with a large y, or |x| < 1 with a large negative y
        odd = y == int(y) and int(y) % 2 == 1
        return math.copysign(math.inf, x) if odd else math.inf  # x is never 0 here


def go_min(a: float, b: float) -> float:
    """Go's ``math.Min``: NaN if either is NaN; -0 beats +0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return -(-a - b)  # IEEE: -0 unless both are +0
    return min(a, b)


def go_max(a: float, b: float) -> float:
    """Go's ``math.Max``: NaN if either is NaN; +0 beats -0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return a + b  # IEEE: +0 unless both are -0
    return max(a, b)


def linear_regression(
    t: Sequence[float], v: Sequence[float], intercept_time: float
) -> tuple[float, float]:
    """``linearRegression`` (compensated sums; a constant series has slope 0; Go divides)."""
    first = float(v[0])
    if all(float(y) == first for y in v[1:]):
        return (math.nan, math.nan) if math.isinf(first) else (0.0, first)
    n = float(len(t))
    sx = cx = sy = cy = sxy = cxy = sx2 = cx2 = 0.0
    for i in range(len(t)):
        x, y = float(t[i]) - intercept_time, float(v[i])
        sx, cx = kahan_inc(x, sx, cx)
        sy, cy = kahan_inc(y, sy, cy)
        sxy, cxy = kahan_inc(x * y, sxy, cxy)
        sx2, cx2 = kahan_inc(x * x, sx2, cx2)
    sx, sy, sxy, sx2 = sx + cx, sy + cy, sxy + cxy, sx2 + cx2
    cov = sxy - sx * sy / n
    var = sx2 - sx * sx / n
    slope = _arith("/", cov, var)
    return slope, sy / n - slope * sx / n


def _extrapolated(
    t: Sequence[float],
    v: Sequence[float],
    range_end: float,
    range_s: float,
    is_counter: bool,
    is_rate: bool,
    version: int,
) -> float | None:
    """Prometheus' ``extrapolatedRate`` for float samples (see module docstring).

    The counter's zero point caps the extrapolation to the window's start; 2.x takes it first
    and then extrapolates by half an interval only if the (capped) gap is over the threshold,
    3.x (and 2.52 on) decides the gap first and caps it by the zero point after."""
    n = len(t)
    if n < 2:
        return None
    first_t, last_t = float(t[0]), float(t[-1])
    first_v = float(v[0])
    result = float(v[-1]) - first_v
    if is_counter:
        prev = first_v
        for x in v[1:]:
            x = float(x)
            if x < prev:
                result += prev  # a counter reset: add what the counter had reached
            prev = x
    range_start = range_end - range_s
    to_start = first_t - range_start
    to_end = range_end - last_t
    sampled = last_t - first_t
    avg = sampled / (n - 1)
    threshold = avg * 1.1
    # the zero point caps the start gap
    capped = to_start
    if is_counter and result > 0 and first_v >= 0:
        capped = min(to_start, sampled * (first_v / result))
    if version >= 3:  # the gap is judged before the cap
        to_start = min(avg / 2, capped) if to_start >= threshold else capped
    else:  # 2.x: the capped gap is judged
        to_start = avg / 2 if capped >= threshold else capped
    if to_end >= threshold:
        to_end = avg / 2
    factor = (sampled + to_start + to_end) / sampled
    if is_rate:
        factor /= range_s
    return result * factor


def _quantile(q: float, vals: Iterable[float]) -> float:
    """PromQL ``quantile`` (``promql/quantile.go``): linear interpolation between closest ranks,
    NaN values sorting first."""
    floats = [float(x) for x in vals]
    s = [x for x in floats if math.isnan(x)] + sorted(x for x in floats if not math.isnan(x))
    if not s or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    rank = q * (len(s) - 1)
    lo = max(0, math.floor(rank))
    hi = min(len(s) - 1, lo + 1)
    w = rank - math.floor(rank)
    return s[lo] * (1 - w) + s[hi] * w


def extreme(values: Iterable[float], smallest: bool) -> float:
    """``min``/``max`` (aggregation and ``*_over_time``): NaN only when every value is NaN."""
    best = math.nan
    for x in values:
        x = float(x)
        if math.isnan(best) or (x < best if smallest else x > best):
            best = x
    return best


def _histogram_quantile(q: float, vec: Vector) -> Vector:
    groups: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    for labels, v in vec:
        if "le" not in labels:
            continue
        try:
            le = float(labels["le"])  # Go's ParseFloat and Python's both read "+Inf"
        except ValueError:
            continue
        key = tuple(sorted((k, x) for k, x in labels.items() if k not in ("le", "__name__")))
        groups.setdefault(key, []).append((le, v))
    return Vector([(dict(key), _bucket_quantile(q, buckets)) for key, buckets in groups.items()])


def _bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """``bucketQuantile`` from prometheus/promql/quantile.go, on (upper bound, count) pairs."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets = sorted(buckets)
    if not buckets or not math.isinf(buckets[-1][0]):
        return math.nan
    # Coalesce equal bounds, then force monotonic counts (scrapes may be torn) and take a count
    # within float noise of the one below as equal (ensureMonotonicAndIgnoreSmallDeltas).
    merged: list[list[float]] = []
    for le, c in buckets:
        if merged and merged[-1][0] == le:
            merged[-1][1] += c
        else:
            merged.append([le, c])
    for i in range(1, len(merged)):
        prev = merged[i - 1][1]
        if merged[i][1] < prev or _almost_equal(prev, merged[i][1]):
            merged[i][1] = prev
    if len(merged) < 2:
        return math.nan
    total = merged[-1][1]
    if total == 0:
        return math.nan
    rank = q * total
    b = next(i for i, (_, c) in enumerate(merged) if c >= rank)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, below = (0.0, 0.0) if b == 0 else (merged[b - 1][0], merged[b - 1][1])
    end, count = merged[b][0], merged[b][1] - below
    # Go divides: an empty lowest bucket at q=0 gives 0/0 = NaN (any other bucket found holds
    # more than the one below it, as the first to reach the rank).
    share = (rank - below) / count if count else math.nan
    return start + (end - start) * share


#: ``smallDeltaTolerance`` of promql/quantile.go.
_SMALL_DELTA = 1e-12
_MIN_NORMAL = 2.2250738585072014e-308


def _almost_equal(a: float, b: float) -> bool:
    """``almost.Equal(a, b, smallDeltaTolerance)`` of Prometheus' ``util/almost``, for the
    unequal counts it is asked about here (equal ones need no correction). Go also takes the
    first branch when ``a`` or ``b`` is 0; with a tolerance under 1 the second then answers no
    as well (the relative difference is 1)."""
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if abs_sum < _MIN_NORMAL:
        return diff < _SMALL_DELTA * _MIN_NORMAL
    return diff / min(abs_sum, sys.float_info.max) < _SMALL_DELTA  # an overflowing sum: Go's Min
