"""PromQL subset: the numeric kernels and the function table, after Prometheus' Go code.

``FUNCTIONS`` lists the supported functions with their argument counts (the parser checks
calls against it); the kernels are ``extrapolatedRate`` (``promql/functions.go``), the
``quantile`` aggregation and ``bucketQuantile`` (``promql/quantile.go``), and Go-style IEEE
arithmetic for binary operators.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from canarysim.lang.promql.syntax import COMPARISONS, PromQLError
from canarysim.lang.promql.values import Vector

__all__ = ["FUNCTIONS"]

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
}


def _safe(fn: Callable[[float], float], x: float) -> float:
    try:
        return float(fn(x))
    except (OverflowError, ValueError):
        return math.inf if x > 0 else math.nan


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
    """IEEE arithmetic as Go does it (x/0 = +-Inf, 0/0 = NaN, fmod for %)."""
    if op in COMPARISONS:
        hit = _compare(op, a, b)
        return (1.0 if hit else 0.0) if return_bool else a
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if op == "%":
        return math.fmod(a, b) if b != 0 and math.isfinite(a) else math.nan
    if op == "^":
        try:
            return math.pow(a, b)
        except (OverflowError, ValueError):
            return math.inf if abs(a) > 1 else math.nan
    raise PromQLError(f"unsupported operator {op!r}")  # pragma: no cover


def _extrapolated(
    t: np.ndarray, v: np.ndarray, range_end: float, range_s: float, is_counter: bool, is_rate: bool
) -> float | None:
    """Prometheus' ``extrapolatedRate`` for float samples (see module docstring)."""
    n = len(t)
    if n < 2:
        return None
    result = float(v[-1] - v[0])
    if is_counter:
        drops = v[1:] < v[:-1]
        result += float(v[:-1][drops].sum())
    range_start = range_end - range_s
    to_start = float(t[0] - range_start)
    to_end = float(range_end - t[-1])
    sampled = float(t[-1] - t[0])
    avg = sampled / (n - 1)
    threshold = avg * 1.1
    if to_start >= threshold:
        to_start = avg / 2
    if is_counter and result > 0 and v[0] >= 0:
        to_zero = sampled * (float(v[0]) / result)
        to_start = min(to_start, to_zero)
    if to_end >= threshold:
        to_end = avg / 2
    factor = (sampled + to_start + to_end) / sampled
    if is_rate:
        factor /= range_s
    return result * factor


def _quantile(q: float, vals: np.ndarray) -> float:
    """PromQL ``quantile`` aggregation: linear interpolation between closest ranks."""
    if len(vals) == 0:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    s = np.sort(vals)
    rank = q * (len(s) - 1)
    lo = max(0, math.floor(rank))
    hi = min(len(s) - 1, lo + 1)
    w = rank - math.floor(rank)
    return float(s[lo] * (1 - w) + s[hi] * w)


def _histogram_quantile(q: float, vec: Vector) -> Vector:
    groups: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    for labels, v in vec:
        if "le" not in labels:
            continue
        try:
            le = float(labels["le"].replace("+Inf", "inf"))
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
    # Coalesce equal bounds, then force monotonic counts (scrapes may be torn).
    merged: list[list[float]] = []
    for le, c in buckets:
        if merged and merged[-1][0] == le:
            merged[-1][1] += c
        else:
            merged.append([le, c])
    for i in range(1, len(merged)):
        merged[i][1] = max(merged[i][1], merged[i - 1][1])
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
    if count == 0:
        return end
    return start + (end - start) * ((rank - below) / count)
