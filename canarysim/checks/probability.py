"""Wilson score bounds of a share of runs (probabilistic expectations).

With ``k`` events in ``n`` runs and ``z`` the one-sided quantile of the confidence, the Wilson
score interval is ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = k/n``.
Unlike the normal approximation it stays inside [0, 1] and is honest for ``k = 0`` or ``n``,
which is exactly where a gate on a rare failure lives.

>>> low, high = wilson_bounds(25, 25, 0.95)
>>> round(low, 4), high
(0.9023, 1.0)
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["wilson_bounds"]


def wilson_bounds(events: int, runs: int, confidence: float) -> tuple[float, float]:
    """One-sided lower and upper Wilson bounds (each at ``confidence``) of ``events/runs``."""
    if runs <= 0 or not 0 <= events <= runs:
        raise ValueError(f"0 <= events <= runs and runs > 0, got {events}/{runs}")
    z = NormalDist().inv_cdf(confidence)
    p = events / runs
    z2n = z * z / runs
    centre = p + z2n / 2
    spread = z * math.sqrt(p * (1 - p) / runs + z2n / (4 * runs))
    low = (centre - spread) / (1 + z2n)
    high = (centre + spread) / (1 + z2n)
    # Exactly 0 (1) with no (all) events; the formula leaves rounding dust there.
    low = 0.0 if events == 0 else min(max(0.0, low), p)
    high = 1.0 if events == runs else max(min(1.0, high), p)
    return low, high
