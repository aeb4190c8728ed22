"""Confidence intervals and the binomial arithmetic of the risk report (stdlib and numpy only).

* :func:`wilson`: the Wilson score interval of a proportion (good coverage even at 0 or n
  successes, unlike the normal "Wald" interval);
* :func:`quantile_interval`: a distribution-free interval for a quantile from order statistics
  (the ranks whose binomial probability covers the level);
* :func:`mean_interval`: the normal (central limit) interval of a mean;
* :func:`binom_sf`, :func:`at_least`: binomial tails and the Poisson-binomial probability of at
  least *k* successes among independent trials, to compute detection probabilities by hand.

>>> lo, hi = wilson(0, 100)
>>> lo, round(hi, 4)
(0.0, 0.037)
>>> round(binom_sf(1, 2, 0.5), 2)  # P(X >= 1), X ~ Binomial(2, 1/2)
0.75
>>> round(at_least(1, [0.5, 0.5]), 2)
0.75
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

__all__ = [
    "CONFIDENCE",
    "at_least",
    "binom_cdf",
    "binom_sf",
    "mean_interval",
    "quantile_interval",
    "wilson",
]

CONFIDENCE = 0.95
"""Default level of every interval of the risk report."""


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of ``successes / n``; ``(nan, nan)`` when ``n == 0``."""
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in 0..{n}, got {successes}")
    z = _z(confidence)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


def _log_pmf(n: int, p: float) -> np.ndarray:
    k = np.arange(n + 1, dtype=float)
    lg = np.array([math.lgamma(i + 1.0) for i in range(n + 1)])
    with np.errstate(divide="ignore"):
        return lg[n] - lg - lg[::-1] + k * np.log(p) + (n - k) * np.log1p(-p)


def binom_cdf(n: int, p: float) -> np.ndarray:
    """``P(X <= k)`` for ``k = 0..n``, ``X ~ Binomial(n, p)``."""
    if n < 0 or not 0.0 <= p <= 1.0:
        raise ValueError(f"need n >= 0 and 0 <= p <= 1, got n={n}, p={p}")
    if p in (0.0, 1.0):
        cdf = np.ones(n + 1) if p == 0.0 else np.zeros(n + 1)
        cdf[-1] = 1.0
        return cdf
    return np.minimum(np.cumsum(np.exp(_log_pmf(n, p))), 1.0)


def binom_sf(k: int, n: int, p: float) -> float:
    """``P(X >= k)`` for ``X ~ Binomial(n, p)``."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return float(max(0.0, 1.0 - binom_cdf(n, p)[k - 1]))


def at_least(k: int, probabilities: Sequence[float]) -> float:
    """Probability that at least ``k`` of independent events with these probabilities happen
    (the Poisson-binomial tail; with ``k == 1`` it is ``1 - prod(1 - p)``)."""
    dist = np.zeros(len(probabilities) + 1)
    dist[0] = 1.0
    for i, q in enumerate(probabilities):
        dist[1 : i + 2] = dist[1 : i + 2] * (1 - q) + dist[: i + 1] * q
        dist[0] *= 1 - q
    return float(min(1.0, dist[k:].sum())) if k > 0 else 1.0


def quantile_interval(
    values: np.ndarray, q: float, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of the ``q`` quantile from a sample, by order statistics.

    The interval is ``[x_(l), x_(u)]`` with ranks chosen so that ``P(l <= B < u) >= confidence``
    for ``B ~ Binomial(n, q)``, the count of sample values below the true quantile; it holds
    for any continuous distribution. An end the sample cannot bound (too few values beyond the
    quantile) is ``nan``; an empty sample gives three ``nan``.
    """
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    estimate = float(np.quantile(x, q, method="inverted_cdf"))
    alpha = 1.0 - confidence
    cdf = binom_cdf(n, q)
    # l: largest rank with P(B < l) <= alpha/2; u: smallest rank with P(B >= u) <= alpha/2.
    lower_rank = int(np.searchsorted(cdf, alpha / 2.0, side="right"))  # 0-based index
    upper_rank = int(np.searchsorted(cdf, 1.0 - alpha / 2.0, side="left")) + 1
    lo = float(x[lower_rank - 1]) if lower_rank >= 1 else math.nan
    hi = float(x[upper_rank - 1]) if upper_rank <= n else math.nan
    return (estimate, lo, hi)


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """``(mean, low, high)`` by the normal approximation (central limit theorem)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return (mean, math.nan, math.nan)
    half = _z(confidence) * float(x.std(ddof=1)) / math.sqrt(n)
    return (mean, mean - half, mean + half)
